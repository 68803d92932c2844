"""R-CONTACT-1: the contact list — search, filters, keyset pages, fixed query count, add one,
erase many."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.contacts import verification
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact, set_blocked
from messagecenter.core.actors import Actor
from messagecenter.directory import queries
from tests.directory.conftest import contact_with_history

pytestmark = pytest.mark.django_db

LIST = "/contacts/"


def names(response) -> list[str]:
    return [c.name for c in response.context["page"].rows]


def test_list_shows_columns_counts_and_badges(alice_client, account, widget, alice):
    clara = contact_with_history(account, widget, alice, 1, name="Clara Kundin")
    verification.mark_verified_by_link(clara, clara.email)
    set_blocked(clara, True, actor=Actor.for_operator(alice))

    response = alice_client.get(LIST)

    assert response.status_code == 200
    row = response.context["page"].rows[0]
    assert (row.conversation_count, row.verified, row.email) == (1, True, "kundin1@example.com")
    assert row.last_activity is not None
    html = response.content.decode()
    for text in ("Clara Kundin", "kundin1@example.com", "+49 1510 0000001", "Beispiel GmbH"):
        assert text in html
    assert "Verified" in html and "Blocked" in html


def test_contacts_page_replaces_the_coming_soon_page(alice_client):
    response = alice_client.get(reverse("contact_list"))
    assert response.templates[0].name == "directory/list.html"


def test_list_query_count_does_not_grow_with_contacts(alice_client, account, widget, alice):
    """GIVEN one contact, then forty, each with identities and a conversation
    WHEN the list is loaded THEN it runs the same number of queries."""
    contact_with_history(account, widget, alice, 0)
    alice_client.get(LIST)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(LIST)
    for number in range(1, 40):
        contact_with_history(account, widget, alice, number)
    with CaptureQueriesContext(connection) as forty:
        response = alice_client.get(LIST)
    assert len(response.context["page"].rows) == 40
    assert len(forty) == len(one), [q["sql"] for q in forty.captured_queries]
    assert not any("OFFSET" in q["sql"].upper() for q in forty.captured_queries)


def test_search_query_count_does_not_grow_with_contacts(alice_client, account, widget, alice):
    contact_with_history(account, widget, alice, 0)
    alice_client.get(LIST, {"q": "kundin"})
    with CaptureQueriesContext(connection) as one:
        alice_client.get(LIST, {"q": "kundin", "has_email": "on", "channel": "webchat"})
    for number in range(1, 40):
        contact_with_history(account, widget, alice, number)
    with CaptureQueriesContext(connection) as forty:
        response = alice_client.get(LIST, {"q": "kundin", "has_email": "on", "channel": "webchat"})
    assert len(response.context["page"].rows) == 40
    assert len(forty) == len(one)


def test_pages_continue_after_the_last_row_without_overlap(alice_client, account, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    for number in range(7):
        create_contact(account, name=f"Person {number}")

    first = alice_client.get(LIST)
    second = alice_client.get(first.context["more_url"])
    third = alice_client.get(second.context["more_url"])

    shown = names(first) + names(second) + names(third)
    assert shown == [f"Person {n}" for n in range(6, -1, -1)]
    assert third.context["more_url"] == ""


def test_show_more_answers_only_the_next_rows(alice_client, account, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    for number in range(3):
        create_contact(account, name=f"Person {number}")
    more_url = alice_client.get(LIST).context["more_url"]

    response = alice_client.get(more_url, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "Person 0" in html and "Person 2" not in html
    assert "<header" not in html and "data-rows" in html


def test_damaged_cursor_shows_the_first_page(alice_client, account):
    create_contact(account, name="Erste")
    response = alice_client.get(LIST, {"after": "not-a-cursor!!"})
    assert names(response) == ["Erste"]


def test_search_matches_name_company_customer_id_and_identities(alice_client, account):
    create_contact(account, name="Jörg Müller", company="Müller & Söhne", customer_id="K-77")
    create_contact(account, name="Anna", email="anna@shop.example", phone="0151 23456789")
    create_contact(account, name="Niemand")

    assert names(alice_client.get(LIST, {"q": "müller"})) == ["Jörg Müller"]
    assert names(alice_client.get(LIST, {"q": "Söhne"})) == ["Jörg Müller"]
    assert names(alice_client.get(LIST, {"q": "K-77"})) == ["Jörg Müller"]
    assert names(alice_client.get(LIST, {"q": "shop.example"})) == ["Anna"]
    assert names(alice_client.get(LIST, {"q": "0151 23456789"})) == ["Anna"]
    assert names(alice_client.get(LIST, {"q": "mueller"})) == ["Jörg Müller"]  # search index
    response = alice_client.get(LIST, {"q": "xyz"})
    assert names(response) == [] and "No contact matches" in response.content.decode()


def test_filters_verification_blocked_and_identifiers(alice_client, account, alice):
    verified = create_contact(account, name="Verified", email="v@example.com")
    verification.mark_verified_by_link(verified, "v@example.com")
    blocked = create_contact(account, name="Blocked", phone="+4915112345678")
    set_blocked(blocked, True, actor=Actor.for_operator(alice))
    create_contact(account, name="Plain")

    assert names(alice_client.get(LIST, {"verified": "yes"})) == ["Verified"]
    assert set(names(alice_client.get(LIST, {"verified": "no"}))) == {"Blocked", "Plain"}
    assert names(alice_client.get(LIST, {"blocked": "yes"})) == ["Blocked"]
    assert set(names(alice_client.get(LIST, {"blocked": "no"}))) == {"Verified", "Plain"}
    assert names(alice_client.get(LIST, {"has_email": "on"})) == ["Verified"]
    assert names(alice_client.get(LIST, {"has_phone": "on"})) == ["Blocked"]


def test_filter_by_message_dates_and_channel(alice_client, account, widget, alice, clock):
    early = contact_with_history(account, widget, alice, 1, name="Early")
    clock.shift(timedelta(days=10))
    contact_with_history(account, widget, alice, 2, name="Late")
    create_contact(account, name="Silent")
    start = early.created_at.date()

    assert names(alice_client.get(LIST, {"until": start.isoformat()})) == ["Early"]
    after = (start + timedelta(days=5)).isoformat()
    assert names(alice_client.get(LIST, {"since": after})) == ["Late"]
    assert set(names(alice_client.get(LIST, {"channel": "webchat"}))) == {"Early", "Late"}
    assert names(alice_client.get(LIST, {"channel": "whatsapp"})) == []


def test_a_filter_that_does_not_parse_is_left_out(alice_client, account):
    create_contact(account, name="Anna")
    response = alice_client.get(LIST, {"since": "gestern", "verified": "maybe"})
    assert response.status_code == 200
    assert names(response) == ["Anna"]


def test_outsider_sees_only_their_own_contacts(charlie_client, account, other_account):
    create_contact(account, name="Acme-Kundin")
    create_contact(other_account, name="Globex-Kunde")
    response = charlie_client.get(LIST, {"q": "Kund"})
    assert names(response) == ["Globex-Kunde"]


def test_signed_out_visitor_is_sent_to_sign_in(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- add one ----------------------------------------------------------------------------------


def test_add_contact_normalises_and_opens_the_profile(bob_client, account):
    response = bob_client.post(
        reverse("contact_add"),
        {"name": " Neue Kundin ", "email": "Neu@Example.COM", "phone": "0151 2345 6789"},
    )
    contact = Contact.objects.get(account=account, name="Neue Kundin")
    assert response.status_code == 302
    assert response["Location"] == reverse("contact_profile", args=[contact.public_id])
    assert (contact.email, contact.phone) == ("neu@example.com", "+4915123456789")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "X", "email": "kein-at"}, "email", "Enter a valid e-mail address."),
        ({"name": "X", "phone": "12"}, "phone", "Enter a valid phone number."),
        ({"company": "Nur Firma"}, None, "Give at least a name"),
    ],
)
def test_add_contact_refusal_is_shown_inline_and_nothing_is_created(
    alice_client, account, data, field, message
):
    response = alice_client.post(reverse("contact_add"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    form = response.context["add_form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert any(message in e for e in errors)
    assert message in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()


def test_add_contact_with_an_email_in_use_names_the_conflict(alice_client, account):
    create_contact(account, name="Erste", email="same@example.com")
    response = alice_client.post(
        reverse("contact_add"), {"name": "Zweite", "email": "same@example.com"}
    )
    assert response.status_code == 422
    assert "Another contact already uses this e-mail." in response.content.decode()
    assert Contact.objects.filter(account=account).count() == 1


def test_add_contact_by_htmx_redirects_the_page(alice_client, account):
    response = alice_client.post(
        reverse("contact_add"), {"name": "Per htmx"}, HTTP_HX_REQUEST="true"
    )
    contact = Contact.objects.get(name="Per htmx")
    assert response["HX-Redirect"] == reverse("contact_profile", args=[contact.public_id])


# --- erase many -------------------------------------------------------------------------------


def test_erase_many_without_confirmation_asks_and_names_the_count(alice_client, account):
    chosen = [create_contact(account, name=f"Weg {n}") for n in range(3)]
    response = alice_client.post(
        reverse("contact_erase_many"), {"contact": [c.public_id for c in chosen]}
    )
    assert response.status_code == 200
    assert "Erase 3 contacts?" in response.content.decode()
    assert Contact.objects.filter(account=account).count() == 3


def test_erase_many_erases_the_selected_contacts(
    alice_client, account, widget, alice, django_capture_on_commit_callbacks
):
    doomed = [contact_with_history(account, widget, alice, n) for n in range(2)]
    kept = create_contact(account, name="Bleibt")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("contact_erase_many"),
            {"contact": [c.public_id for c in doomed], "confirmed": "yes"},
            follow=True,
        )
    assert list(Contact.objects.filter(account=account)) == [kept]
    assert "2 contacts are being erased with all their data." in response.content.decode()


def test_erase_many_ignores_another_accounts_ids(
    charlie_client, account, other_account, django_capture_on_commit_callbacks
):
    acme = create_contact(account, name="Acme-Kundin")
    with django_capture_on_commit_callbacks(execute=True):
        response = charlie_client.post(
            reverse("contact_erase_many"), {"contact": [acme.public_id], "confirmed": "yes"}
        )
    assert response.status_code == 302
    assert Contact.objects.filter(pk=acme.pk).exists()


def test_erase_many_with_nothing_selected_says_so(alice_client, db):
    response = alice_client.post(reverse("contact_erase_many"), {}, follow=True)
    assert "Select the contacts to erase first." in response.content.decode()
