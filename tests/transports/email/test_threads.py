"""Threading keys, strongest first, for the replies the mail clients of our customers send."""

from __future__ import annotations

import pytest

from messagecenter.transports.email.compose import make_reply_token
from messagecenter.transports.email.parse import parse_mail
from messagecenter.transports.email.threads import (
    may_join_by_subject,
    normalize_subject,
    thread_keys,
)

SECRET = "test-secret-for-threads"
CONVERSATION = "cv_4hq2n7x3kd9mbw5z"
TOKEN = make_reply_token(CONVERSATION, secret=SECRET)


def _mail(headers: str) -> bytes:
    return (headers.strip() + "\nContent-Type: text/plain\n\nHello\n").encode()


def _keys(headers: str, **kwargs):
    return thread_keys(parse_mail(_mail(headers)), secret=SECRET, **kwargs)


def test_outlook_with_trimmed_references_threads_by_in_reply_to():
    """GIVEN Outlook's reply: References only holds our first id, In-Reply-To our latest
    WHEN its keys are read THEN the token in our Message-ID names the conversation."""
    keys = _keys(f"""
From: Jana <jana@kunde.example>
To: support@acme.example
Subject: AW: Rechnung
In-Reply-To: <{TOKEN}.latest@acme.example>
References: <{TOKEN}.first@acme.example>
Thread-Index: AQHaBcDe
""")
    assert keys.conversation_id == CONVERSATION
    assert keys.message_ids == (f"{TOKEN}.latest@acme.example", f"{TOKEN}.first@acme.example")


def test_gmail_threads_by_the_reply_address_first():
    keys = _keys(f"""
From: Tom <tom@gmail.example>
To: Acme Support <support+{TOKEN}@acme.example>
Subject: Re: Your order
In-Reply-To: <CAF-other@mail.gmail.example>
""")
    assert keys.conversation_id == CONVERSATION


def test_apple_mail_with_the_token_only_in_the_envelope():
    keys = _keys(
        """
From: Lea <lea@icloud.example>
To: support@acme.example
Subject: Re: Termin
""",
        envelope_recipients=[f"support+{TOKEN}@acme.example"],
    )
    assert keys.conversation_id == CONVERSATION


def test_a_forged_token_is_ignored_and_the_message_ids_remain():
    forged = TOKEN[:-4] + "aaaa" if not TOKEN.endswith("aaaa") else TOKEN[:-4] + "bbbb"
    keys = _keys(f"""
From: Mallory <m@evil.example>
To: support+{forged}@acme.example
Subject: Re: Rechnung
In-Reply-To: <x@evil.example>
References: <a@acme.example> <b@acme.example>
""")
    assert keys.conversation_id is None
    assert keys.message_ids == ("x@evil.example", "b@acme.example", "a@acme.example")


def test_a_forwarded_mail_keeps_sender_and_subject_for_the_last_rule():
    keys = _keys("""
From: Bob <Bob@Kunde.example>
To: support@acme.example
Subject: WG: Fwd:  Lieferung   verspätet
""")
    assert (keys.conversation_id, keys.message_ids) == (None, ())
    assert (keys.sender, keys.subject) == ("bob@kunde.example", "lieferung verspätet")


@pytest.mark.parametrize(
    ("subject", "normalised"),
    [
        ("Re: Re: Invoice", "invoice"),
        ("AW: Re: [Ticket #1234] Rechnung  März", "rechnung märz"),
        ("SV: Antw: Fråga", "fråga"),
        ("RE[2]: Fwd: Hello", "hello"),
        ("[Acme Support] Re: Hello", "hello"),
        ("Antwort: Termin", "termin"),
        ("Reply needed", "reply needed"),  # "Re" only counts as a prefix with its colon
        ("", ""),
    ],
)
def test_subjects_are_normalised(subject, normalised):
    assert normalize_subject(subject) == normalised


def test_a_changed_subject_keeps_the_thread_through_the_token():
    keys = _keys(f"""
From: Jana <jana@kunde.example>
To: support+{TOKEN}@acme.example
Subject: Ganz neues Thema
""")
    assert keys.conversation_id == CONVERSATION
    assert keys.subject == "ganz neues thema"


def test_a_stranger_never_joins_by_subject_alone():
    contacts = ["jana@kunde.example", "Chef@Kunde.example"]
    assert may_join_by_subject("JANA@kunde.example", contacts)
    assert may_join_by_subject("chef@kunde.example", contacts)
    assert not may_join_by_subject("mallory@evil.example", contacts)
    assert not may_join_by_subject("", contacts)
    assert not may_join_by_subject("jana@kunde.example", [])


def test_the_token_in_a_delivered_to_header_counts():
    keys = _keys(f"""
From: Lea <lea@icloud.example>
To: undisclosed-recipients:;
Delivered-To: support+{TOKEN}@acme.example
Subject: Re: Termin
""")
    assert keys.conversation_id == CONVERSATION
