"""Raster images: what is sent carries no location or camera data, and gets a preview.

EXIF is rebuilt with the orientation only (so a phone photo still shows upright) and the
image is saved again in its own format; GPS, camera make/model, serial numbers and the
embedded preview are gone. A picture Pillow cannot read is stored as it came (it is just
bytes then, and downloaded, never previewed).
"""

from __future__ import annotations

import logging
import tempfile
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

ORIENTATION = 0x0112
THUMBNAIL_SIZE = (320, 320)
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# Larger images are kept without re-encoding (a decompression bomb must not reach memory).
MAX_PIXELS = 50_000_000


def without_private_metadata(spooled: IO[bytes], content_type: str) -> IO[bytes]:
    """A copy of the image without EXIF beyond the orientation; ``spooled`` itself when the
    image carries nothing to remove or cannot be read."""
    spooled.seek(0)
    try:
        with Image.open(spooled) as image:
            if image.width * image.height > MAX_PIXELS or not _has_metadata(image):
                return spooled
            return _resaved(image, content_type)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        log.info("image metadata left as is: not readable")
        return spooled


def _has_metadata(image: Image.Image) -> bool:
    exif = image.getexif()
    return any(tag != ORIENTATION for tag in exif) or bool(
        {"exif", "xmp", "XML:com.adobe.xmp", "photoshop"} & set(image.info)
    )


def _resaved(image: Image.Image, content_type: str) -> IO[bytes]:
    orientation = image.getexif().get(ORIENTATION)
    kept = Image.Exif()
    if orientation:
        kept[ORIENTATION] = orientation
    options: dict = {"exif": kept.tobytes()}
    fmt = _FORMATS[content_type]
    if fmt == "JPEG":
        options["quality"] = "keep"  # the source's quantisation: no visible loss
    if fmt == "GIF":
        options = {"save_all": True}  # GIF has no EXIF; keep the animation
    cleaned = tempfile.TemporaryFile()  # noqa: SIM115 (the caller owns it)
    image.save(cleaned, format=fmt, **options)
    return cleaned


def thumbnail(spooled: IO[bytes], key: str) -> str:
    """Store a preview beside ``key`` and return its key ('' when the image is unreadable)."""
    spooled.seek(0)
    try:
        with Image.open(spooled) as image:
            if image.width * image.height > MAX_PIXELS:
                return ""
            preview = ImageOps.exif_transpose(image.copy())
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return ""
    preview.thumbnail(THUMBNAIL_SIZE)
    if preview.mode not in ("RGB", "RGBA"):
        preview = preview.convert("RGBA")
    with tempfile.TemporaryFile() as out:
        preview.save(out, format="PNG" if preview.mode == "RGBA" else "JPEG")
        out.seek(0)
        suffix = "png" if preview.mode == "RGBA" else "jpg"
        return default_storage.save(f"{key}.thumb.{suffix}", File(out, name="thumb"))
