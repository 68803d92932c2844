"""Settings › Account: the account's name, default language, time zone and logo (a real
image, re-encoded, shown in the app shell); administrators only, outsiders never reach
another account's logo."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from messagecenter.accounts.models import AuditEntry
from messagecenter.administration import profile
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.files.models import StoredFile
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

URL = "/settings/account/"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def image_upload(fmt="PNG", size=(600, 300), name="logo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def test_an_admin_saves_name_language_and_time_zone(alice, account):
    answer = signed_in(alice).post(
        URL, {"name": "Acme GmbH", "default_language": "de", "time_zone": "Europe/Vienna"}
    )
    assert answer.status_code == 302
    account.refresh_from_db()
    assert account.name == "Acme GmbH" and account.time_zone == "Europe/Vienna"
    assert profile.profile_of(account).default_language == "de"
    audited = AuditEntry.objects.filter(action="account.updated").values_list("data", flat=True)
    assert {"fields": ["name"]} in audited and {"fields": ["default_language"]} in audited


def test_new_operators_are_invited_in_the_default_language(alice, account):
    profile.set_default_language(account, "de", actor=as_actor(alice))
    page = signed_in(alice).get("/settings/operators/invite/").content.decode()
    assert '<option value="de" selected>' in page


def test_an_empty_name_is_refused(alice):
    answer = signed_in(alice).post(URL, {"name": " ", "default_language": "en", "time_zone": "UTC"})
    assert answer.status_code == 400


def test_the_logo_is_checked_re_encoded_and_shown_in_the_shell(alice, bob, account):
    client = signed_in(alice)
    assert client.post(URL + "logo/", {"logo": image_upload("JPEG")}).status_code == 302
    logo = profile.profile_of(account).logo
    assert logo.content_type == "image/png"
    page = signed_in(bob).get("/inbox/").content.decode()
    address = f"/account/logo/{logo.public_id}.png"
    assert f'src="{address}"' in page
    served = signed_in(bob).get(address)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert max(image.size) == profile.LOGO_SIDE


def test_a_new_logo_replaces_the_old_file(alice, account):
    client = signed_in(alice)
    client.post(URL + "logo/", {"logo": image_upload()})
    first = profile.profile_of(account).logo
    client.post(URL + "logo/", {"logo": image_upload("GIF")})
    assert not StoredFile.objects.filter(pk=first.pk).exists()
    assert client.get(f"/account/logo/{first.public_id}.png").status_code == 404
    client.post(URL + "logo/", {"remove": "1"})
    assert profile.profile_of(account).logo is None and not StoredFile.objects.exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"),
        SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n garbage", content_type="image/png"),
        SimpleUploadedFile("x.bmp", b"BM" + b"\0" * 60, content_type="image/bmp"),
    ],
)
def test_what_is_not_a_supported_image_is_refused(alice, account, upload):
    answer = signed_in(alice).post(URL + "logo/", {"logo": upload})
    assert answer.status_code == 400
    assert not StoredFile.objects.exists()


def test_a_logo_over_one_megabyte_is_refused(alice, account):
    big = SimpleUploadedFile("x.png", b"\0" * (profile.LOGO_MAX_BYTES + 1))
    with pytest.raises(ValidationFailed):
        profile.set_logo(account, big, actor=as_actor(alice))


def test_a_teammate_is_refused(bob, account):
    client = signed_in(bob)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "logo/", {"logo": image_upload()}).status_code == 403
    with pytest.raises(PermissionDenied):
        profile.set_default_language(account, "de", actor=as_actor(bob))


def test_an_outsider_gets_404_for_another_accounts_logo(alice, charlie, account):
    profile.set_logo(account, image_upload(), actor=as_actor(alice))
    logo = profile.profile_of(account).logo
    assert signed_in(charlie).get(f"/account/logo/{logo.public_id}.png").status_code == 404


def test_the_account_page_speaks_german(alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    text = signed_in(alice).get(URL).content.decode()
    assert "Standardsprache" in text and "Logo hochladen" in text
