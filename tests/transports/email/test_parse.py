"""Our own mails for what the corpora lack: the mail clients our customers use, auto-replies,
bounces, loops, inline and remote images."""

from __future__ import annotations

import base64
import contextlib
import textwrap
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messagecenter.transports.email.parse import (
    REMOTE_SRC_ATTRIBUTE,
    MailKind,
    MailParseError,
    parse_mail,
    resolve_cid_images,
    sanitize_html,
    split_reply,
)


def _raw(text: str) -> bytes:
    return textwrap.dedent(text).lstrip().encode("utf-8")


def _plain(headers: str, body: str) -> bytes:
    return _raw(headers) + b"Content-Type: text/plain; charset=utf-8\n\n" + _raw(body)


# --- replies from the common clients -------------------------------------------------------------

OUTLOOK_DE = _raw("""
    From: "Müller, Jana" <jana.mueller@kunde.example>
    To: Acme Support <support+cv_4hq2n7x3kd9mbw5z.aaaaaaaaaaaaaaaa@acme.example>
    Subject: AW: Ihre Rechnung
    Message-ID: <AM0PR01MB1234@outlook.example>
    In-Reply-To: <cv_4hq2n7x3kd9mbw5z.bbbbbbbbbbbbbbbb.xyz@acme.example>
    References: <cv_4hq2n7x3kd9mbw5z.bbbbbbbbbbbbbbbb.xyz@acme.example>
    Thread-Index: AQHaBcDe
    MIME-Version: 1.0
    Content-Type: multipart/alternative; boundary="b1"

    --b1
    Content-Type: text/plain; charset="iso-8859-1"
    Content-Transfer-Encoding: quoted-printable

    Hallo Anna,

    danke, das hat geklappt. Die Zahlung ist raus.

    Mit freundlichen Gr=FC=DFen
    Jana M=FCller

    -----Urspr=FCngliche Nachricht-----
    Von: Anna via Acme Support <support@acme.example>
    Gesendet: Montag, 2. M=E4rz 2026 10:00
    An: M=FCller, Jana <jana.mueller@kunde.example>
    Betreff: Ihre Rechnung

    Bitte pr=FCfen Sie die Rechnung im Anhang.
    --b1
    Content-Type: text/html; charset="iso-8859-1"
    Content-Transfer-Encoding: quoted-printable

    <html><head><style>p {color: red}</style></head><body><p>Hallo Anna,</p>
    <p>danke, das hat geklappt.</p><div style=3D"border-top:solid #E1E1E1 1.0pt">
    <p><b>Von:</b> Anna via Acme Support</p></div></body></html>
    --b1--
    """)


def test_german_outlook_reply_keeps_only_the_answer():
    mail = parse_mail(OUTLOOK_DE)
    assert mail.from_address.name == "Müller, Jana"
    assert mail.subject == "AW: Ihre Rechnung"
    assert mail.reply_text == "Hallo Anna,\n\ndanke, das hat geklappt. Die Zahlung ist raus."
    assert "Mit freundlichen Grüßen" in mail.quoted_text
    assert "Bitte prüfen Sie die Rechnung" in mail.quoted_text
    assert "<style>" not in mail.html and "color: red" not in mail.html
    assert "Hallo Anna" in mail.html
    assert "Hallo Anna" in mail.reply_html and "Von:" not in mail.reply_html
    assert "Von:" in mail.html


GMAIL = _raw("""
    From: Tom Customer <tom.customer@gmail.example>
    To: support@acme.example
    Subject: Re: Your order 1234
    Message-ID: <CAF=abc123@mail.gmail.example>
    In-Reply-To: <cv_4hq2n7x3kd9mbw5z.cccccccccccccccc.r1@acme.example>
    References: <first@acme.example> <cv_4hq2n7x3kd9mbw5z.cccccccccccccccc.r1@acme.example>
    MIME-Version: 1.0
    Content-Type: multipart/alternative; boundary="000000000000gm"

    --000000000000gm
    Content-Type: text/plain; charset="UTF-8"

    Thanks, that works for me.

    On Tue, 3 Mar 2026 at 10:00, Anna via Acme Support <
    support+cv_4hq2n7x3kd9mbw5z.cccccccccccccccc@acme.example> wrote:

    > Your order has shipped.
    >
    --000000000000gm
    Content-Type: text/html; charset="UTF-8"

    <div dir="ltr">Thanks, that works for me.</div><br><div class="gmail_quote"><div dir="ltr"
    class="gmail_attr">On Tue, 3 Mar 2026 at 10:00, Anna wrote:<br></div><blockquote
    class="gmail_quote">Your order has shipped.</blockquote></div>
    --000000000000gm--
    """)


