"""A mail in the conversation view: its attachments to download, the part too large to keep,
the quoted history behind a toggle, and remote images only after the operator asks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.transports.email.mails import email_channel, receive_full_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_sees_a_mails_files_quoted_history_and_asks_for_its_images(
    app_for, widget, alice, settings
):
    conversation = receive_full_mail(email_channel(widget), settings).conversation
    page = app_for(alice).open(f"/inbox/{conversation.public_id}/")
    mail = page.locator(".msg--contact").first

    attachments = mail.get_by_role("list", name="Attachments")
    expect(attachments.get_by_role("link")).to_have_count(1)  # the inline logo is in the body
    pdf = attachments.get_by_role("link", name="rechnung.pdf")
    expect(pdf).to_be_visible()
    with page.expect_download() as download:
        pdf.click()
    assert download.value.suggested_filename == "rechnung.pdf"
    expect(mail.locator("[data-skipped]")).to_contain_text("film.mp4")

    quoted = mail.get_by_text("Bitte senden Sie uns die Rechnung.", exact=False).last
    expect(quoted).to_be_hidden()
    mail.get_by_text("Show quoted text").click()
    expect(quoted).to_be_visible()

    banner = mail.locator("img[alt=Banner]")
    expect(banner).not_to_have_attribute("src", "https://images.example/banner.png")
    mail.get_by_role("button", name="Load remote images").click()
    expect(banner).to_have_attribute("src", "https://images.example/banner.png")
    expect(banner).to_have_attribute("referrerpolicy", "no-referrer")
    expect(mail.get_by_role("button", name="Load remote images")).to_have_count(0)


def test_a_german_operator_reads_the_mail_extras_in_german(app_for, widget, alice, settings):
    alice.language = "de"
    alice.save(update_fields=["language"])
    conversation = receive_full_mail(email_channel(widget), settings).conversation
    mail = app_for(alice).open(f"/inbox/{conversation.public_id}/").locator(".msg--contact").first

    expect(mail.get_by_role("list", name="Anhänge")).to_be_visible()
    expect(mail.locator("[data-skipped]")).to_contain_text("Nicht übernommen: film.mp4 (5 kB)")
    expect(mail.get_by_text("Zitierten Text anzeigen")).to_be_visible()
    expect(mail.get_by_role("button", name="Externe Bilder laden")).to_be_visible()
