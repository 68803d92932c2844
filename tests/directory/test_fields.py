"""Settings › Contact fields: administrators define and delete custom fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.contacts.fields import define_field
from messagecenter.contacts.models import CustomField
from messagecenter.core.actors import Actor

pytestmark = pytest.mark.django_db

URL = "/settings/contact-fields/"


def test_admin_defines_a_choice_field(alice_client, account):
    response = alice_client.post(
        URL,
        {"label": "Tier", "key": "tier", "type": "select", "options": "Gold\n Silber \n\n"},
        follow=True,
    )
    field = CustomField.objects.get(account=account)
    assert (field.key, field.label, field.type, field.options) == (
        "tier",
        "Tier",
        "select",
        ["Gold", "Silber"],
    )
    assert "The field “Tier” has been added." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"label": "X", "key": "Kein Key", "type": "text"}, "key", "A field key is lower-case"),
        ({"label": "", "key": "x", "type": "text"}, "label", "A field needs a label."),
        (
            {"label": "X", "key": "x", "type": "select", "options": ""},
            "options",
            "A choice field needs options.",
        ),
    ],
)
def test_invalid_field_shows_the_message_and_defines_nothing(alice_client, data, field, message):
    response = alice_client.post(URL, data)
    assert response.status_code == 422
    assert any(message in e for e in response.context["form"].errors[field])
    assert not CustomField.objects.exists()


def test_duplicate_key_is_refused(alice_client, account, alice):
    define_field(account, actor=Actor.for_operator(alice), key="tier", label="Tier")
    response = alice_client.post(URL, {"label": "Noch mal", "key": "tier", "type": "text"})
    assert "A field with this key exists already." in response.content.decode()
    assert CustomField.objects.count() == 1


def test_admin_deletes_a_field(alice_client, account, alice):
    define_field(account, actor=Actor.for_operator(alice), key="tier", label="Tier")
    alice_client.post(reverse("contact_field_delete", args=["tier"]))
    assert not CustomField.objects.exists()


def test_teammate_gets_403_and_changes_nothing(bob_client, account, alice):
    define_field(account, actor=Actor.for_operator(alice), key="tier", label="Tier")
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post(URL, {"label": "X", "key": "x", "type": "text"}).status_code == 403
    assert bob_client.post(reverse("contact_field_delete", args=["tier"])).status_code == 403
    assert list(CustomField.objects.values_list("key", flat=True)) == ["tier"]


def test_outsider_admin_cannot_delete_another_accounts_field(charlie_client, account, alice):
    define_field(account, actor=Actor.for_operator(alice), key="tier", label="Tier")
    assert charlie_client.post(reverse("contact_field_delete", args=["tier"])).status_code == 404
    assert CustomField.objects.filter(account=account).exists()


def test_fields_page_lists_only_the_accounts_fields(
    alice_client, account, alice, other_account, charlie
):
    define_field(account, actor=Actor.for_operator(alice), key="tier", label="Kundenstufe")
    define_field(other_account, actor=Actor.for_operator(charlie), key="secret", label="Geheim")
    html = alice_client.get(URL).content.decode()
    assert "Kundenstufe" in html and "Geheim" not in html
