"""A customer's mail with everything the operator's view shows beside the body."""

from __future__ import annotations

from email.message import EmailMessage

from messagecenter.transports.email.inbound import ingest
from messagecenter.widgets.models import ChannelConnection

REPLY = (
    "Danke, anbei die Rechnung.\n\n"
    "Am 01.03.2026 um 09:00 schrieb Support <support@acme.example>:\n"
    "> Bitte senden Sie uns die Rechnung.\n"
    "> Viele Grüße\n"
)


def email_channel(widget) -> ChannelConnection:
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        config={"address": "support@acme.example", "inbound": "webhook"},
    )


def full_mail(message_id: str = "<full@example.com>") -> bytes:
    """Text with quoted history, HTML with a cid: and a remote image, a PDF, a part too big."""
    msg = EmailMessage()
    msg["From"] = "Kim Kunde <kim@example.com>"
    msg["To"] = "support@acme.example"
    msg["Subject"] = "Rechnung"
    msg["Message-ID"] = message_id
    msg.set_content(REPLY)
    msg.add_alternative(
        "<p>Danke, anbei die Rechnung.</p>"
        '<p><img src="cid:logo@kim"> <img alt="Banner" src="https://images.example/banner.png"></p>'
        "<blockquote>Bitte senden Sie uns die Rechnung.</blockquote>",
        subtype="html",
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    msg.get_payload()[1].add_related(png, "image", "png", cid="<logo@kim>", filename="logo.png")
    msg.add_attachment(
        b"%PDF-1.4 Rechnung 4711", maintype="application", subtype="pdf", filename="rechnung.pdf"
    )
    msg.add_attachment(b"\x00" * 5000, maintype="video", subtype="mp4", filename="film.mp4")
    return bytes(msg)


def receive_full_mail(channel, settings):
    """The mail through the real entry point; the video is over a 2,000-byte upload limit."""
    settings.MAX_UPLOAD_BYTES = 2000
    return ingest(channel, full_mail()).received
