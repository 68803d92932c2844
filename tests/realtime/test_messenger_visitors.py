"""A page visit is a visitor, not a contact: the contact is created at the first message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.contacts import gdpr
from messagecenter.contacts.models import Contact, PageView, Visitor
from messagecenter.contacts.services import prune_visitors
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from tests.realtime.conftest import receive, send

pytestmark = pytest.mark.django_db(transaction=True)


def hello(asgi_server, widget, **frame):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello", **frame)
    return ws


def test_page_visits_create_no_contacts_and_hello_is_limited_per_address(
    asgi_server, widget, settings
):
    """GIVEN one client opening 100 pages with the widget in one go
    WHEN each says hello without a token
    THEN no contact exists, and only MC_MESSENGER_HELLO_PER_MINUTE visitors were greeted."""
    settings.MESSENGER_HELLO_PER_MINUTE = 30
    sockets = [
        hello(asgi_server, widget, page={"url": f"https://shop.example/{n}"}) for n in range(100)
    ]
    answers = [
        receive(ws, "welcome", where=None) if n < 30 else None for n, ws in enumerate(sockets)
    ]

    refused = 0
    for ws in sockets[30:]:
        frame = receive(ws, "error")
        refused += frame["code"] == "rate_limited"
    assert refused == 70
    assert all(a["contact"] is None for a in answers[:30])
    assert Contact.objects.count() == 0
    assert Visitor.objects.count() == 30
    assert PageView.objects.filter(contact__isnull=True).count() == 30
    for ws in sockets:
        ws.close()


def test_first_message_creates_the_contact_with_the_visitors_page_views(asgi_server, widget):
    ws = hello(asgi_server, widget, page={"url": "https://shop.example/", "title": "Start"})
    welcome = receive(ws, "welcome")
    send(ws, type="page.view", url="https://shop.example/cart", title="Warenkorb")
    send(ws, type="ping")
    receive(ws, "pong")
    assert Contact.objects.count() == 0

    send(ws, type="message.send", body="Hallo", client_id="m1")
    receive(ws, "ack")

    contact = Contact.objects.get()
    assert receive(ws, "messenger.contact")["contact"] == contact.public_id
    assert list(contact.page_views.values_list("url", flat=True)) == [
        "https://shop.example/",
        "https://shop.example/cart",
    ]
    assert Visitor.objects.get().contact == contact
    ws.close()
    again = hello(asgi_server, widget, token=welcome["token"])
    assert receive(again, "welcome")["contact"] == contact.public_id
    again.close()


def test_the_visitors_other_tab_follows_the_new_contact(asgi_server, widget, alice):
    first = hello(asgi_server, widget)
    token = receive(first, "welcome")["token"]
    second = hello(asgi_server, widget, token=token)
    receive(second, "welcome")

    send(first, type="message.send", body="Hallo aus Tab 1", client_id="t1")
    conversation = Conversation.objects.get(public_id=receive(first, "ack")["conversation"])
    assert receive(second, "messenger.contact")["contact"] == conversation.contact.public_id
    send(second, type="ping")
    receive(second, "pong")
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Antwort für alle Tabs", actor=me)

    entry = receive(
        second,
        "messenger.entry",
        where=lambda f: f["entry"]["message"]["author_kind"] == "operator",
    )
    assert entry["conversation"] == conversation.public_id
    send(second, type="message.send", body="Und aus Tab 2", client_id="t2")
    assert receive(second, "ack")["conversation"] == conversation.public_id
    assert Contact.objects.count() == 1
    first.close()
    second.close()


def test_visitors_who_never_wrote_are_pruned_after_the_retention(clock, widget, contact, alice):
    from messagecenter.contacts.services import become_contact
    from messagecenter.contacts.tracking import record_page_view
    from messagecenter.transports.webchat import visitors

    stale = visitors.resolve_visitor(widget, None, None).visitor
    record_page_view(None, widget, "https://shop.example/", visitor=stale)
    wrote = visitors.resolve_visitor(widget, None, None).visitor
    become_contact(wrote)
    clock.shift(timedelta(days=29))
    recent = visitors.resolve_visitor(widget, None, None).visitor
    clock.shift(timedelta(days=1, seconds=1))

    assert prune_visitors() == 1

    assert set(Visitor.objects.values_list("pk", flat=True)) == {wrote.pk, recent.pk}
    assert not PageView.objects.filter(visitor_id=stale.pk).exists()


def test_erasing_a_contact_erases_its_visitor_rows(widget, alice):
    from messagecenter.contacts.services import become_contact
    from messagecenter.contacts.tracking import record_page_view
    from messagecenter.transports.webchat import visitors

    visitor = visitors.resolve_visitor(widget, None, None).visitor
    record_page_view(None, widget, "https://shop.example/", visitor=visitor)
    contact = become_contact(visitor)

    gdpr.erase_contact(contact, actor=Actor.for_operator(alice))

    assert not Visitor.objects.exists() and not PageView.objects.exists()


def test_the_messenger_reports_the_browsers_time_zone_for_the_contact(asgi_server, widget):
    ws = hello(asgi_server, widget, time_zone="Europe/Lisbon")
    receive(ws, "welcome")
    send(ws, type="message.send", body="Olá", client_id="tz")
    receive(ws, "ack")

    assert Contact.objects.get().time_zone == "Europe/Lisbon"
    ws.close()
