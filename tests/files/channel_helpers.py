"""Finished uploads for a channel test: a file of the operator, ready to be sent."""

from __future__ import annotations

import io

from messagecenter.core.actors import Actor
from messagecenter.files import uploads


def finished_upload(operator, name: str, data: bytes) -> str:
    me = Actor.for_operator(operator)
    upload = uploads.create_upload(operator.account, name, len(data), actor=me)
    return uploads.append_chunk(
        upload,
        0,
        io.BytesIO(data),
        actor=me,
    ).public_id


def finished_voice_upload(operator, data: bytes, duration_ms: int = 2000, conversation=None) -> str:
    """A recording from the composer's microphone, uploaded (its remux job runs at commit)."""
    from django.test import TestCase

    me = Actor.for_operator(operator)
    upload = uploads.create_upload(
        operator.account, "voice.webm", len(data), actor=me, voice=True, duration_ms=duration_ms,
        conversation_id=conversation.public_id if conversation else "",
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        return uploads.append_chunk(upload, 0, io.BytesIO(data), actor=me).public_id
