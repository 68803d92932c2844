"""Settings › Translation: administrators choose and test the provider and see the month's
characters and the provider's quota; the key is never shown again; teammates get 403. An
operator sets the languages they read."""

from __future__ import annotations

import pytest

from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.translation import services
from messagecenter.translation.models import Provider, ReadingLanguages, TranslationSettings
from tests.translation.conftest import signed_in, use_deepl
from tests.translation.fakes import DEEPL_KEY

pytestmark = pytest.mark.django_db
PAGE = "/settings/translation/"


def test_an_admin_chooses_deepl_and_the_key_is_kept_secret(alice, account, deepl_api):
    client = signed_in(alice)
    answer = client.post(
        PAGE,
        {
            "provider": "deepl",
            "api_key": DEEPL_KEY,
            "formality": "prefer_less",
            "languages": ["en", "de", "fr"],
        },
    )
    assert answer.status_code == 302
    config = TranslationSettings.objects.get(account=account)
    assert config.provider == Provider.DEEPL and config.credentials["api_key"] == DEEPL_KEY
    assert config.languages == ["en", "de", "fr"]
    page = client.get(PAGE).content.decode()
    assert DEEPL_KEY not in page and "A key is stored." in page


def test_saving_without_a_key_keeps_the_stored_one(alice, account, deepl_api):
    use_deepl(account, alice)
    signed_in(alice).post(
        PAGE, {"provider": "deepl", "formality": "default", "languages": ["en", "de"]}
    )
    assert TranslationSettings.objects.get(account=account).credentials["api_key"] == DEEPL_KEY


def test_the_test_button_shows_the_sample_and_the_quota(alice, account, deepl_api):
    use_deepl(account, alice)
    deepl_api.count = 4200
    client = signed_in(alice)
    assert client.post(PAGE + "test/").status_code == 302
    page = client.get(PAGE).content.decode()
    assert 'data-check="ok"' in page
    assert "[DE] hallo" in page, page[page.find("data-check") :][:400]
    assert "4226" in page and "500000" in page
    # The sample's characters count towards this month's usage.
    assert services.characters_this_month(account) == len("Hello, how can I help you?")


def test_the_test_button_says_why_it_failed(alice, account, deepl_api):
    use_deepl(account, alice)
    deepl_api.fail("/v2/translate", 456)
    client = signed_in(alice)
    client.post(PAGE + "test/")
    page = client.get(PAGE).content.decode()
    assert 'data-check="failed"' in page and "quota" in page


def test_libretranslate_needs_its_address(alice, account):
    answer = signed_in(alice).post(PAGE, {"provider": "libretranslate", "formality": "default"})
    assert answer.status_code == 400
    assert not TranslationSettings.objects.filter(account=account).exists()


def test_a_glossary_is_uploaded_to_deepl_and_replaced(alice, account, deepl_api):
    config = use_deepl(
        account,
        alice,
        glossary_source="en",
        glossary_target="de",
        glossary_entries="Inbox = Posteingang",
    )
    assert config.glossary_id in deepl_api.glossaries
    first = config.glossary_id
    config = use_deepl(
        account,
        alice,
        glossary_source="en",
        glossary_target="de",
        glossary_entries="Inbox = Eingang",
    )
    assert first not in deepl_api.glossaries and config.glossary_id in deepl_api.glossaries


def test_the_page_is_in_german_for_a_german_admin(alice, account):
    alice.language = "de"
    alice.save()
    page = signed_in(alice).get(PAGE).content.decode()
    assert "Übersetzung" in page


def test_teammates_cannot_open_or_change_it(bob, account):
    assert signed_in(bob).get(PAGE).status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_settings(
            account, services.ProviderChoice(provider=""), actor=Actor.for_operator(bob)
        )


def test_an_operator_sets_the_languages_they_read(bob):
    client = signed_in(bob)
    assert client.get("/me/languages/").status_code == 200
    client.post("/me/languages/", {"languages": ["fr", "xx", "en"]})
    assert ReadingLanguages.objects.get(operator=bob).languages == ["en", "fr"]


def test_nobody_sets_another_operators_languages(alice, bob):
    with pytest.raises(PermissionDenied):
        services.set_reading_languages(bob, ["fr"], actor=Actor.for_operator(alice))
