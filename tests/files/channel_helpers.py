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
