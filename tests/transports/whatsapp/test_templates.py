"""Message templates against the fake Graph API: synced from the business account (every
page, changes and removals, Meta's refusal kept for the page), filled from the contact and
rendered, sent as ``type: template`` through the delivery rows (also after the 24-hour
window closed, where free text is refused), marked as a template in the timeline; marketing
templates respect a "stop promotions"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.contacts import consent
from messagecenter.conversations import events, services
from messagecenter.conversations.models import DeliveryState, Message
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, ValidationFailed
from messagecenter.transports.base import CapabilityRefused
from messagecenter.transports.whatsapp import sending, templates
from messagecenter.transports.whatsapp.models import WhatsAppTemplate, WhatsAppTemplateMessage
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import PHONE, text

pytestmark = pytest.mark.django_db

ORDER_BODY = "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs."


@pytest.fixture
def synced(whatsapp, whatsapp_api):
    whatsapp_api.add_template("order_update", ORDER_BODY, header="Bestellung {{1}}",
                              footer="Acme Support",
                              buttons=[{"type": "URL", "text": "Verfolgen",
                                        "url": "https://acme.example/track/{{1}}"},
                                       {"type": "QUICK_REPLY", "text": "Danke"}])  # fmt: skip
    whatsapp_api.add_template("spring_sale", "Hallo {{first_name}}, 20 % auf alles!",
                              category="MARKETING", named=True)  # fmt: skip
    whatsapp_api.add_template("new_offer", "Neu: {{1}}", status="PENDING")
    templates.sync(whatsapp)
    return {t.name: t for t in WhatsAppTemplate.objects.all()}


@pytest.fixture
def conversation(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Wo ist mein Paket?"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def order_values(**extra):
    return {"header.1": "4711", "body.1": "Kim", "body.2": "4711", "button.0.1": "4711"} | extra


def send(conversation, template, values, alice):
    with capture_events():
        return sending.send_template(
            conversation, template, values, actor=Actor.for_operator(alice)
        )


# --- sync -------------------------------------------------------------------------------------


def test_sync_keeps_name_language_category_status_and_components(synced, whatsapp):
    order = synced["order_update"]
    assert (order.language, order.category, order.status) == ("de", "UTILITY", "APPROVED")
    assert [c["type"] for c in order.components] == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    assert synced["new_offer"].status == "PENDING"
    assert synced["spring_sale"].parameter_format == "NAMED"
    options = templates.options(whatsapp)
    assert options.templates_count == 3 and options.templates_synced_at is not None
    assert options.templates_sync_error == ""


def test_sync_reads_every_page(whatsapp, whatsapp_api):
    for number in range(230):
        whatsapp_api.add_template(f"t{number:03d}", "Hallo")

    assert templates.sync(whatsapp) == 230
    assert WhatsAppTemplate.objects.filter(connection=whatsapp).count() == 230
    pages = [p for m, p in whatsapp_api.calls if p.endswith("/message_templates")]
    assert len(pages) == 3  # 100 + 100 + 30


def test_a_second_sync_updates_and_removes(synced, whatsapp, whatsapp_api):
    waba = whatsapp_api.templates["102290129340398"]
    waba[:] = [t for t in waba if t["name"] != "spring_sale"]
    next(t for t in waba if t["name"] == "new_offer")["status"] = "APPROVED"

    templates.sync(whatsapp)

    names = set(WhatsAppTemplate.objects.values_list("name", flat=True))
    assert names == {"order_update", "new_offer"}
    assert WhatsAppTemplate.objects.get(name="new_offer").status == "APPROVED"
    # The same rows: a template keeps its id over syncs.
    assert WhatsAppTemplate.objects.get(name="order_update").pk == synced["order_update"].pk


def test_a_refused_sync_keeps_the_templates_and_says_why(synced, whatsapp, whatsapp_api):
    whatsapp_api.fail("message_templates", 200, message="Permissions error")

    with pytest.raises(templates.SyncFailed) as failed:
        templates.sync(whatsapp)

    assert "Permissions error" in failed.value.reason
    assert WhatsAppTemplate.objects.count() == 3
    assert "Permissions error" in templates.options(whatsapp).templates_sync_error


# --- reading and filling ----------------------------------------------------------------------


def test_variables_prefill_and_render(synced, contact):
    order, sale = synced["order_update"], synced["spring_sale"]
    assert [v.key for v in templates.variables(order)] == [
        "header.1", "body.1", "body.2", "button.0.1"]  # fmt: skip
    contact.name = "Kim Berg"
    assert templates.prefill(order, contact)["body.1"] == "Kim Berg"
    assert templates.prefill(sale, contact) == {"body.first_name": "Kim"}

    rendered = templates.render(order, order_values())
    assert "**Bestellung 4711**" in rendered
    assert "Hallo Kim, Ihre Bestellung 4711 ist unterwegs." in rendered
    assert "_Acme Support_" in rendered
    assert "[Verfolgen] https://acme.example/track/4711" in rendered and "[Danke]" in rendered


def test_custom_fields_fill_named_variables(whatsapp, whatsapp_api, contact):
    whatsapp_api.add_template("contract", "Vertrag {{contract_no}} für {{customer_name}}",
                              named=True)  # fmt: skip
    templates.sync(whatsapp)
    contact.custom_fields = {"contract_no": "V-99"}

    values = templates.prefill(WhatsAppTemplate.objects.get(), contact)

    assert values == {"body.contract_no": "V-99", "body.customer_name": "Clara Kundin"}


# --- sending ----------------------------------------------------------------------------------


def test_a_template_goes_out_as_type_template(synced, conversation, alice, whatsapp_api):
    entry = send(conversation, synced["order_update"], order_values(), alice)

    sent = whatsapp_api.sent[-1]
    assert sent["type"] == "template" and sent["to"] == PHONE
    assert sent["template"]["name"] == "order_update"
    assert sent["template"]["language"] == {"code": "de"}
    parts = {c["type"]: c for c in sent["template"]["components"]}
    assert [p["text"] for p in parts["body"]["parameters"]] == ["Kim", "4711"]
    assert parts["header"]["parameters"] == [{"type": "text", "text": "4711"}]
    assert parts["button"] == {"type": "button", "sub_type": "url", "index": "0",
                               "parameters": [{"type": "text", "text": "4711"}]}  # fmt: skip
    message = Message.objects.get(entry=entry)
    assert message.delivery_state == DeliveryState.SENT
    assert "Hallo Kim, Ihre Bestellung 4711 ist unterwegs." in message.body
    assert WhatsAppTemplateMessage.objects.get(message=message).name == "order_update"


def test_named_parameters_carry_their_names(synced, conversation, alice, whatsapp_api):
    send(conversation, synced["spring_sale"], {"body.first_name": "Kim"}, alice)

    body = whatsapp_api.templates_sent()[0]["components"][0]
    assert body["parameters"] == [{"type": "text", "text": "Kim", "parameter_name": "first_name"}]


def test_outside_the_window_text_is_refused_and_a_template_is_sent(
    synced, conversation, alice, whatsapp_api, clock
):
    clock.shift(25 * 3600)
    with pytest.raises(CapabilityRefused) as refused:
        services.post_operator_message(conversation, "Noch da?", actor=Actor.for_operator(alice))
    assert refused.value.code == "channel_reply_window_closed"
    assert "Only a template can be sent now" in str(refused.value)

    send(conversation, synced["order_update"], order_values(), alice)

    assert [m["type"] for m in whatsapp_api.sent] == ["template"]
    conversation.refresh_from_db()
    assert not sending.window_open(conversation)  # a template does not reopen it


def test_the_timeline_marks_a_template_message(synced, conversation, alice):
    entry = send(conversation, synced["order_update"], order_values(), alice)

    payload = events.entry_payloads([entry])[0]["message"]
    assert payload["template"] == {"name": "order_update", "language": "de",
                                   "category": "UTILITY"}  # fmt: skip


@pytest.mark.parametrize(
    ("values", "field"),
    [({"body.1": "Kim"}, "header.1"), (order_values(**{"body.2": "x" * 1025}), "body.2")],
)
def test_missing_or_too_long_variables_are_refused(synced, conversation, alice, whatsapp_api,
                                                   values, field):  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        send(conversation, synced["order_update"], values, alice)

    assert refused.value.details["field"] == field
    assert whatsapp_api.sent == [] and Message.objects.count() == 1


def test_only_approved_templates_are_sent(synced, conversation, alice, whatsapp_api):
    with pytest.raises(CapabilityRefused, match="Only approved templates"):
        send(conversation, synced["new_offer"], {"body.1": "x"}, alice)
    assert whatsapp_api.sent == []


def test_a_stop_of_promotions_refuses_marketing_but_not_utility(
    synced, conversation, alice, whatsapp_api
):
    consent.record(conversation.contact, "whatsapp", granted=False, purpose="marketing",
                   source="whatsapp_preferences")  # fmt: skip

    with pytest.raises(CapabilityRefused, match="stopped marketing"):
        send(conversation, synced["spring_sale"], {"body.first_name": "Kim"}, alice)
    send(conversation, synced["order_update"], order_values(), alice)

    assert [t["name"] for t in whatsapp_api.templates_sent()] == ["order_update"]


def test_another_accounts_template_is_not_found(synced, conversation, charlie):
    with pytest.raises(NotFound):
        sending.send_template(conversation, synced["order_update"], order_values(),
                              actor=Actor.for_operator(charlie))  # fmt: skip


def test_meta_refusing_the_template_fails_the_message_with_the_reason(
    synced, conversation, alice, whatsapp_api
):
    """GIVEN the template was paused at Meta after our last sync THEN the message fails
    with WhatsApp's words (a permanent error, no retry)."""
    whatsapp_api.templates["102290129340398"][0]["status"] = "PAUSED"

    entry = send(conversation, synced["order_update"], order_values(), alice)

    message = Message.objects.get(entry=entry)
    assert message.delivery_state == DeliveryState.FAILED
    assert "132015" in message.delivery_error


