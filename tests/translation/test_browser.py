"""Live translation in a real browser against a real server and the fake DeepL: the
composer's toggle, preview and send (translated or the original when the quota is used up),
"show original" for the operator and for the contact in the messenger, and the operator's
"languages I read"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Conversation, Message, Status
from messagecenter.core.actors import Actor
from messagecenter.jobs.models import OutboxEvent
from messagecenter.translation import outbound, services
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.helpers import conversation_in
from tests.realtime.conftest import asgi_server  # noqa: F401
from tests.translation.conftest import contact_writes
from tests.web.app.conftest import App
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chat(deepl_account, widget, contact, alice):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    OutboxEvent.objects.all().delete()
    return conversation


def test_toggle_preview_send_and_show_original(page, asgi_server, chat, alice, deepl_api):  # noqa: F811
    shown = App(page, asgi_server, alice).open(f"/inbox/{chat.public_id}/")
    tool = shown.locator("[data-translation-tool]")
    tool.get_by_role("button", name="Live translation").click()
    panel = tool.get_by_role("dialog", name="Live translation")
    panel.get_by_label("Contact’s language").select_option("de")
    panel.get_by_label("Translate this conversation").check()
    expect(tool.locator("[data-translation-badge]")).to_have_text("DE")
    eventually(lambda: services.toggle_of(chat).enabled)

    # A contact message arrives and is translated into Alice's English, live.
    contact_writes(chat, "Hallo, wo ist meine Bestellung?")
    last = shown.locator(".msg--contact").last
    expect(last.locator("[data-translated]")).to_have_text("[EN] hello, where is my order?")
    last.get_by_text("Show original").click()
    expect(last.locator(".msg__body--original")).to_have_text("Hallo, wo ist meine Bestellung?")

    # Alice's reply: previewed in German, sent as the translation, the original on demand.
    box = shown.get_by_role("combobox", name="Message or note")
    box.fill("hello, your order is shipped")
    box.press("Enter")
    preview = shown.locator("[data-translation-preview]")
    expect(preview.locator("[data-preview-text]")).to_have_value(
        "[DE] hallo, Ihre Bestellung ist versandt"
    )
    preview.get_by_role("button", name="Send translation").click()
    mine = shown.locator(".msg--operator").last
    expect(mine.locator("[data-translated]")).to_have_text(
        "[DE] hallo, Ihre Bestellung ist versandt"
    )
    mine.get_by_text("Show original").click()
    expect(mine.locator(".msg__body--original")).to_have_text("hello, your order is shipped")
    expect(box).to_have_value("")

    # The quota is used up: the toggle says so and the original goes instead.
    deepl_api.fail("/v2/translate", 456)
    box.fill("thanks")
    box.press("Enter")
    expect(preview).to_contain_text("The translation quota is used up")
    expect(tool.locator("[data-translation-button]")).to_have_class(
        "tool tool--active tool--warning"
    )
    preview.get_by_role("button", name="Send original").click()
    expect(shown.locator(".msg--operator").last).to_contain_text("thanks")
    assert Message.objects.filter(conversation=chat, body="thanks").exists()


def test_the_contact_sees_machine_translated_with_the_original(
    page,  # noqa: F811
    asgi_server,  # noqa: F811
    widget,
    alice,
    deepl_account,
):
    site = f"http://127.0.0.1:{asgi_server.port}"
    widget.allowed_origins = [site]
    widget.save()
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Hallo, wo ist meine Bestellung?")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    me = Actor.for_operator(alice)
    from messagecenter.conversations import services as conversations

    conversations.assign_operator(conversation, alice, actor=me)
    services.set_toggle(conversation, enabled=True, language="de", actor=me)
    outbound.send_translated(
        conversation, "your order is shipped", "[DE] Ihre Bestellung ist versandt", actor=me
    )
    expect(messenger.get_by_text("[DE] Ihre Bestellung ist versandt")).to_be_visible()
    expect(messenger.get_by_text("· Machine-translated")).to_be_visible()
    messenger.get_by_text("Show original").click()
    expect(messenger.locator(".original .bubble")).to_have_text("your order is shipped")
    # After a reload (history from the server) the marker is still there.
    page.reload()
    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_text("· Machine-translated")).to_be_visible()


def test_languages_i_read_are_not_translated(page, asgi_server, chat, alice):  # noqa: F811
    services.set_toggle(chat, enabled=True, language="de", actor=Actor.for_operator(alice))
    app = App(page, asgi_server, alice)
    shown = app.open("/me/languages/")
    shown.get_by_label("German").check()
    shown.get_by_role("button", name="Save").click()
    expect(shown.get_by_text("Your languages have been saved.")).to_be_visible()
    assert services.reading_languages(alice) == ["de"]

    contact_writes(chat, "Hallo, danke")  # nobody else needs it: no translation at all
    shown = app.open(f"/inbox/{chat.public_id}/")
    last = shown.locator(".msg--contact").last
    expect(last.locator(".msg__body")).to_have_text("Hallo, danke")
    expect(last.locator("[data-translated]")).to_have_count(0)
