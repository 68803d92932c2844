"""The widget editor's live preview in a real browser: the real messenger, in an iframe,
follows the unsaved form as the admin types, and sends nothing to the server."""

from __future__ import annotations

import pytest

from messagecenter.contacts.models import Contact, Visitor
from messagecenter.widgets.models import Widget
from tests.browser_fixtures import wait_until
from tests.realtime.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The messenger inside the preview frame, as the editor page's script can reach it.
MESSENGER = (
    "document.querySelector('[data-preview-frame]')"
    ".contentDocument.querySelector('message-center-messenger')"
)
SHADOW = MESSENGER + "?.shadowRoot"


def open_editor(page, server, operator, widget):
    app = f"http://127.0.0.1:{server.port}"
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(f"{app}/settings/widgets/{widget.public_id}/")
    wait_until(page, f"!!{SHADOW}?.querySelector('.panel:not([hidden])')")


def shadow(page, script: str):
    return page.evaluate(f"(() => {{ const s = {SHADOW}; return {script}; }})()")


def test_typing_a_colour_and_a_greeting_updates_the_preview_at_once(
    page, asgi_server, alice, widget
):
    """GIVEN the editor of a widget WHEN the admin types an accent colour and a German
    greeting, and picks the German preview THEN the messenger in the preview shows both
    before anything is saved, and no visitor or contact was created."""
    open_editor(page, asgi_server, alice, widget)

    colour = page.locator("#id_accent_color")
    colour.fill("")
    colour.press_sequentially("#e4572e")  # typed, key by key
    wait_until(
        page,
        f"getComputedStyle({SHADOW}.querySelector('.send')).backgroundColor === 'rgb(228, 87, 46)'",
    )

    page.locator("details[data-texts-language='de'] summary").click()
    page.locator("#id_text_greeting_de").press_sequentially("Moin! Was können wir für Sie tun?")
    page.select_option("[data-preview-language]", "de")
    wait_until(page, f"{SHADOW}.querySelector('.log').textContent.includes('Moin! Was können wir')")
    assert shadow(page, "s.querySelector('textarea').placeholder") == "Nachricht schreiben…"

    page.check("#id_position_1")  # bottom left
    wait_until(page, f"{SHADOW}.querySelector('.root').classList.contains('left')")

    widget.refresh_from_db()
    assert widget.accent_color == "#3a56d4" and widget.texts == {}  # nothing saved
    assert not Visitor.objects.exists() and not Contact.objects.exists()
    assert Widget.objects.count() == 1


def test_the_preview_shows_the_pre_chat_form_and_hides_avatars(page, asgi_server, alice, widget):
    open_editor(page, asgi_server, alice, widget)

    page.select_option("#id_prechat_email", "required")
    page.select_option("[data-preview-view]", "prechat")
    wait_until(page, f"!!{SHADOW}.querySelector('.pre #mc-f-email')")
    assert shadow(page, "s.querySelector('.pre').textContent").count("E-mail *") == 1

    page.select_option("[data-preview-view]", "chat")
    wait_until(page, f"{SHADOW}.querySelector('.head .av').textContent === 'AE'")
    page.locator("label[for='id_show_avatars']").click()
    wait_until(page, f"!!{SHADOW}.querySelector('.head .av svg')")