def test_inside_the_window_a_utility_template_is_free(synced, conversation):
    notice = templates.costs_notice(synced["order_update"], window_open=True)
    assert "does not charge" in notice
    assert "costs money" in templates.costs_notice(synced["spring_sale"], window_open=True)
    assert "costs money" in templates.costs_notice(synced["order_update"], window_open=False)


def test_a_reaction_does_not_extend_the_window(provider, conversation, whatsapp, clock):
    """WhatsApp opens the window with a user's message (or call); a reaction is no message
    and extends nothing."""
    from tests.transports.whatsapp.payloads import message, value, webhook

    conversation.refresh_from_db()
    opened = conversation.last_contact_activity_at
    clock.shift(23 * 3600)
    liked = message("wamid.R1", None, type="reaction",
                    reaction={"message_id": "wamid.IN1", "emoji": "👍"})  # fmt: skip
    post(provider, whatsapp, webhook(("messages", value(messages=[liked]))))

    conversation.refresh_from_db()
    assert conversation.last_contact_activity_at == opened
    clock.shift(2 * 3600)
    assert not sending.window_open(conversation)


def test_window_open_counts_from_the_contacts_last_message(conversation, clock):
    conversation.refresh_from_db()
    assert sending.window_open(conversation)
    clock.shift(int(timedelta(hours=24, seconds=1).total_seconds()))
    assert not sending.window_open(conversation)


