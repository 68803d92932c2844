"""Settings › Channels › SMS: an administrator tests the Twilio settings (the account's name,
or a clear reason on the field to correct), connects a number or a Messaging Service,
changes the settings (empty secrets keep the saved ones), switches log-only mode (the page
says what it means) and disconnects; secrets never come back to a page, and teammates and
other accounts get nowhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.transports.sms import config
from messagecenter.widgets.models import ChannelConnection
from tests.transports.sms.fake_twilio import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    NUMBER,
    SERVICE_NUMBERS,
    SERVICE_SID,
    number_sid,
)

pytestmark = pytest.mark.django_db


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin(alice):
    return signed_in(alice)


def form(widget=None, **values):
    data = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": NUMBER,
            "action": "save"} | values  # fmt: skip
    if widget is not None:
        data["widget"] = widget.public_id
    return data


def test_add_a_channel_offers_sms(admin, widget):
    html = admin.get(reverse("settings_channels")).content.decode()

    assert reverse("settings_sms_new") + f"?widget={widget.public_id}" in html


def test_test_names_the_account_and_saves_nothing(admin, widget, twilio_api):
    response = admin.post(reverse("settings_sms_new"), form(widget, action="test"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Support" in html and NUMBER in html
    assert AUTH_TOKEN not in html
    assert not ChannelConnection.objects.filter(kind="sms").exists()


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"account_sid": "AC123"}, "An account SID starts with AC"),
        ({"auth_token": "f" * 31 + "e"}, "Twilio does not accept this account SID and auth token"),
        ({"auth_token": ""}, "This field is required"),
        ({"phone_number": "+4930999999"}, "is not a phone number of this Twilio account"),
        ({"phone_number": "030123456"}, "international form (E.164)"),
        ({"phone_number": ""}, "either the phone number or the Messaging Service SID"),
        ({"messaging_service_sid": SERVICE_SID}, "either the phone number or the Messaging"),
        ({"api_key_sid": API_KEY_SID, "api_key_secret": "wrongsecret12345678"},
         "does not accept this API key and secret"),
        ({"api_key_sid": API_KEY_SID}, "Enter the API key's secret"),
    ],
)  # fmt: skip
def test_bad_settings_get_a_clear_error(admin, widget, twilio_api, values, says):
    response = admin.post(reverse("settings_sms_new"), form(widget, **values))

    html = response.content.decode()
    assert response.status_code == 400
    assert says in html.replace("&#x27;", "'")
    assert AUTH_TOKEN not in html
    assert not ChannelConnection.objects.filter(kind="sms").exists()


def test_connect_a_number(admin, widget, twilio_api):
    response = admin.post(reverse("settings_sms_new"), form(widget))

    assert response.status_code == 302
    connection = ChannelConnection.objects.get(kind="sms")
    assert connection.config == {"account_sid": ACCOUNT_SID, "account_name": "Acme Support",
                                 "log_only": False, "phone_number": NUMBER,
                                 "messaging_service_sid": "",
                                 "phone_number_sid": number_sid(NUMBER)}  # fmt: skip
    # The number's "A message comes in" now calls us.
    assert twilio_api.sms_url(NUMBER) == config.inbound_url(connection)
    assert connection.credentials == {"auth_token": AUTH_TOKEN}
    entry = AuditEntry.objects.get(action="channel.created")
    assert AUTH_TOKEN not in str(entry.__dict__)
    listed = admin.get(reverse("settings_channels")).content.decode()
    assert NUMBER in listed and reverse("settings_sms", args=[connection.public_id]) in listed


def test_connect_a_messaging_service_with_an_api_key(admin, widget, twilio_api):
    values = {"phone_number": "", "messaging_service_sid": SERVICE_SID,
              "api_key_sid": API_KEY_SID, "api_key_secret": API_KEY_SECRET}  # fmt: skip
    admin.post(reverse("settings_sms_new"), form(widget, **values))

    connection = ChannelConnection.objects.get(kind="sms")
    assert config.messaging_service_sid(connection) == SERVICE_SID
    assert connection.credentials == {"auth_token": AUTH_TOKEN, "api_key_secret": API_KEY_SECRET}


def test_a_number_connected_twice_is_refused(admin, widget, twilio_api):
    admin.post(reverse("settings_sms_new"), form(widget))

    response = admin.post(reverse("settings_sms_new"), form(widget))

    assert "is connected already" in response.content.decode()
    assert ChannelConnection.objects.filter(kind="sms").count() == 1


def test_the_edit_page_shows_the_urls_and_never_a_secret(admin, sms):
    html = admin.get(reverse("settings_sms", args=[sms.public_id])).content.decode()

    assert f"https://support.acme.test/channels/sms/{sms.public_id}/inbound" in html
    assert f"https://support.acme.test/channels/sms/{sms.public_id}/status" in html
    assert AUTH_TOKEN not in html
    assert ACCOUNT_SID in html  # not a secret: shown to correct it


def test_log_only_mode_is_switched_on_and_explained(admin, sms, twilio_api):
    url = reverse("settings_sms", args=[sms.public_id])

    response = admin.post(url, form(auth_token="", log_only="on"))

    assert response.status_code == 302
    sms.refresh_from_db()
    assert config.log_only(sms) is True
    assert config.auth_token(sms) == AUTH_TOKEN  # empty: the saved one kept
    html = admin.get(url).content.decode()
    assert "data-log-only" in html and "still accepted" in html


def test_disconnect(admin, sms, twilio_api):
    response = admin.post(reverse("settings_sms_disconnect", args=[sms.public_id]))

    assert response.status_code == 302
    sms.refresh_from_db()
    assert sms.is_active is False
    assert admin.get(reverse("settings_sms", args=[sms.public_id])).status_code == 404
    assert twilio_api.sms_url(NUMBER) == ""  # ours: cleared


def test_disconnect_leaves_a_webhook_someone_else_set(admin, sms, twilio_api):
    twilio_api.number_config[number_sid(NUMBER)]["sms_url"] = "https://other.example/sms"

    admin.post(reverse("settings_sms_disconnect", args=[sms.public_id]))

    assert twilio_api.sms_url(NUMBER) == "https://other.example/sms"


def test_disconnect_says_when_twilio_could_not_be_told(admin, sms, twilio_api, settings):
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # nobody listens

    response = admin.post(reverse("settings_sms_disconnect", args=[sms.public_id]), follow=True)

    assert "Twilio could not be told" in response.content.decode()
    sms.refresh_from_db()
    assert sms.is_active is False


def test_changing_the_number_moves_the_webhook(admin, sms, twilio_api):
    url = reverse("settings_sms", args=[sms.public_id])

    admin.post(url, form(auth_token="", phone_number=SERVICE_NUMBERS[0]))

    assert twilio_api.sms_url(SERVICE_NUMBERS[0]) == config.inbound_url(sms)
    assert twilio_api.sms_url(NUMBER) == ""


def test_a_teammate_cannot_open_the_pages(bob, sms):
    client = signed_in(bob)

    assert client.get(reverse("settings_sms_new")).status_code in (403, 404)
    assert client.post(reverse("settings_sms_disconnect", args=[sms.public_id])).status_code in (
        403, 404)  # fmt: skip
    sms.refresh_from_db()
    assert sms.is_active


def test_another_accounts_admin_gets_not_found(charlie, sms):
    client = signed_in(charlie)

    assert client.get(reverse("settings_sms", args=[sms.public_id])).status_code == 404
    assert client.post(reverse("settings_sms_disconnect", args=[sms.public_id])).status_code == 404


def test_the_page_speaks_german(account, widget, twilio_api):
    from messagecenter.accounts import services as accounts

    dora = accounts.create_operator(
        account, name="Dora", email="dora@acme.test", password="dora-pass-1234",
        language="de", role="admin",
    )  # fmt: skip
    client = signed_in(dora)

    html = client.get(reverse("settings_sms_new")).content.decode()
    refused = client.post(reverse("settings_sms_new"), form(widget, auth_token="e" * 32))

    assert "SMS verbinden (Twilio)" in html and "Nur-Protokoll-Modus (Umstellung)" in html
    assert "Twilio akzeptiert diese Account SID und dieses Auth Token nicht." in (
        refused.content.decode()
    )
