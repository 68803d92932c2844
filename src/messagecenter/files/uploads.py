"""Resumable uploads: a small tus-like protocol over the storage API.

1. ``create_upload`` with the file's name and total length (refused at once over the limit:
   exactly the limit passes, one byte more does not, and nothing is stored).
2. ``append_chunk`` at the upload's current offset, as often as needed; each chunk goes to
   storage as it is read (never whole in memory). A chunk at the wrong offset is refused with
   the right one (``OffsetMismatch``), so a client after a dropped connection asks
   (``upload_offset``, HTTP HEAD) and goes on from there.
3. The chunk that reaches the length assembles the parts into a ``StoredFile`` (sniffed,
   cleaned, scanned: ``files.services.store_spooled``) and removes them.
4. The file becomes a message attachment when the message is sent (``take``); what nobody
   finishes or sends is removed by ``sweep`` (the periodic ``files.sweep_uploads`` job).

Only the operator or contact who created an upload can continue, read or cancel it; anyone
else gets ``NotFound`` as if it did not exist.
"""

from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts.models import Account
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, NotFound, ValidationFailed
from messagecenter.files import services
from messagecenter.files.models import StoredFile, Upload

CHUNK = 1024 * 1024


class OffsetMismatch(Conflict):
    """The chunk does not continue the upload; ``details["offset"]`` says where to go on."""

    code = "upload_offset_mismatch"


def create_upload(
    account: Account,
    filename: str,
    length: int,
    *,
    actor: Actor,
    contact=None,
    conversation_id: str = "",
    max_bytes: int | None = None,
    voice: bool = False,
    duration_ms: int | None = None,
) -> Upload:
    """Announce an upload of ``length`` bytes (within ``max_bytes``, default the product's).
    ``voice``: a voice recording of ``duration_ms`` (at most ``MC_VOICE_MAX_SECONDS``)."""
    limit = min(max_bytes or settings.MAX_UPLOAD_BYTES, settings.MAX_UPLOAD_BYTES)
    if length > limit:
        raise services.too_large(limit)
    if length <= 0:
        raise ValidationFailed(_("The file is empty."), code="file_empty")
    if voice:
        check_duration(duration_ms)
    now = clock.now()
    return Upload.objects.create(
        account=account,
        filename=services.clean_name(filename),
        length=length,
        created_by_kind=actor.kind,
        created_by_id=actor.public_id,
        contact=contact,
        conversation_id=conversation_id,
        voice=voice,
        duration_ms=duration_ms if voice else None,
        created_at=now,
        updated_at=now,
    )


# A recorder stops at the limit; its last chunk may end a moment later.
DURATION_SLACK_MS = 2000


def check_duration(duration_ms: int | None) -> None:
    """A voice recording declares its length, within ``MC_VOICE_MAX_SECONDS`` (0: no cap)."""
    if duration_ms is None or duration_ms <= 0:
        raise ValidationFailed(
            _("The voice message's length is missing."), code="voice_duration_missing"
        )
    cap = settings.VOICE_MAX_SECONDS
    if cap and duration_ms > cap * 1000 + DURATION_SLACK_MS:
        raise ValidationFailed(
            _("Voice messages can be at most %(minutes)s minutes long.")
            % {"minutes": f"{cap / 60:g}"},
            code="voice_too_long",
        )


def get_upload(account: Account, upload_id: str, *, actor: Actor) -> Upload:
    """The caller's own upload (another's, even in the same account, is not found)."""
    upload = Upload.objects.filter(
        account=account, public_id=upload_id, created_by_id=actor.public_id
    ).first()
    if upload is None or not actor.public_id:
        raise NotFound(_("Not found."))
    return upload


def append_chunk(upload: Upload, offset: int, stream: BinaryIO, *, actor: Actor) -> Upload:
    """Store the chunk that starts at ``offset``; the last one completes the file."""
    if upload.complete:
        raise Conflict(_("This upload is already complete."), code="upload_complete")
    if offset != upload.offset:
        raise OffsetMismatch(_("The upload continues elsewhere."), offset=upload.offset)
    key = _save_part(upload, offset, stream)
    try:
        upload = _record_part(upload, offset, key)
    except Exception:
        default_storage.delete(key)
        raise
    if upload.offset == upload.length:
        return _complete(upload, actor)
    return upload


