"""The team pages in a real browser against a real server (HTTP and WebSocket): live
updates, the inactivity alarm under a controlled clock, notifications and both languages.

Events are made by services in the test thread; with a transactional database their
on-commit callbacks run at once and reach the page through the server's event loop.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from messagecenter.accounts import preferences as prefs
from messagecenter.accounts.services import update_profile
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from messagecenter.notifications.models import Kind, Notification
from tests.helpers import conversation_in, go_online, start
from tests.realtime.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records the type of every socket event the page's modules see.
EVENT_SPY = """
window.__frames = [];
addEventListener("mc:event", (event) => window.__frames.push(event.detail.type));
"""
# Counts Web Audio oscillators: proof that a sound was really synthesised.
AUDIO_SPY = """
(() => {
  const original = AudioContext.prototype.createOscillator;
  window.__oscillators = 0;
  AudioContext.prototype.createOscillator = function () {
    window.__oscillators += 1;
    return original.call(this);
  };
})();
"""
# A Notification API whose permission the test chooses; shown notifications are recorded.
NOTIFICATION_SPY = """
window.__shown = [];
window.__asked = 0;
window.Notification = class {
  static permission = "%s";
  static async requestPermission() {
    window.__asked += 1;
    this.permission = "granted";
    return "granted";
  }
  constructor(title, options) {
    window.__shown.push({ title, body: options.body, tag: options.tag });
  }
  close() {}
};
"""


@pytest.fixture
def app(asgi_server):
    return f"http://127.0.0.1:{asgi_server.port}"


def open_as(page, app, operator, path):
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + path)


def wait_for_socket(page):
    """The page's socket said hello: it has joined the account and operator groups."""
    wait_until(page, "window.__frames.includes('hello')")


def test_operators_page_shows_a_colleague_going_online_live(page, app, alice, bob):
    page.add_init_script(EVENT_SPY)
    open_as(page, app, alice, "/operators/")
    bobs = page.locator(f'tr[data-operator="{bob.public_id}"]')
    expect(bobs.locator("[data-status]")).to_have_text("Offline")
    wait_for_socket(page)

    go_online(bob)

    expect(bobs.locator("[data-status]")).to_have_text("Online")
    expect(bobs).to_have_attribute("data-state", "available")
    expect(page.locator("[data-live-badge]")).to_have_attribute("data-connected", "true")


def test_a_mention_appears_live_as_a_row_and_a_browser_notification(
    page, app, alice, bob, widget, contact
):
    page.add_init_script(EVENT_SPY + NOTIFICATION_SPY % "granted")
    open_as(page, app, alice, "/notifications/")
    expect(page.get_by_role("heading", name="No notifications yet")).to_be_visible()
    wait_for_socket(page)

    conversation = start(widget, contact)  # nobody available: unassigned, tells the group
    notes.add_note(conversation, "@alice kannst du übernehmen?", actor=Actor.for_operator(bob))

    mention = page.locator(".notification", has_text="Bob Builder mentioned you in a note")
    expect(mention).to_be_visible()
    expect(mention).to_have_class("notification notification--unread notification--new")
    expect(page.locator(".notification")).to_have_count(2)
    expect(page.locator("[data-unread-summary]")).to_have_text("You have 2 unread notifications.")
    wait_until(page, "window.__shown.length === 2")
    titles = [shown["title"] for shown in page.evaluate("window.__shown")]
    assert titles == ["New conversation", "You were mentioned in a note"]

    mention.get_by_role("link").click()
    page.wait_for_url(f"**/inbox/{conversation.public_id}/**")
    notification = Notification.objects.get(operator=alice, kind=Kind.MENTION)
    assert notification.read_at is not None


