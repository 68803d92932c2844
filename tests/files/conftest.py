from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from messagecenter.core.actors import Actor
from tests.helpers import conversation_in


@pytest.fixture
def conversation(widget, contact, alice):
    """A messenger conversation assigned to Alice (she may reply)."""
    return conversation_in("waiting", widget, contact, alice)


@pytest.fixture
def me(alice):
    return Actor.for_operator(alice)


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def png(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A photo as a phone takes it: camera make/model, GPS position and an orientation."""
    image = Image.new("RGB", (60, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° CW
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()