def test_gmail_reply_with_the_wrote_line_broken_over_two_lines():
    mail = parse_mail(GMAIL)
    assert mail.reply_text == "Thanks, that works for me."
    assert mail.quoted_text.startswith("On Tue, 3 Mar 2026 at 10:00")
    assert mail.reply_html == '<div dir="ltr">Thanks, that works for me.</div><br>'
    assert "> Your order has shipped." in mail.quoted_text
    assert mail.references == [
        "first@acme.example",
        "cv_4hq2n7x3kd9mbw5z.cccccccccccccccc.r1@acme.example",
    ]


APPLE = _plain(
    """
    From: Lea <lea@icloud.example>
    To: support@acme.example
    Subject: Re: Termin
    Message-ID: <6F1C2B9E-1111-2222-3333-444455556666@icloud.example>
    In-Reply-To: <cv_4hq2n7x3kd9mbw5z.dddddddddddddddd.q@acme.example>
    Mime-Version: 1.0 (Mac OS X Mail 16.0)
    """,
    """
    Passt, bis Donnerstag!

    Lea

    > On 3. Mar 2026, at 10:00, Anna via Acme Support <support@acme.example> wrote:
    >
    > Wie wäre Donnerstag?
    """,
)


def test_apple_mail_reply_with_the_wrote_line_quoted():
    mail = parse_mail(APPLE)
    assert mail.reply_text == "Passt, bis Donnerstag!\n\nLea"
    assert "Wie wäre Donnerstag?" in mail.quoted_text


def test_thunderbird_german_quote_header():
    reply, quoted = split_reply(
        "Ja, gerne.\n\nAm 03.03.26 um 10:00 schrieb Anna via Acme Support:\n> Passt Ihnen 11 Uhr?\n"
    )
    assert reply == "Ja, gerne."
    assert quoted.startswith("Am 03.03.26 um 10:00 schrieb")


def test_english_outlook_original_message_block():
    reply, quoted = split_reply(
        "Received, thank you.\n\n-----Original Message-----\nFrom: Acme Support\n"
        "Sent: Monday, March 2, 2026 10:00 AM\nTo: Bob\nSubject: Invoice\n\nPlease see attached."
    )
    assert reply == "Received, thank you."
    assert "Please see attached." in quoted


def test_a_forwarded_mail_keeps_the_note_and_the_forwarded_text_apart():
    mail = parse_mail(
        _plain(
            """
            From: Bob <bob@kunde.example>
            To: support@acme.example
            Subject: Fwd: Lieferung
            """,
            """
            Can you help with this one?

            ---------- Forwarded message ---------
            From: Carrier <noreply@carrier.example>
            Date: Mon, 2 Mar 2026 at 09:00
            Subject: Lieferung
            To: <bob@kunde.example>

            Your parcel is delayed.
            """,
        )
    )
    assert mail.reply_text == "Can you help with this one?"
    assert "Your parcel is delayed." in mail.quoted_text


def test_a_long_mail_is_read_quickly():
    text = "A line of an unusually long mail, with some words in it.\n" * 20000
    started = time.perf_counter()
    reply, _quoted = split_reply(text + "\nOn Mon, Bob wrote:\n> old\n")
    assert time.perf_counter() - started < 1
    assert reply.startswith("A line") and len(reply) > 1000


def test_html_below_the_quote_is_kept_whole():
    mail = parse_mail(
        b"From: a@b.example\nSubject: Re: x\nContent-Type: text/html\n\n"
        b'<blockquote type="cite">old</blockquote><p>my answer below</p>'
    )
    assert "my answer below" in mail.reply_html and "old" in mail.reply_html


def test_a_plain_mail_is_all_new():
    reply, quoted = split_reply("Hello,\n\n    indented code stays\n\nBye")
    assert reply == "Hello,\n\n    indented code stays\n\nBye"
    assert quoted == ""


# --- auto-replies, bounces, loops ----------------------------------------------------------------


def test_out_of_office_reply_is_an_auto_reply():
    mail = parse_mail(
        _plain(
            """
            From: Jana <jana@kunde.example>
            To: support@acme.example
            Subject: Abwesenheitsnotiz: Ihre Rechnung
            Auto-Submitted: auto-replied
            X-Autoreply: yes
            """,
            "Ich bin bis 10. März nicht im Büro.\n",
        )
    )
    assert mail.kind == MailKind.AUTO_REPLY
    assert mail.auto_reply_reason == "Auto-Submitted: auto-replied"


