"""Help: every operator reads the FAQ, the keyboard shortcuts, the API links and the
support contact the administrators set; the AI automation hub link is the account's own."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from messagecenter.administration import profile
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

URL = "/help/"
SUPPORT = "/settings/account/help/"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_every_operator_reads_the_faq_shortcuts_and_api_links(bob):
    text = signed_in(bob).get(URL).content.decode()
    assert "Frequently asked questions" in text
    assert "Why do I get no new live chats?" in text
    # The shortcuts are the ones the page scripts handle.
    for key in ("<kbd>?</kbd>", "<kbd>j</kbd>", "<kbd>a</kbd>", "<kbd>d</kbd>", "<kbd>b</kbd>"):
        assert key in text
    assert 'href="/api/v1/docs"' in text and 'href="/api/v1/openapi.json"' in text
    assert "No support contact is set up yet" in text
    assert "Coming in a later release" not in text


def test_the_support_contact_set_by_an_admin_shows_on_help(alice, bob):
    answer = signed_in(alice).post(
        SUPPORT,
        {"support_email": "help@acme.test", "support_url": "https://acme.test/support"},
    )
    assert answer.status_code == 302
    text = signed_in(bob).get(URL).content.decode()
    assert 'href="mailto:help@acme.test"' in text
    assert 'href="https://acme.test/support"' in text


@override_settings(AI_HUB_URL="https://hub.install.test/")
def test_the_ai_hub_link_is_the_accounts_own_else_the_installations(alice, bob):
    client = signed_in(bob)
    assert 'href="https://hub.install.test/"' in client.get(URL).content.decode()
    profile.update_support(alice.account, actor=as_actor(alice), ai_hub_url="https://ai.acme.test/")
    page = client.get("/inbox/").content.decode()
    assert 'href="https://ai.acme.test/"' in page and "hub.install.test" not in page


def test_support_settings_are_validated(alice):
    answer = signed_in(alice).post(SUPPORT, {"support_email": "nope", "ai_hub_url": "ftp://x"})
    assert answer.status_code == 400
    with pytest.raises(ValidationFailed):
        profile.update_support(alice.account, actor=as_actor(alice), ai_hub_url="javascript:1")


def test_a_teammate_cannot_change_the_support_contact(bob):
    assert signed_in(bob).post(SUPPORT, {"support_email": "x@y.test"}).status_code == 403
    with pytest.raises(PermissionDenied):
        profile.update_support(bob.account, actor=as_actor(bob), support_email="x@y.test")
    assert profile.profile_of(bob.account).support_email == ""


def test_an_outsider_never_changes_or_sees_another_accounts_contact(alice, charlie):
    from messagecenter.core.errors import NotFound

    with pytest.raises(NotFound):
        profile.update_support(alice.account, actor=as_actor(charlie), support_email="x@y.test")
    profile.update_support(alice.account, actor=as_actor(alice), support_email="help@acme.test")
    assert "help@acme.test" not in signed_in(charlie).get(URL).content.decode()


def test_help_speaks_german(bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    text = signed_in(bob).get(URL).content.decode()
    assert "Häufige Fragen" in text and "Tastenkürzel" in text


def test_help_needs_sign_in(db):
    assert Client().get(URL).status_code == 302
