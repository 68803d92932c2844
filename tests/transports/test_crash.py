"""A real crash: the worker delivering a message is killed (SIGKILL) after it claimed the
delivery and while it is sending; the sweep then re-sends it once, with the same key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from messagecenter.conversations import delivery, inbound, services
from messagecenter.conversations.models import DeliveryAttempt, Message, OutboundDelivery
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
LEASE = 10  # seconds (MC_DELIVERY_LEASE_SECONDS's minimum)

# The worker: the real delivery job, with a transport that hangs once it has the message.
WORKER = textwrap.dedent(
    """
    import os, sys, time
    import django
    from django.conf import settings
    django.setup()
    settings.DATABASES["default"]["NAME"] = os.environ["MC_CRASH_DB"]
    from messagecenter.conversations import delivery
    from messagecenter.transports import registry
    from tests.transports.fakes import FakeTransport

    class Hangs(FakeTransport):
        def deliver(self, outbound):
            print("SENDING", outbound.idempotency_key, flush=True)
            time.sleep(600)

    registry.register(Hangs())
    delivery.deliver(int(sys.argv[1]))
    """
)


def test_a_killed_worker_s_delivery_is_re_sent_once(widget, alice, fake_transport):
    channel = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="fake")
    message = InboundMessage(body="Hallo", identity_kind="external", identity_value="kim-1")
    conversation = inbound.receive(channel, message).conversation
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    fake_transport.fail_transiently(1)  # the first job (in this process) fails: queued again
    entry = services.post_operator_message(conversation, "Ihr Paket", actor=me)
    row = OutboundDelivery.objects.get(message__entry=entry)
    OutboundDelivery.objects.filter(pk=row.pk).update(next_attempt_at=clock.now())

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "MC_CRASH_DB": str(settings.DATABASES["default"]["NAME"]),
        "MC_DELIVERY_LEASE_SECONDS": str(LEASE),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(row.pk)], env=env, cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        line = worker.stdout.readline().decode()
        assert line.startswith("SENDING mc-"), line
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    row.refresh_from_db()
    assert row.state == "sending"  # claimed, never recorded
    later = clock.now() + timedelta(seconds=LEASE + 1)
    with time_machine.travel(later, tick=False), capture_events():
        delivery.sweep()
        delivery.sweep()

    row.refresh_from_db()
    assert row.state == "sent"
    assert [o.idempotency_key for o in fake_transport.sent] == [line.split()[1]]
    outcomes = DeliveryAttempt.objects.filter(delivery=row).values_list("outcome", flat=True)
    assert list(outcomes) == ["retry", "interrupted", "sent"]
    assert Message.objects.get(entry=entry).delivery_state == "sent"
