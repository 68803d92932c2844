"""Links into the conversation view, which the inbox app owns.

The conversation page's URL name is looked up once; until it exists the inbox list is used with
the conversation as a query parameter, so notification links never break.
"""

from __future__ import annotations

from functools import cache

from django.urls import NoReverseMatch, reverse

PLACEHOLDER = "cv_00000000000000000000"
CANDIDATES = ("conversation", "inbox_conversation", "conversation_detail")


def conversation_url(public_id: str, seq: int | None = None) -> str:
    url = url_template().replace(PLACEHOLDER, public_id)
    return f"{url}#seq-{seq}" if seq else url


@cache
def url_template() -> str:
    """The conversation URL with ``PLACEHOLDER`` where the id goes (also handed to the JS)."""
    for name in CANDIDATES:
        for kwargs in ({"public_id": PLACEHOLDER}, {"conversation_id": PLACEHOLDER}):
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                pass
        try:
            return reverse(name, args=[PLACEHOLDER])
        except NoReverseMatch:
            pass
    return f"/inbox/?conversation={PLACEHOLDER}"