def test_mark_all_read_without_reloading(page, app, alice, bob, widget, contact):
    start(widget, contact)
    open_as(page, app, alice, "/notifications/")
    expect(page.locator(".notification--unread")).to_have_count(1)

    page.get_by_role("button", name="Mark all as read").click()

    expect(page.locator(".notification--unread")).to_have_count(0)
    expect(page.locator("[data-unread-summary]")).to_have_text("You are all caught up.")
    expect(page.get_by_role("button", name="Mark all as read")).to_be_disabled()


def test_inactivity_alarm_plays_after_the_countdown_and_repeats_until_i_reply(
    page, app, alice, widget, contact
):
    """GIVEN Alice's alarm: after 60 s of waiting, repeated every 30 s
    WHEN her contact has waited past the countdown (on a clock the test drives)
    THEN the alarm plays through Web Audio, repeats, and stops once she has replied."""
    update_profile(
        alice,
        actor=Actor.for_operator(alice),
        preferences=prefs.clean({"inactivity": {"countdown": 60, "repeat": 30, "sound": "pulse"}}),
    )
    conversation = conversation_in("open", widget, contact, alice)
    since = conversation.waiting_since
    page.add_init_script(EVENT_SPY + AUDIO_SPY)
    page.clock.install(time=since)
    open_as(page, app, alice, "/me/settings/")
    expect(page.locator("html[data-mc-personal=ready]")).to_be_attached()
    page.clock.pause_at(since + timedelta(seconds=10))

    def alarms() -> int:
        return page.evaluate("window.__mcAlarm.count")

    page.clock.run_for(45_000)  # waited 55 s
    assert alarms() == 0
    page.clock.run_for(7_000)  # 62 s
    assert alarms() == 1
    assert page.evaluate("window.__mcAlarm.conversations") == [conversation.public_id]
    assert page.evaluate("window.__mcAudio.played") == ["pulse"]
    assert page.evaluate("window.__oscillators") == 3  # the pulse's three beeps
    assert page.locator("html").get_attribute("data-mc-alarm") == "1"
    page.clock.run_for(18_000)  # 80 s: the repeat is not due yet
    assert alarms() == 1
    page.clock.run_for(15_000)  # 95 s
    assert alarms() == 2

    wait_for_socket(page)  # the shell's socket, or personal.js's own after 2 s of (fake) time
    services.post_operator_message(conversation, "Bin dran!", actor=Actor.for_operator(alice))
    wait_until(
        page,
        f"window.mcPersonal.state.conversations.get('{conversation.public_id}').status"
        " === 'waiting'",
    )
    page.clock.run_for(120_000)
    assert alarms() == 2


def test_the_permission_prompt_asks_once_per_session(page, app, alice):
    page.add_init_script(NOTIFICATION_SPY % "default")
    open_as(page, app, alice, "/operators/")

    prompt = page.locator(".mc-permission-bar")
    expect(prompt).to_contain_text("Get notified about new conversations")
    prompt.get_by_role("button", name="Not now").click()
    expect(prompt).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Operators")).to_be_visible()
    expect(prompt).to_have_count(0)
    assert page.evaluate("window.__asked") == 0


def test_the_permission_prompt_asks_the_browser(page, app, alice):
    page.add_init_script(NOTIFICATION_SPY % "default")
    open_as(page, app, alice, "/notifications/")

    page.locator(".mc-permission-bar").get_by_role("button", name="Turn on notifications").click()

    expect(page.locator(".mc-permission-bar")).to_have_count(0)
    assert page.evaluate("window.__asked") == 1


def test_no_prompt_once_notifications_are_allowed(page, app, alice):
    page.add_init_script(NOTIFICATION_SPY % "granted")
    open_as(page, app, alice, "/operators/")

    expect(page.locator("html[data-mc-personal=ready]")).to_be_attached()
    expect(page.locator(".mc-permission-bar")).to_have_count(0)


