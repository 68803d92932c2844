"""The composer's files in Chromium against the live server: the paperclip, a drop and a
paste attach files; the upload shows its progress and can be cancelled; Send carries the
files and the timeline shows them (an image as its preview, opening in the viewer)."""

from __future__ import annotations

import base64
import time

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Message
from messagecenter.files.models import Upload
from tests.browser_fixtures import wait_until
from tests.files.conftest import png
from tests.helpers import conversation_in
from tests.web.app.conftest import App, asgi_server, browser, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shown(page, asgi_server, widget, contact, alice):  # noqa: F811
    conversation = conversation_in("waiting", widget, contact, alice)
    return App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")


def transfer(tab, name: str, data: bytes, mime: str):
    """A DataTransfer holding one file, as a drop or a paste brings it."""
    return tab.evaluate_handle(
        """([name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: mime }));
            return dt;
        }""",
        [name, base64.b64encode(data).decode(), mime],
    )


def ready_chips(shown):
    return shown.locator("[data-attachment][data-state=done]")


def send(shown, text: str):
    shown.locator("[data-input]").fill(text)
    shown.locator("[data-input]").press("Enter")


def test_the_paperclip_attaches_and_send_carries_the_file(shown):
    shown.locator("[data-file-input]").set_input_files(
        {"name": "lieferschein.txt", "mimeType": "text/plain", "buffer": b"Lieferschein 42"}
    )
    expect(ready_chips(shown)).to_have_count(1)

    send(shown, "Anbei der Lieferschein")

    link = shown.locator(".msg__file", has_text="lieferschein.txt")
    expect(link).to_be_visible()
    expect(link).to_contain_text("PLAIN")
    expect(shown.locator("[data-attachment]")).to_have_count(0)
    message = Message.objects.get(body="Anbei der Lieferschein")
    assert [a.filename for a in message.attachments.all()] == ["lieferschein.txt"]


def test_a_dropped_image_is_sent_and_opens_in_the_viewer(shown):
    dropped = transfer(shown, "foto.png", png((400, 300)), "image/png")
    shown.locator("[data-composer]").dispatch_event("dragover", {"dataTransfer": dropped})
    shown.locator("[data-composer]").dispatch_event("drop", {"dataTransfer": dropped})
    expect(ready_chips(shown)).to_have_count(1)

    send(shown, "Das Foto")

    preview = shown.locator("[data-image-file] img")
    expect(preview).to_be_visible()
    preview.click()
    viewer = shown.locator("#image-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_js_property("naturalWidth", 400)


def test_a_pasted_file_is_attached(shown):
    pasted = transfer(shown, "notiz.txt", b"aus der Zwischenablage", "text/plain")
    shown.evaluate(
        """(dt) => document.querySelector('[data-input]').dispatchEvent(
            new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }))""",
        pasted,
    )
    expect(ready_chips(shown)).to_have_count(1)
    expect(ready_chips(shown)).to_contain_text("notiz.txt")


def test_a_large_upload_shows_progress_and_can_be_cancelled(shown):
    # Record every progress value the chip shows (the upload runs in 8 MB chunks).
    shown.evaluate(
        """() => {
            window.__progress = [];
            new MutationObserver(() => {
                for (const bar of document.querySelectorAll('.attachment__progress'))
                    window.__progress.push(Number(bar.value));
            }).observe(document.body, { subtree: true, childList: true, attributes: true });
        }"""
    )
    big = b"\x00\x01" * (12 * 1024 * 1024)  # 24 MB: three chunks
    shown.locator("[data-file-input]").set_input_files(
        {"name": "gross.bin", "mimeType": "application/octet-stream", "buffer": big},
        timeout=60_000,
    )
    wait_until(shown, "window.__progress.some((v) => v > 0 && v < 100)", timeout=60)
    shown.locator("[data-attachment] [data-cancel-upload]").click()

    expect(shown.locator("[data-attachment]")).to_have_count(0)
    deadline = time.monotonic() + 10
    while Upload.objects.exists():  # the DELETE reaches the server
        assert time.monotonic() < deadline
        time.sleep(0.1)