def _save_part(upload: Upload, offset: int, stream: BinaryIO) -> str:
    room = upload.length - offset
    with tempfile.TemporaryFile() as spooled:
        size = 0
        while chunk := stream.read(min(CHUNK, room - size + 1)):
            size += len(chunk)
            if size > room:
                raise ValidationFailed(
                    _("The file is longer than announced."), code="upload_too_long"
                )
            spooled.write(chunk)
        if size == 0:
            raise ValidationFailed(_("The chunk is empty."), code="upload_chunk_empty")
        spooled.seek(0)
        name = f"parts/{upload.public_id}/{offset:012d}-{secrets.token_hex(4)}"
        return default_storage.save(name, File(spooled, name="part"))


def _record_part(upload: Upload, offset: int, key: str) -> Upload:
    """Under the row's lock: a concurrent chunk at the same offset loses (its part is
    removed by the caller) instead of being counted twice."""
    size = default_storage.size(key)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.offset != offset or locked.complete:
            raise OffsetMismatch(_("The upload continues elsewhere."), offset=locked.offset)
        locked.parts = [*locked.parts, key]
        locked.offset = offset + size
        locked.updated_at = clock.now()
        locked.save(update_fields=["parts", "offset", "updated_at"])
    return locked


def _complete(upload: Upload, actor: Actor) -> Upload:
    with tempfile.TemporaryFile() as assembled:
        for key in upload.parts:
            with default_storage.open(key, "rb") as part:
                while chunk := part.read(CHUNK):
                    assembled.write(chunk)
        try:
            stored = services.store_spooled(
                upload.account,
                assembled,
                upload.filename,
                actor=actor,
                contact=upload.contact,
                clean=True,
                voice=upload.voice,
                duration_ms=upload.duration_ms,
            )
        except Exception:
            cancel(upload)
            raise
    _delete_parts(upload.parts)
    Upload.objects.filter(pk=upload.pk).update(file=stored, parts=[], updated_at=clock.now())
    upload.file, upload.parts = stored, []
    return upload


def cancel(upload: Upload) -> None:
    """The sender gave up (or the file was refused): parts, file and row go."""
    parts, stored = list(upload.parts), upload.file
    Upload.objects.filter(pk=upload.pk).delete()
    _delete_parts(parts)
    if stored is not None:
        services.delete_file(stored)


def take(
    account: Account, upload_ids: list[str], *, actor: Actor, missing_ok: bool = False
) -> list[StoredFile]:
    """The finished uploads' files, in order, for the message being sent; the uploads are
    done with (their rows go, the files now belong to the message). ``missing_ok``: ids not
    found are skipped (a retried send whose first attempt took them)."""
    uploads = []
    for upload_id in dict.fromkeys(upload_ids):
        try:
            uploads.append(get_upload(account, upload_id, actor=actor))
        except NotFound:
            if not missing_ok:
                raise
    for upload in uploads:
        if not upload.complete:
            raise Conflict(
                _("%(name)s is still uploading.") % {"name": upload.filename},
                code="upload_incomplete",
            )
    files = [upload.file for upload in uploads]
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    return [f for f in files if f is not None]


def sweep() -> int:
    """Remove uploads untouched for ``MC_UPLOAD_ABANDONED_HOURS``: the parts of unfinished
    ones, and the files of finished ones that were never sent."""
    cutoff = clock.now() - timedelta(hours=settings.UPLOAD_ABANDONED_HOURS)
    stale = list(Upload.objects.filter(updated_at__lt=cutoff).select_related("file"))
    for upload in stale:
        cancel(upload)
    return len(stale)


def _delete_parts(keys: list[str]) -> None:
    for key in keys:
        default_storage.delete(key)
