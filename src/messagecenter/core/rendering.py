"""Message formatting: Markdown rendered once on the server, then sanitised.

Operators write a small Markdown subset (bold, italic, lists, links, code). The HTML is made
here and stored with the message, so the operator app, the messenger and transcripts all show
the same, already sanitised, markup.
"""

from __future__ import annotations

import html as html_lib

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "html_block", "html_inline", "hr", "table"], ignoreInvalid=True
)
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "del"}
_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def render_plain(text: str) -> str:
    """Contact messages are plain text: escape them and keep line breaks."""
    escaped = html_lib.escape(text or "", quote=False)
    return "<p>" + escaped.replace("\n", "<br>") + "</p>" if escaped else ""