TEXTS = {
    "en": {
        "new_group": "New group",
        "create": "Create",
        "created": "“Vertrieb” has been created.",
        "duplicate": "A group with this name already exists.",
        "widgets": "Widgets",
        "new_widget": "New widget",
        "create_widget": "Create widget",
        "ready": "The widget is ready.",
        "copy": "Copy",
        "copied": "Copied",
    },
    "de": {
        "new_group": "Neue Gruppe",
        "create": "Anlegen",
        "created": "„Vertrieb“ wurde angelegt.",
        "duplicate": "Es gibt schon eine Gruppe mit diesem Namen.",
        "widgets": "Widgets",
        "new_widget": "Neues Widget",
        "create_widget": "Widget anlegen",
        "ready": "Das Widget ist bereit.",
        "copy": "Kopieren",
        "copied": "Kopiert",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_settings_work_in_both_languages(page, app, alice, language):
    texts = TEXTS[language]
    update_profile(alice, actor=Actor.for_operator(alice), language=language)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app)
    open_as(page, app, alice, "/settings/groups/")

    page.get_by_label(texts["new_group"]).fill("Vertrieb")
    page.get_by_role("button", name=texts["create"], exact=True).click()
    expect(page.get_by_text(texts["created"])).to_be_visible()
    page.get_by_label(texts["new_group"]).fill("Vertrieb")
    page.get_by_role("button", name=texts["create"], exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(texts["duplicate"])

    page.get_by_role("link", name=texts["widgets"], exact=True).click()
    page.get_by_role("link", name=texts["new_widget"]).first.click()
    page.get_by_label("Name", exact=True).fill("Shop")
    page.get_by_role("button", name=texts["create_widget"]).click()
    expect(page.get_by_text(texts["ready"])).to_be_visible()
    expect(page.locator("#embed-snippet")).to_contain_text('data-widget="')

    copy = page.locator('[data-copy="embed-snippet"]')
    copy.click()
    expect(copy).to_have_text(texts["copied"])
    assert "messenger.js" in page.evaluate("navigator.clipboard.readText()")


def test_signals_follow_my_choices_for_my_and_my_groups_conversations(
    page, app, account, alice, bob, widget
):
    """GIVEN the default choices: new messages signal for my conversations only
    WHEN contacts write in Alice's and in Bob's conversation, then Alice mutes all
    THEN only her own conversation plays a sound and shows a notification, and muted
    nothing does."""
    from messagecenter.contacts.services import create_contact

    mine = conversation_in("waiting", widget, create_contact(account, name="Mia"), alice)
    bobs = conversation_in("waiting", widget, create_contact(account, name="Ben"), bob)
    page.add_init_script(EVENT_SPY + NOTIFICATION_SPY % "granted")
    open_as(page, app, alice, "/operators/")
    expect(page.locator("html[data-mc-personal=ready]")).to_be_attached()
    wait_for_socket(page)

    def contact_writes(conversation, body):
        services.post_contact_message(
            conversation, body, actor=Actor.for_contact(conversation.contact)
        )

    contact_writes(bobs, "Hallo Bob")
    contact_writes(mine, "Hallo Alice")
    wait_until(page, "window.__shown.length === 1")
    assert page.evaluate("window.__shown") == [
        {"title": "New message", "body": "Hallo Alice", "tag": f"mc-{mine.public_id}"}
    ]
    assert page.evaluate("window.__mcAudio.played") == ["message"]

    page.evaluate("document.dispatchEvent(new CustomEvent('mc:mute', {detail: {muted: true}}))")
    # Later than the moment of the first message, so only muting can keep this one quiet.
    page.clock.install()
    page.clock.fast_forward(5_000)
    changes = "window.__frames.filter((type) => type === 'conversation.changed').length"
    before = page.evaluate(changes)
    contact_writes(mine, "Noch da?")
    wait_until(page, f"{changes} > {before}")
    assert len(page.evaluate("window.__shown")) == 1
    assert page.evaluate("window.__mcAudio.played") == ["message"]


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true. (Playwright's wait_for_function
    compiles its predicate with eval inside the page, which our CSP refuses; evaluate runs
    through the DevTools protocol, outside the page's policy.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)
