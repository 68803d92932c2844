"""Settings › Webhooks: administrators list, create (secret shown once), edit, rotate,
switch off and on, delete, read the delivery log and replay; teammates get 403, outsiders
404. And the service's rules underneath."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from standardwebhooks.webhooks import Webhook

from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.webhooks import services
from messagecenter.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.helpers import start
from tests.webhooks.conftest import after_commit, make_endpoint

pytestmark = pytest.mark.django_db

LIST = "/settings/webhooks/"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(alice, receiver):
    client = signed_in(alice)
    answer = client.post(
        LIST + "new/",
        {
            "url": receiver.url,
            "description": "CRM",
            "event_types": ["message.created", "conversation.ended"],
        },
    )
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get()
    secret = services.signing_secrets(endpoint)[0]
    assert secret.startswith("whsec_") and secret in answer.content.decode()
    assert endpoint.event_types == ["conversation.ended", "message.created"]
    # Never again on any page, and not in the database in clear.
    assert secret not in client.get(LIST).content.decode()
    assert secret not in client.get(f"{LIST}{endpoint.public_id}/").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM webhooks_webhookendpoint")
        assert secret not in cursor.fetchone()[0]


def test_a_url_to_an_internal_address_is_refused_on_the_form(alice):
    answer = signed_in(alice).post(
        LIST + "new/", {"url": "http://10.1.2.3/hook", "event_types": ["message.created"]}
    )
    assert answer.status_code == 400
    assert "private network address" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_health(alice, endpoint, receiver, widget, contact):
    receiver.script = [500] * 5
    with after_commit():
        start(widget, contact)
    page = signed_in(alice).get(LIST).content.decode()
    assert 'data-health="failing"' in page and receiver.url in page


def test_edit_saves_the_url_and_events(alice, endpoint, receiver):
    answer = signed_in(alice).post(
        f"{LIST}{endpoint.public_id}/",
        {"url": receiver.url + "/v2", "description": "Neu", "event_types": ["contact.created"]},
    )
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("/v2") and endpoint.event_types == ["contact.created"]


def test_rotation_signs_with_both_secrets_for_a_day(alice, endpoint, receiver, clock):
    old = receiver.secret
    answer = signed_in(alice).post(f"{LIST}{endpoint.public_id}/rotate/")
    endpoint.refresh_from_db()
    new = services.signing_secrets(endpoint)[0]
    assert new != old and new in answer.content.decode()
    assert services.signing_secrets(endpoint) == [new, old]
    from messagecenter.core import clock as now
    from messagecenter.core import webhooks

    signed = webhooks.sign(services.signing_secrets(endpoint), "msg_1", now.now(), b"{}")
    for secret in (old, new):  # a receiver holding either accepts during the overlap
        Webhook(secret).verify(b"{}", signed)
    clock.shift(services.ROTATION_OVERLAP + timedelta(seconds=1))
    assert services.signing_secrets(endpoint) == [new]


def test_disable_and_enable(alice, endpoint):
    client = signed_in(alice)
    client.post(f"{LIST}{endpoint.public_id}/enabled/", {"enabled": "0", "back": "edit"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "manual"
    assert 'data-health="disabled"' in client.get(LIST).content.decode()
    client.post(f"{LIST}{endpoint.public_id}/enabled/", {"enabled": "1"})
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_delete(alice, endpoint):
    answer = signed_in(alice).post(f"{LIST}{endpoint.public_id}/delete/")
    assert answer.status_code == 302 and not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_body_attempts_and_replays(
    alice, endpoint, receiver, widget, contact
):
    receiver.script = [503]
    with after_commit():
        conversation = start(widget, contact)
    client = signed_in(alice)
    page = client.get(f"{LIST}{endpoint.public_id}/log/").content.decode()
    assert conversation.public_id in page  # in the request body
    assert "503" in page and "receiver says no" in page
    failed = WebhookDelivery.objects.filter(last_status=503).get()
    with after_commit():
        answer = client.post(f"{LIST}{endpoint.public_id}/deliveries/{failed.pk}/replay/")
    assert answer.status_code == 302
    failed.refresh_from_db()
    assert failed.state == "succeeded"
    assert WebhookAttempt.objects.filter(delivery=failed, manual=True).count() == 1
    assert (
        "Sent again: the receiver accepted it." in client.get(answer["Location"]).content.decode()
    )
    filtered = client.get(f"{LIST}{endpoint.public_id}/log/?state=failed").content.decode()
    assert "Nothing sent yet" in filtered  # the only failure was replayed


def test_teammates_get_403(bob, endpoint):
    client = signed_in(bob)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{endpoint.public_id}/log/").status_code == 403
    assert client.post(f"{LIST}{endpoint.public_id}/delete/").status_code == 403
    assert WebhookEndpoint.objects.exists()


def test_outsiders_get_404(charlie, endpoint, receiver, widget, contact):
    with after_commit():
        start(widget, contact)
    client = signed_in(charlie)
    assert client.get(f"{LIST}{endpoint.public_id}/").status_code == 404
    assert client.get(f"{LIST}{endpoint.public_id}/log/").status_code == 404
    assert client.post(f"{LIST}{endpoint.public_id}/rotate/").status_code == 404
    row = WebhookDelivery.objects.first()
    assert client.post(f"{LIST}{endpoint.public_id}/deliveries/{row.pk}/replay/").status_code == 404
    assert endpoint.url not in client.get(LIST).content.decode()


def test_only_admins_manage_endpoints_in_the_service(account, bob, charlie, receiver):
    with pytest.raises(PermissionDenied):
        services.create_endpoint(
            account, receiver.url, ["message.created"], actor=Actor.for_operator(bob)
        )
    from messagecenter.core.errors import NotFound

    with pytest.raises(NotFound):
        services.create_endpoint(
            account, receiver.url, ["message.created"], actor=Actor.for_operator(charlie)
        )


def test_unknown_event_types_are_refused(account, alice, receiver):
    from messagecenter.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        make_endpoint(account, alice, receiver, types=["message.created", "nope"])


def test_the_pages_speak_german(alice, endpoint):
    alice.language = "de"
    alice.save(update_fields=["language"])
    client = signed_in(alice)
    page = client.get(LIST).content.decode()
    assert "Neuer Webhook" in page and "Zustellprotokoll" in page and "Funktioniert" in page
    assert "Ereignisse" in client.get(LIST + "new/").content.decode()