@pytest.mark.parametrize(
    "header",
    [
        "X-Autorespond: yes",
        "Precedence: auto_reply",
        "Precedence: bulk",
        "X-Auto-Response-Suppress: DR, OOF, AutoReply",
    ],
)
def test_typical_auto_reply_headers(header):
    mail = parse_mail(_plain(f"From: a@b.example\nSubject: Hi\n{header}\n", "away\n"))
    assert mail.kind == MailKind.AUTO_REPLY


def test_auto_submitted_no_is_a_person():
    mail = parse_mail(_plain("From: a@b.example\nSubject: Hi\nAuto-Submitted: no\n", "hello\n"))
    assert mail.kind == MailKind.NORMAL


DSN = _raw("""
    From: Mail Delivery System <MAILER-DAEMON@mx.acme.example>
    To: support@acme.example
    Subject: Undelivered Mail Returned to Sender
    Auto-Submitted: auto-replied
    MIME-Version: 1.0
    Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

    --dsn
    Content-Type: text/plain; charset=us-ascii

    I'm sorry to have to inform you that your message could not be delivered.
    --dsn
    Content-Type: message/delivery-status

    Reporting-MTA: dns; mx.acme.example
    Arrival-Date: Tue,  3 Mar 2026 10:00:00 +0100 (CET)

    Final-Recipient: rfc822; nobody@kunde.example
    Original-Recipient: rfc822;nobody@kunde.example
    Action: failed
    Status: 5.1.1
    Diagnostic-Code: smtp; 550 5.1.1 <nobody@kunde.example>:
        Recipient address rejected: User unknown

    --dsn
    Content-Type: text/rfc822-headers

    From: Anna via Acme Support <support@acme.example>
    To: nobody@kunde.example
    Subject: Ihre Rechnung
    Message-ID: <cv_4hq2n7x3kd9mbw5z.eeeeeeeeeeeeeeee.x1@acme.example>

    --dsn--
    """)


def test_a_delivery_status_notification_names_the_failed_mail_and_the_reason():
    mail = parse_mail(DSN)
    assert mail.kind == MailKind.BOUNCE
    assert mail.bounce.original_message_id == (
        "cv_4hq2n7x3kd9mbw5z.eeeeeeeeeeeeeeee.x1@acme.example"
    )
    (failed,) = mail.bounce.recipients
    assert (failed.recipient, failed.action, failed.status) == (
        "nobody@kunde.example",
        "failed",
        "5.1.1",
    )
    assert failed.diagnostic == (
        "smtp; 550 5.1.1 <nobody@kunde.example>: Recipient address rejected: User unknown"
    )
    assert mail.bounce.is_failure
    assert "User unknown" in mail.bounce.reason


def test_a_delayed_dsn_is_a_bounce_but_not_a_failure():
    mail = parse_mail(DSN.replace(b"Action: failed", b"Action: delayed"))
    assert mail.kind == MailKind.BOUNCE
    assert not mail.bounce.is_failure


def test_our_own_mail_coming_back_is_a_loop():
    raw = _plain("From: support@acme.example\nSubject: Hi\nX-MC-Loop: abc123\n", "hello\n")
    assert parse_mail(raw, loop_ids={"abc123"}).kind == MailKind.LOOP
    assert parse_mail(raw, loop_ids={"other"}).kind == MailKind.NORMAL
    assert parse_mail(raw).loop_id == "abc123"


# --- images --------------------------------------------------------------------------------------

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _related_mail(html: str) -> bytes:
    head = _raw("""
        From: Bob <bob@kunde.example>
        To: support@acme.example
        Subject: Screenshot
        MIME-Version: 1.0
        Content-Type: multipart/related; boundary="rel"

        --rel
        Content-Type: text/html; charset=utf-8

        """)
    image = _raw("""
        --rel
        Content-Type: image/png
        Content-Transfer-Encoding: base64
        Content-ID: <shot@bob>

        """)
    return head + html.encode() + b"\n" + image + base64.encodebytes(PNG) + b"--rel--\n"


def test_a_cid_image_names_its_inline_attachment():
    mail = parse_mail(_related_mail('<p>See:</p><img src="cid:shot@bob" alt="screen">'))
    (image,) = mail.attachments
    assert (image.content_id, image.inline, image.content) == ("shot@bob", True, PNG)
    assert 'src="cid:shot@bob"' in mail.html
    assert not mail.remote_images_blocked
    shown = resolve_cid_images(mail.html, {"shot@bob": "/files/f_1/shot.png"})
    assert 'src="/files/f_1/shot.png"' in shown


