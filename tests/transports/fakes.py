"""A transport for tests: delivers into a list, or fails the way it is told to.

Registered under the kind ``fake`` by the ``fake_transport`` fixture (and unregistered after),
so a ``ChannelConnection(kind="fake")`` delivers through it with the real delivery job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from messagecenter.transports.base import (
    Capabilities,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
)


class FakeTransport(Transport):
    kind = "fake"
    capabilities = Capabilities(
        max_text_length=500,
        media_types=frozenset({"image"}),
        max_file_bytes=1024 * 1024,
        voice=False,
        calls=False,
        can_delete=True,
        delete_window=timedelta(hours=1),
        can_edit=False,
        edit_window=None,
        templates=False,
        reply_window=None,
        identity_kinds=frozenset({"external"}),
        queued_delivery=True,
    )

    def __init__(self) -> None:
        self.calls: list[Outbound] = []  # every attempt
        self.sent: list[Outbound] = []  # the attempts that succeeded
        self.script: list[TransportError] = []  # errors raised by the next attempts, in order

    def fail_transiently(self, times: int, reason: str = "503 Service Unavailable") -> None:
        self.script += [TransportError(reason) for _ in range(times)]

    def fail_permanently(self, reason: str = "550 No such user") -> None:
        self.script.append(TransportError(reason, permanent=True))

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        return InboundMessage(
            body=request["text"],
            identity_kind="external",
            identity_value=request["from"],
            provider_message_id=request.get("id"),
            thread_key=request.get("thread", ""),
            contact_name=request.get("name", ""),
        )

    def deliver(self, outbound: Outbound) -> Receipt:
        self.calls.append(outbound)
        if self.script:
            raise self.script.pop(0)
        self.sent.append(outbound)
        return Receipt(provider_message_id=f"fake-{outbound.idempotency_key}")
