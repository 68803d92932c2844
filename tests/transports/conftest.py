from __future__ import annotations

import pytest

from messagecenter.transports import registry
from tests.transports.custom.receiver import custom_receiver  # noqa: F401
from tests.transports.fakes import FakeTransport
from tests.transports.sms.fake_twilio import twilio_api  # noqa: F401
from tests.transports.telegram.fake_api import telegram_api  # noqa: F401
from tests.transports.whatsapp.fake_api import whatsapp_api  # noqa: F401


@pytest.fixture
def fake_transport():
    transport = registry.register(FakeTransport())
    yield transport
    registry.unregister(FakeTransport.kind)


@pytest.fixture
def smtp_sink():
    """A local SMTP server for the e-mail channel (``tests/transports/email/smtp_sink.py``)."""
    from tests.transports.email.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()
