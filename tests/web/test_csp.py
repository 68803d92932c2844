"""The Content-Security-Policy header of every page, who may frame what, and templates that
keep to it (no inline script, no style attributes). The browser proof that every page runs
under it is tests/web/app/test_csp_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from messagecenter.conversations.models import Status
from messagecenter.web import csp
from messagecenter.widgets import services as widgets
from tests.conftest import as_actor
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db

SRC = Path(csp.__file__).resolve().parent.parent
VENDOR = SRC / "web" / "static" / "vendor"


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    "name", ["home", "inbox", "archive", "contact_list", "operators", "settings_widgets"]
)
def test_operator_pages_allow_only_their_own_scripts_and_no_framing(alice_client, name):
    response = alice_client.get(reverse(name))

    policy = directives(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert policy["style-src-elem"] == ["'self'", csp.EMOJI_PICKER_STYLE]
    assert policy["style-src-attr"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name", ["login", "password_reset", "password_reset_done"])
def test_sign_in_and_password_pages_have_the_policy(client, db, name):
    policy = directives(client.get(reverse(name)))

    assert policy["script-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_only_the_conversation_page_allows_style_attributes(alice_client, alice, widget, contact):
    """Its emoji picker positions its parts with style attributes (see web/csp.py)."""
    conversation = conversation_in(Status.OPEN, widget, contact, alice)

    response = alice_client.get(reverse("conversation", args=[conversation.public_id]))

    assert directives(response)["style-src-attr"] == ["'unsafe-inline'"]
    assert directives(response)["script-src"] == ["'self'"]


def test_the_hosted_chat_page_may_be_framed_by_the_widgets_allowed_websites(client, widget, alice):
    """GIVEN a widget that allows shop.example.com WHEN its hosted chat page is served THEN
    that site (and this server) may frame it, nobody else, and X-Frame-Options steps aside."""
    widgets.update_widget(
        widget, actor=as_actor(alice), allowed_origins=["https://shop.example.com"]
    )

    response = client.get(reverse("webchat:chat", args=[widget.key]))

    assert directives(response)["frame-ancestors"] == ["'self'", "https://shop.example.com"]
    assert "X-Frame-Options" not in response.headers


def test_a_widget_without_allowed_websites_is_framed_only_by_this_server(client, widget):
    response = client.get(reverse("webchat:chat", args=[widget.key]))

    assert directives(response)["frame-ancestors"] == ["'self'"]


def test_the_demo_shop_is_not_framed(client, widget):
    response = client.get(reverse("webchat:demo") + f"?widget={widget.key}")

    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert directives(response)["script-src"] == ["'self'"]


def test_the_api_docs_serve_swagger_from_this_server(alice_client):
    response = alice_client.get("/api/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_emoji_picker_hash_matches_the_vendored_library():
    """emoji-picker-element's shadow <style> is its ``baseStyles`` plus the font variable; a
    library update that changes them must update ``csp.EMOJI_PICKER_STYLE``."""
    source = (VENDOR / "emoji-picker-element" / "picker.js").read_text(encoding="utf-8")
    base = re.search(r'^var baseStyles = (".*");$', source, re.MULTILINE)
    font = re.search(r"^const FONT_FAMILY = ((?:'[^']*'\s*\+?\s*)+);", source, re.MULTILINE)
    assert base and font
    family = "".join(re.findall(r"'([^']*)'", font.group(1)))
    text = json.loads(base.group(1)) + f":host{{--emoji-font-family:{family}}}"

    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    expected = f"'sha256-{digest}'"
    assert expected == csp.EMOJI_PICKER_STYLE


# --- templates keep to the policy (the browser test visits pages; this reads all of them) -----

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle=")
EVENT_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+=")


def page_templates():
    for path in sorted(SRC.glob("*/templates/**/*.html")):
        if "/email/" not in path.as_posix():  # e-mails are no pages: mail clients want inline CSS
            yield path


@pytest.mark.parametrize("path", list(page_templates()), ids=lambda path: path.name)
def test_templates_have_no_inline_script_style_or_event_handler(path):
    text = path.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(text), "an inline <script>: move it to a static module"
    assert "<style" not in text, "a <style> block: move it to the app's stylesheet"
    assert not STYLE_ATTRIBUTE.search(text), "a style attribute: use a class (or SVG geometry)"
    assert not EVENT_ATTRIBUTE.search(text), "an on…= handler: add a listener in the module"