def test_a_template_status_webhook_updates_the_template(provider, synced, whatsapp):
    """Meta posts ``message_template_status_update`` (no phone number: the business
    account's); the state changes at once, without waiting for the next sync."""
    from tests.transports.whatsapp.payloads import webhook

    update = {"event": "PAUSED", "message_template_id": 700000,
              "message_template_name": "order_update", "message_template_language": "de",
              "reason": "NONE"}  # fmt: skip
    post(provider, whatsapp, webhook(("message_template_status_update", update)))

    order = WhatsAppTemplate.objects.get(name="order_update")
    assert order.status == "PAUSED" and not templates.sendable(order)
    flagged = update | {"event": "REINSTATED"}
    post(provider, whatsapp, webhook(("message_template_status_update", flagged)))
    assert WhatsAppTemplate.objects.get(name="order_update").status == "APPROVED"


def test_the_system_writes_first_to_a_consented_contact(synced, whatsapp, whatsapp_api, contact):
    """A campaign's way in: a system actor sends to a contact; a new conversation waits for
    them, unassigned; a second template continues it."""
    from messagecenter.contacts.services import add_identity
    from messagecenter.conversations.models import Conversation, Status

    add_identity(contact, "phone", "+4915123456789")
    system = Actor.system(contact.account)
    with pytest.raises(CapabilityRefused):
        sending.send_template(contact, synced["order_update"], order_values(), actor=system)
    consent.record(contact, "whatsapp", granted=True, source="website_form")

    with capture_events():
        sending.send_template(contact, synced["order_update"], order_values(), actor=system)
        sending.send_template(contact, synced["spring_sale"], {"body.first_name": "Clara"},
                              actor=system, purpose="campaign")  # fmt: skip

    conversation = Conversation.objects.get()
    assert conversation.status == Status.WAITING and conversation.assigned_operator is None
    assert conversation.messages.count() == 2
    assert [t["name"] for t in whatsapp_api.templates_sent()] == ["order_update", "spring_sale"]
    assert WhatsAppTemplateMessage.objects.filter(purpose="campaign").count() == 1
