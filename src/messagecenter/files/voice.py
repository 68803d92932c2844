"""Voice messages (R-FILE-2): what a recording is, and its OGG/Opus copy.

A recording from the composer or the messenger is Opus audio in WebM (Chromium, Edge) or Ogg
(Firefox), the browsers' MediaRecorder formats. ``examine`` checks that when the upload
completes (one audio stream, Opus, nothing else), reading only the container's headers, and
measures an Ogg file's length from its last page.

Every voice message also gets an **OGG/Opus copy** (``StoredFile.voice_ogg_key``), made by the
``files.remux_voice`` job (never in a request or an outbox handler): the packets are copied
into an Ogg container, no re-encoding (other audio is transcoded with libopus). The copy is
what the players load (an Ogg file knows its length and can be seeked; a MediaRecorder WebM
has neither) and what WhatsApp (``audio`` with ``voice``) and Telegram (``sendVoice``) take as
a voice note; the job also stores the length it measured. A voice note that arrived as
OGG/Opus is its own copy.

FFmpeg's libraries come with PyAV's wheels (``av``), so nothing is installed beside the
Python packages.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed
from messagecenter.files.models import StoredFile

log = logging.getLogger(__name__)

JOB = "files.remux_voice"
OGG = "audio/ogg"
OPUS_RATE = 48_000
# The end of an Ogg file holds its last page (at most 64 KiB plus its header).
TAIL = 70_000


@dataclass(frozen=True)
class Recording:
    content_type: str
    # Measured where the container says it (Ogg); None for a MediaRecorder WebM.
    duration_ms: int | None


def not_a_recording() -> ValidationFailed:
    return ValidationFailed(
        _("A voice message must be Opus audio in WebM or Ogg."), code="voice_not_opus"
    )


def examine(spooled: IO[bytes]) -> Recording | None:
    """The recording's type and, for Ogg, its length; None unless it is Opus audio alone."""
    import av

    spooled.seek(0)
    try:
        with av.open(spooled, mode="r") as container:
            streams = list(container.streams)
            names = set(container.format.name.split(","))
            audio = [s for s in streams if s.type == "audio"]
            if len(streams) != 1 or len(audio) != 1 or audio[0].codec_context.name != "opus":
                return None
    except (av.FFmpegError, ValueError, OSError):
        return None
    if "ogg" in names:
        return Recording(OGG, ogg_duration_ms(spooled))
    if names & {"webm", "matroska"}:
        return Recording("audio/webm", None)
    return None


def ogg_duration_ms(handle: IO[bytes]) -> int | None:
    """An Ogg/Opus file's length from its last page's granule position (48 kHz samples) less
    the pre-skip of its OpusHead; None when it is no Ogg/Opus file."""
    handle.seek(0)
    head = handle.read(64)
    if not is_ogg_opus(head):
        return None
    pre_skip = int.from_bytes(head[28 + 10 : 28 + 12], "little")
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(max(0, size - TAIL))
    tail = handle.read()
    at = tail.rfind(b"OggS")
    if at < 0 or len(tail) < at + 14:
        return None
    granule = int.from_bytes(tail[at + 6 : at + 14], "little", signed=True)
    if granule < 0:
        return None
    return max(0, (granule - pre_skip) * 1000 // OPUS_RATE)


def is_ogg_opus(head: bytes) -> bool:
    """An Ogg file whose first page carries an OpusHead (RFC 7845)."""
    return head[:4] == b"OggS" and head[28:36] == b"OpusHead"


# --- the OGG/Opus copy (a job) -----------------------------------------------------------


def remux(source: IO[bytes], target: IO[bytes]) -> None:
    """Write ``source``'s audio to ``target`` as OGG/Opus: Opus packets copied as they are,
    any other audio transcoded with libopus. Raises ``not_a_recording`` for what has none."""
    import av

    source.seek(0)
    try:
        with av.open(source, mode="r") as found, av.open(target, mode="w", format="ogg") as out:
            if not found.streams.audio:
                raise not_a_recording()
            stream = found.streams.audio[0]
            if stream.codec_context.name == "opus":
                _copy(found, stream, out)
            else:
                _transcode(found, stream, out)
    except av.FFmpegError as error:
        log.info("voice remux failed: %s", error)
        raise not_a_recording() from None


def _copy(found, stream, out) -> None:
    copied = out.add_stream_from_template(stream)
    for packet in found.demux(stream):
        if packet.dts is None:  # the demuxer's flush packet
            continue
        packet.stream = copied
        out.mux(packet)


def _transcode(found, stream, out) -> None:
    import av

    encoded = out.add_stream("libopus", rate=OPUS_RATE)
    encoded.bit_rate = 32_000
    resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
    for frame in found.decode(stream):
        for converted in resampler.resample(frame):
            out.mux(encoded.encode(converted))
    for converted in resampler.resample(None):
        out.mux(encoded.encode(converted))
    out.mux(encoded.encode(None))


def prepare(stored: StoredFile) -> StoredFile:
    """Make the voice message's OGG/Opus copy (once) and store its measured length."""
    if stored.voice_ogg_key or not stored.voice:
        return stored
    with default_storage.open(stored.storage_key, "rb") as original:
        head = original.read(64)
        if is_ogg_opus(head):  # already what the players and channels want
            return _record(stored, stored.storage_key, ogg_duration_ms(original))
        with tempfile.TemporaryFile() as source, tempfile.TemporaryFile() as target:
            source.write(head)
            while chunk := original.read(1024 * 1024):
                source.write(chunk)
            remux(source, target)
            duration = ogg_duration_ms(target)
            target.seek(0)
            key = default_storage.save(
                f"{stored.account.public_id}/{secrets.token_hex(16)}.ogg",
                File(target, name="voice.ogg"),
            )
    return _record(stored, key, duration)


def _record(stored: StoredFile, key: str, duration: int | None) -> StoredFile:
    """Only the first copy counts (two jobs may race): a later one is removed again."""
    fields = {"voice_ogg_key": key} | ({"duration_ms": duration} if duration else {})
    won = StoredFile.objects.filter(pk=stored.pk, voice_ogg_key="").update(**fields)
    if not won and key != stored.storage_key:
        default_storage.delete(key)
    stored.refresh_from_db(fields=["voice_ogg_key", "duration_ms"])
    return stored


def playable(stored: StoredFile) -> tuple[str, str]:
    """What the players load: the OGG/Opus copy once it exists, else the recording."""
    if stored.voice_ogg_key:
        return stored.voice_ogg_key, OGG
    return stored.storage_key, stored.content_type


def ogg_copy(stored: StoredFile) -> StoredFile:
    """For a channel that takes only OGG/Opus voice notes (inside the delivery job): the file
    with its copy, made now if the job has not made it yet."""
    return prepare(stored) if not stored.voice_ogg_key else stored


def ogg_name(stored: StoredFile) -> str:
    stem = stored.original_name.rsplit(".", 1)[0] or "voice"
    return f"{stem}.ogg"
