from __future__ import annotations

import pytest

from messagecenter.transports import registry
from tests.transports.custom.receiver import custom_receiver  # noqa: F401
from tests.transports.fakes import FakeTransport


@pytest.fixture
def fake_transport():
    transport = registry.register(FakeTransport())
    yield transport
    registry.unregister(FakeTransport.kind)
