"""Outgoing mails: what a contact's mail client receives, and that our own parser reads it back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messagecenter.transports.email.compose import (
    REFERENCES_LIMIT,
    ChannelIdentity,
    OutgoingAttachment,
    Recipient,
    build_references,
    compose_mail,
    find_reply_token,
    loop_id_for,
    make_reply_token,
    read_reply_token,
    reply_address,
    sender_name,
    stable_message_id,
)
from messagecenter.transports.email.parse import MailKind, parse_mail
from messagecenter.transports.email.threads import thread_keys

SECRET = "test-secret-for-tokens"
CONVERSATION = "cv_4hq2n7x3kd9mbw5z"
CHANNEL = ChannelIdentity(address="support@acme.example", name="Acme Support")
PNG = b"\x89PNG\r\n\x1a\nfake"


def _compose(**overrides):
    values = dict(
        channel=CHANNEL,
        to=[Recipient("jana@kunde.example", "Jana Müller")],
        subject="Re: Ihre Rechnung",
        text="Hallo Jana,\n\ndie Rechnung ist **bezahlt**.",
        operator_name="Anna",
        conversation_public_id=CONVERSATION,
        loop_id=loop_id_for("account-1", secret=SECRET),
        date=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        secret=SECRET,
    )
    values.update(overrides)
    return compose_mail(**values)


# --- tokens --------------------------------------------------------------------------------------


def test_a_token_names_its_conversation():
    token = make_reply_token(CONVERSATION, secret=SECRET)
    assert token.startswith(CONVERSATION + ".")
    assert read_reply_token(token, secret=SECRET) == CONVERSATION


def test_a_token_survives_a_mail_server_that_upper_cases_the_address():
    token = make_reply_token(CONVERSATION, secret=SECRET)
    assert read_reply_token(token.upper(), secret=SECRET) == CONVERSATION


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("cv_4hq2", "cv_5hq2"),  # another conversation, same signature
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # a changed signature
        lambda t: t.split(".")[0],  # no signature at all
    ],
)
def test_a_tampered_token_names_nothing(tamper):
    token = make_reply_token(CONVERSATION, secret=SECRET)
    assert read_reply_token(tamper(token), secret=SECRET) is None


def test_a_token_signed_with_another_key_names_nothing():
    token = make_reply_token(CONVERSATION, secret="another-installation")
    assert read_reply_token(token, secret=SECRET) is None


def test_a_token_made_before_a_key_rotation_still_reads(settings):
    old = make_reply_token(CONVERSATION)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-after-rotation-" + "x" * 40
    assert read_reply_token(old) == CONVERSATION


def test_the_reply_address_pattern_is_configurable():
    token = make_reply_token(CONVERSATION, secret=SECRET)
    assert reply_address("support@acme.example", token) == f"support+{token}@acme.example"
    custom = reply_address("support@acme.example", token, "reply-{token}@in.{domain}")
    assert custom == f"reply-{token}@in.acme.example"
    assert find_reply_token(custom, secret=SECRET) == CONVERSATION


def test_a_reply_address_longer_than_a_local_part_may_be_is_refused():
    with pytest.raises(ValueError, match="invalid address"):
        reply_address("x" * 40 + "@acme.example", make_reply_token(CONVERSATION, secret=SECRET))


# --- headers -------------------------------------------------------------------------------------


def test_the_operator_writes_via_the_channel():
    assert sender_name("Acme Support", "Anna") == "Anna via Acme Support"
    assert sender_name("Acme Support", None) == "Acme Support"
    assert str(_compose()["From"]) == "Anna via Acme Support <support@acme.example>"


def test_reply_to_and_message_id_carry_the_token():
    token = make_reply_token(CONVERSATION, secret=SECRET)
    mail = _compose()
    assert str(mail["Reply-To"]) == f"Acme Support <support+{token}@acme.example>"
    assert str(mail["Message-ID"]).startswith(f"<{token}.")
    assert str(mail["Message-ID"]).endswith("@acme.example>")


def test_each_mail_gets_its_own_message_id_but_a_delivery_keeps_one():
    assert str(_compose()["Message-ID"]) != str(_compose()["Message-ID"])
    first = _compose(delivery_key="delivery-42")
    again = _compose(delivery_key="delivery-42")
    assert str(first["Message-ID"]) == str(again["Message-ID"])
    assert str(first["Message-ID"]) != str(_compose(delivery_key="delivery-43")["Message-ID"])
    assert str(first["Message-ID"]) == stable_message_id(
        "delivery-42",
        domain="acme.example",
        token=make_reply_token(CONVERSATION, secret=SECRET),
        secret=SECRET,
    )


def test_thread_headers_follow_the_mail_we_answer():
    mail = _compose(in_reply_to="<m2@kunde.example>", parent_references=["m0@acme.example"])
    assert str(mail["In-Reply-To"]) == "<m2@kunde.example>"
    assert str(mail["References"]) == "<m0@acme.example> <m2@kunde.example>"


def test_long_references_keep_the_first_and_the_newest_ids():
    parents = [f"m{i}@x.example" for i in range(50)]
    ids = build_references(parents, "m50@x.example")
    assert len(ids) == REFERENCES_LIMIT
    assert ids[0] == "m0@x.example"
    assert ids[-2:] == ["m49@x.example", "m50@x.example"]
    assert "m10@x.example" not in ids


def test_a_human_mail_has_the_loop_header_only():
    mail = _compose()
    assert str(mail["X-MC-Loop"]) == loop_id_for("account-1", secret=SECRET)
    assert "account-1" not in str(mail["X-MC-Loop"])
    assert mail["Auto-Submitted"] is None


def test_an_automatic_mail_says_so():
    mail = _compose(automatic=True, operator_name=None)
    assert str(mail["Auto-Submitted"]) == "auto-replied"
    assert str(mail["From"]) == "Acme Support <support@acme.example>"


def test_text_and_html_alternatives_from_markdown():
    mail = _compose()
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "die Rechnung ist **bezahlt**." in text
    assert "<strong>bezahlt</strong>" in html


# --- round trip ----------------------------------------------------------------------------------


def test_round_trip_gives_back_token_headers_attachments_and_bodies():
    mail = _compose(
        cc=[Recipient("chef@kunde.example")],
        in_reply_to="m2@kunde.example",
        parent_references=["m0@acme.example", "m1@kunde.example"],
        html='<p>Siehe <img src="cid:logo@acme"> und Anhang.</p>',
        attachments=[
            OutgoingAttachment("Rechnung März.pdf", "application/pdf", b"%PDF-1.4 data"),
            OutgoingAttachment("logo.png", "image/png", PNG, content_id="logo@acme"),
        ],
    )
    parsed = parse_mail(mail.as_bytes())
    assert parsed.subject == "Re: Ihre Rechnung"
    assert (parsed.from_address.name, parsed.from_address.address) == (
        "Anna via Acme Support",
        "support@acme.example",
    )
    assert [(a.name, a.address) for a in parsed.to] == [("Jana Müller", "jana@kunde.example")]
    assert [a.address for a in parsed.cc] == ["chef@kunde.example"]
    assert parsed.in_reply_to == "m2@kunde.example"
    assert parsed.references == ["m0@acme.example", "m1@kunde.example", "m2@kunde.example"]
    assert parsed.message_id == str(mail["Message-ID"]).strip("<>")
    assert parsed.date == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert "die Rechnung ist **bezahlt**." in parsed.text
    assert 'src="cid:logo@acme"' in parsed.html
    by_name = {a.filename: a for a in parsed.attachments}
    assert by_name["Rechnung März.pdf"].content == b"%PDF-1.4 data"
    assert not by_name["Rechnung März.pdf"].inline
    assert (by_name["logo.png"].content, by_name["logo.png"].inline) == (PNG, True)
    assert parsed.kind == MailKind.LOOP  # our own mail, read back: never a customer message


def test_a_contact_answer_to_our_mail_threads_by_the_reply_address():
    ours = parse_mail(_compose().as_bytes())
    answer = (
        f"From: Jana <jana@kunde.example>\nTo: {ours.sender.address}\nSubject: AW: Rechnung\n"
        "Content-Type: text/plain; charset=utf-8\n\nDanke!\n"
    ).encode()
    keys = thread_keys(parse_mail(answer), secret=SECRET)
    assert keys.conversation_id == CONVERSATION


def test_an_answer_sent_to_from_still_threads_by_our_message_id():
    ours = parse_mail(_compose().as_bytes())
    answer = (
        "From: Jana <jana@kunde.example>\nTo: support@acme.example\nSubject: AW: Rechnung\n"
        f"In-Reply-To: <{ours.message_id}>\n"
        "Content-Type: text/plain; charset=utf-8\n\nDanke!\n"
    ).encode()
    keys = thread_keys(parse_mail(answer), secret=SECRET)
    assert keys.conversation_id == CONVERSATION
    assert keys.message_ids == (ours.message_id,)
