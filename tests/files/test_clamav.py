"""The optional virus scan against a real clamd (Debian's clamav-daemon), started privately
with the one-line signature file shipped here (tests/files/clamav/eicar.hdb: the EICAR test
file's MD5 and size; nothing is downloaded). An infected upload is kept in quarantine: shown
as infected, never downloaded, never sent; a clean one passes; a scanner that is down leaves
the file pending (also not downloadable)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from messagecenter.files import uploads
from messagecenter.files.models import ScanState

pytestmark = pytest.mark.django_db

CLAMD = Path("/usr/sbin/clamd")
SIGNATURES = Path(__file__).parent / "clamav" / "eicar.hdb"
# Built from two halves, so this source file is not itself the test virus.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(scope="module")
def clamd_socket():
    if not CLAMD.exists():
        message = "clamd is missing: apt-get install -y clamav-daemon (./mc test does it as root)"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="mc-clamd-"))
    (folder / "db").mkdir()
    shutil.copy(SIGNATURES, folder / "db" / "eicar.hdb")
    socket_path = folder / "clamd.sock"
    (folder / "clamd.conf").write_text(
        f"Foreground yes\nLocalSocket {socket_path}\nDatabaseDirectory {folder / 'db'}\n"
        f"LogFile {folder / 'clamd.log'}\n"
    )
    process = subprocess.Popen(
        [str(CLAMD), "-c", str(folder / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        assert process.poll() is None, (folder / "clamd.log").read_text()
        assert time.monotonic() < deadline, "clamd did not start"
        time.sleep(0.1)  # waiting for a daemon to load its signatures
    yield str(socket_path)
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def store(account, me, name: str, data: bytes):
    upload = uploads.create_upload(account, name, len(data), actor=me)
    return uploads.append_chunk(upload, 0, io.BytesIO(data), actor=me).file


def test_eicar_is_found_and_quarantined(account, me, settings, clamd_socket):
    settings.CLAMD = clamd_socket
    stored = store(account, me, "rechnung.pdf", EICAR)
    assert stored.scan_state == ScanState.INFECTED


def test_a_clean_file_passes(account, me, settings, clamd_socket):
    settings.CLAMD = clamd_socket
    assert store(account, me, "a.txt", b"nur Text").scan_state == ScanState.CLEAN


def test_a_scanner_that_is_down_leaves_the_file_pending(account, me, settings, tmp_path):
    settings.CLAMD = str(tmp_path / "nobody-listens.sock")
    assert store(account, me, "a.txt", b"nur Text").scan_state == ScanState.PENDING


def test_without_a_scanner_files_are_not_scanned(account, me, settings):
    settings.CLAMD = ""
    assert store(account, me, "a.txt", EICAR).scan_state == ScanState.SKIPPED
