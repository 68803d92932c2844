"""Settings › Channels › WhatsApp: an administrator tests the number's ID and access token
(the number and name, or a clear reason), connects it (the app subscribed to the business
account; the webhook address and our verify token shown for Meta's set-up), changes the
token or app secret and disconnects; token and app secret never come back to a page, and
teammates and other accounts get nowhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.transports.whatsapp import config
from messagecenter.widgets.models import ChannelConnection
from tests.transports.whatsapp.fake_api import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID

pytestmark = pytest.mark.django_db

OTHER_TOKEN = "EAAG-another-whatsapp-access-token-98765432"
OTHER_SECRET = "fedcba9876543210fedcba9876543210"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin(alice):
    return signed_in(alice)


def form(widget, **changes) -> dict:
    data = {"widget": widget.public_id, "phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID}
    return data | {"access_token": TOKEN, "app_secret": APP_SECRET, "action": "save"} | changes


def test_add_a_channel_offers_whatsapp(admin, widget):
    html = admin.get(reverse("settings_channels")).content.decode()

    assert reverse("settings_whatsapp_new") + f"?widget={widget.public_id}" in html


def test_test_shows_the_number_and_saves_nothing(admin, widget, whatsapp_api):
    response = admin.post(reverse("settings_whatsapp_new"), form(widget, action="test"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "+49 30 1234567" in html and "Acme Support" in html
    assert TOKEN not in html and APP_SECRET not in html
    assert not ChannelConnection.objects.filter(kind="whatsapp").exists()
    assert whatsapp_api.subscribed == set()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"access_token": "EAAG-unknown-token-whatsapp-does-not-know"},
         "WhatsApp does not accept this access token"),
        ({"phone_number_id": "123456789012345"}, "cannot use the phone number ID"),
        ({"phone_number_id": "not-a-number"}, "The phone number ID is a long number"),
        ({"waba_id": "x"}, "WhatsApp Business Account ID is a long number"),
        ({"app_secret": "too-short"}, "The app secret has 32 characters"),
    ],
    ids=["token", "number-of-another", "number-format", "waba-format", "secret-format"],
)  # fmt: skip
def test_bad_details_get_a_clear_error(admin, widget, whatsapp_api, changes, says):
    response = admin.post(reverse("settings_whatsapp_new"), form(widget, **changes))

    html = response.content.decode()
    assert response.status_code == 400
    assert says in html
    assert TOKEN not in html and APP_SECRET not in html
    assert not ChannelConnection.objects.filter(kind="whatsapp").exists()


def test_connecting_subscribes_the_app_and_shows_the_webhook_set_up(admin, widget, whatsapp_api):
    response = admin.post(reverse("settings_whatsapp_new"), form(widget))

    connection = ChannelConnection.objects.get(kind="whatsapp")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings_whatsapp", args=[connection.public_id])
    assert whatsapp_api.subscribed == {WABA_ID}
    assert config.phone_number_id(connection) == PHONE_NUMBER_ID
    assert config.display_number(connection) == "+49 30 1234567"
    assert len(config.verify_token(connection)) >= 24
    page = admin.get(response["Location"]).content.decode()
    url = f"https://mc.example.com/channels/whatsapp/{connection.public_id}/webhook"
    assert url in page and config.verify_token(connection) in page
    assert TOKEN not in page and APP_SECRET not in page
    audit = AuditEntry.objects.get(action="channel.created")
    assert TOKEN not in str(audit.__dict__) and APP_SECRET not in str(audit.__dict__)
    listed = admin.get(reverse("settings_channels")).content.decode()
    assert "+49 30 1234567" in listed and TOKEN not in listed


def test_a_subscription_meta_refuses_is_said_and_nothing_kept(admin, widget, whatsapp_api):
    response = admin.post(reverse("settings_whatsapp_new"), form(widget, waba_id="555555555"))

    assert response.status_code == 400
    assert "did not subscribe our app" in response.content.decode()
    assert not ChannelConnection.objects.filter(kind="whatsapp").exists()


def test_a_number_connected_already_is_refused(admin, widget, whatsapp):
    response = admin.post(reverse("settings_whatsapp_new"), form(widget))

    assert response.status_code == 400
    assert "is connected already" in response.content.decode()


def test_changing_the_token_and_secret(admin, whatsapp, whatsapp_api):
    whatsapp_api.tokens[OTHER_TOKEN] = {PHONE_NUMBER_ID}
    verify = config.verify_token(whatsapp)

    response = admin.post(
        reverse("settings_whatsapp", args=[whatsapp.public_id]),
        {"access_token": OTHER_TOKEN, "app_secret": OTHER_SECRET, "action": "save"},
    )

    assert response.status_code == 302
    whatsapp.refresh_from_db()
    assert (config.token(whatsapp), config.app_secret(whatsapp)) == (OTHER_TOKEN, OTHER_SECRET)
    assert config.verify_token(whatsapp) == verify  # Meta's set-up stays valid


def test_an_empty_secret_keeps_the_saved_one(admin, whatsapp, whatsapp_api):
    whatsapp_api.tokens[OTHER_TOKEN] = {PHONE_NUMBER_ID}

    admin.post(
        reverse("settings_whatsapp", args=[whatsapp.public_id]),
        {"access_token": OTHER_TOKEN, "app_secret": "", "action": "save"},
    )

    whatsapp.refresh_from_db()
    assert config.app_secret(whatsapp) == APP_SECRET and config.token(whatsapp) == OTHER_TOKEN


def test_disconnecting_unsubscribes_the_app(admin, whatsapp, whatsapp_api):
    response = admin.post(reverse("settings_whatsapp_disconnect", args=[whatsapp.public_id]))

    assert response.status_code == 302
    whatsapp.refresh_from_db()
    assert not whatsapp.is_active
    assert whatsapp_api.subscribed == set()


def test_disconnecting_when_meta_cannot_be_told_says_so(admin, whatsapp, whatsapp_api):
    whatsapp_api.fail("subscribed_apps", 190, status=401)

    response = admin.post(
        reverse("settings_whatsapp_disconnect", args=[whatsapp.public_id]), follow=True
    )

    whatsapp.refresh_from_db()
    assert not whatsapp.is_active
    assert "WhatsApp could not be told" in response.content.decode()


def test_teammates_and_other_accounts_get_nowhere(bob, charlie, whatsapp):
    for operator in (bob, charlie):
        client = signed_in(operator)
        page = client.get(reverse("settings_whatsapp", args=[whatsapp.public_id]))
        assert page.status_code in (403, 404)
        client.post(reverse("settings_whatsapp_disconnect", args=[whatsapp.public_id]))
    whatsapp.refresh_from_db()
    assert whatsapp.is_active


@pytest.mark.parametrize(
    ("language", "expected", "error"),
    [
        ("de", "WhatsApp verbinden", "WhatsApp akzeptiert dieses Zugriffstoken nicht"),
        ("en", "Connect WhatsApp", "WhatsApp does not accept this access token"),
    ],
)
def test_the_page_speaks_the_admins_language(
    admin, alice, widget, whatsapp_api, language, expected, error
):
    from messagecenter.accounts.services import update_profile
    from messagecenter.core.actors import Actor

    update_profile(alice, actor=Actor.for_operator(alice), language=language)

    page = admin.get(reverse("settings_whatsapp_new")).content.decode()
    refused = admin.post(
        reverse("settings_whatsapp_new"), form(widget, access_token="EAAG-unknown-token-000000000")
    ).content.decode()
    assert expected in page and error in refused
