"""The messenger's public HTTP side: the embed script, the hosted chat page, the demo shop."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

MAX_GZIP_BYTES = 30 * 1024


def script_source() -> bytes:
    with open(finders.find("webchat/messenger.js"), "rb") as handle:
        return handle.read()


def test_embed_script_is_javascript_with_cors_and_cacheable(client):
    response = client.get("/messenger.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Encoding" in response["Vary"]
    assert response.content == script_source()
    assert b"import.meta.url" in response.content


def test_embed_script_is_gzipped_for_clients_that_accept_it(client):
    response = client.get("/messenger.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == script_source()


def test_embed_script_revalidates_by_etag(client):
    etag = client.get("/messenger.js")["ETag"]
    again = client.get("/messenger.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.post("/messenger.js").status_code == 405


def test_embed_script_stays_small_and_dependency_free():
    source = script_source()
    size = len(gzip.compress(source, 9))
    print(f"messenger.js: {len(source)} bytes, {size} bytes gzip -9")
    assert size < MAX_GZIP_BYTES
    text = source.decode()
    assert not re.search(r"^\s*import\s*[\w{*\"']", text, re.M), "no imports: one module"
    # Two exceptions, our own modules from the same server, loaded only when needed so the
    # script every page loads stays small: the call window when a call rings (R-FILE-3), and
    # the recorder and player when a voice message is recorded or shown (R-FILE-2).
    assert text.count("import(") == 2
    assert re.findall(r"import\((new URL\(.*?\)\.href)\)\.then", text) == [
        'new URL("messenger/modules/call.js", SELF).href'
    ]
    assert re.findall(r"import\(([^)]*)\)", text).count('SELF.origin + "/messenger-voice.js"') == 1
    voice = finders.find("webchat/voice.js")
    with open(voice, encoding="utf-8") as handle:
        companion = handle.read()
    assert not re.search(r"^\s*import\b", companion, re.M) and "import(" not in companion
    assert 'attachShadow({ mode: "open" })' in text


def test_demo_shop_embeds_the_first_widget_of_the_demo_account(client, demo_widget):
    response = client.get("/demo/?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="/messenger.js"' in html
    assert f'data-widget="{demo_widget.key}"' in html
    assert 'type="module"' in html and 'data-language="en"' in html
    assert "Musterladen" in html and "Play the customer" in html


def test_demo_shop_speaks_german(client, demo_widget):
    html = client.get("/demo/?lang=de").content.decode()
    assert '<html lang="de">' in html
    assert "Spielen Sie den Kunden" in html and 'data-language="de"' in html


def test_demo_shop_takes_any_widget_by_key(client, widget):
    response = client.get(f"/demo/?widget={widget.key}")
    assert response.status_code == 200
    assert f'data-widget="{widget.key}"' in response.content.decode()


def test_demo_shop_with_an_unknown_key_is_404(client, demo_widget):
    assert client.get("/demo/?widget=no-such-key").status_code == 404


def test_demo_shop_without_a_demo_account_explains_itself(client):
    response = client.get("/demo/?lang=en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "?widget=YOUR_WIDGET_KEY" in html
    assert "data-widget" not in html


def test_hosted_chat_page_renders_the_messenger_as_a_page(client, widget):
    response = client.get(f"/chat/{widget.key}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-widget="{widget.key}"' in html
    assert 'data-mode="page"' in html
    assert f"<title>{widget.name}</title>" in html


def test_hosted_chat_page_of_an_unknown_widget_is_404(client, db):
    assert client.get("/chat/no-such-widget/").status_code == 404