def test_an_image_no_html_refers_to_is_not_inline():
    mail = parse_mail(_related_mail("<p>No picture here</p>"))
    assert not mail.attachments[0].inline


def test_remote_images_are_blocked_until_loaded():
    mail = parse_mail(
        _related_mail('<img alt="a>b" src="https://tracker.example/p.gif?u=1&amp;x=2"> Hi')
    )
    assert mail.remote_images_blocked
    assert ' src="https://tracker' not in mail.html
    assert f'{REMOTE_SRC_ATTRIBUTE}="https://tracker.example/p.gif?u=1&amp;x=2"' in mail.html


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<div style="background-image:url(https://t.example/p.gif)">x</div>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<img src="//t.example/p.gif">',
        '<table background="https://t.example/bg.gif"><tr><td>x</td></tr></table>',
    ],
)
def test_sanitised_html_neither_runs_code_nor_loads_anything(dangerous):
    html, _blocked = sanitize_html(dangerous)
    for forbidden in (
        "<script",
        "javascript:",
        "onerror",
        "url(",
        "data:text",
        ' src="//',
        "background=",
    ):
        assert forbidden not in html


def test_sanitised_html_keeps_layout_styles():
    html, blocked = sanitize_html('<p style="color: red; background-image: url(x)">Hi</p>')
    assert "color:red" in html.replace(" ", "")
    assert "url(" not in html and not blocked


# --- broken input --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)])
def test_what_is_not_a_mail_is_refused_clearly(raw):
    with pytest.raises(MailParseError):
        parse_mail(raw)


def test_headers_without_a_mail_still_give_the_text():
    mail = parse_mail(b"this is not really a mail\nbut it is text\n")
    assert "but it is text" in mail.text


def test_an_unknown_charset_does_not_raise():
    raw = (
        b"From: a@b.example\nSubject: =?x-nonsense?Q?caf=E9?=\n"
        b"Content-Type: text/plain; charset=x-nonsense\n\ncaf\xe9\n"
    )
    mail = parse_mail(raw)
    assert mail.text.strip() == "café"
    assert mail.subject == "café"


def test_a_long_rfc2231_filename_decodes():
    raw = _raw("""
        From: a@b.example
        Subject: files
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="m"

        --m
        Content-Type: text/plain

        see attached
        --m
        Content-Type: application/pdf
        Content-Disposition: attachment;
         filename*0*=utf-8''%C3%9Cbersicht%20der%20Rechnungen%20f%C3%BCr;
         filename*1*=%20M%C3%A4rz%202026%20%E2%80%93%20Stra%C3%9Fe.pdf
        Content-Transfer-Encoding: base64

        JVBERi0=
        --m--
        """)
    (attachment,) = parse_mail(raw).attachments
    assert attachment.filename == "Übersicht der Rechnungen für März 2026 – Straße.pdf"
    assert attachment.content == b"%PDF-"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 3 Mar 2026 10:00:00 +0100", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 10:00:00 -0000", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
        ("yesterday, around noon", None),
    ],
)
def test_dates_are_aware_or_missing(value, expected):
    mail = parse_mail(_plain(f"From: a@b.example\nSubject: Hi\nDate: {value}\n", "x\n"))
    assert mail.date == expected


# --- never raise on a bad mail -------------------------------------------------------------------

_SEED = OUTLOOK_DE + DSN


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(_SEED)),
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(_SEED) - 1), st.binary(max_size=3)),
        max_size=8,
    ),
)
def test_a_damaged_mail_never_raises_anything_but_mail_parse_error(cut, flips):
    raw = bytearray(_SEED[:cut])
    for position, replacement in flips:
        raw[position : position + 1] = replacement
    try:
        mail = parse_mail(bytes(raw))
    except MailParseError:
        return
    assert isinstance(mail.text, str) and isinstance(mail.subject, str)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_mail_parse_error(raw):
    with contextlib.suppress(MailParseError):
        parse_mail(raw)


_MULTIPART_HEAD = b'From: a@b.example\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@b.example\nContent-Transfer-Encoding:\t7bit\x1cX-Other: 1\n\nabc\n",
        b"From: a@b.example\nContent-Type: text/plain; charset=quoted-printable\n\nabc\n",
        _MULTIPART_HEAD + b"Content-Type: text/plain; charset=utf\x00-8\n\nabc\n--b--\n",
    ],
    ids=["line separator in the encoding", "codec that is no charset", "NUL in charset"],
)
def test_found_by_fuzzing_these_no_longer_raise(raw):
    assert parse_mail(raw).text.strip() in ("abc", "YWJj")
