"""The lock-out holds under parallel requests: a real uvicorn, many sign-ins at once.

The attempt is counted before the password is checked, so however the requests interleave,
no more passwords are checked than the limit allows (runs on SQLite and PostgreSQL).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core import mail

from messagecenter.accounts.auth import OperatorBackend
from tests.realtime.conftest import LiveAsgi

pytestmark = pytest.mark.django_db(transaction=True)

# Enough to overrun a limit of 5 many times over; each parallel request holds its own
# PostgreSQL connection while it runs (tests/settings.py closes them afterwards).
PARALLEL = 30
LIMIT = 5


@pytest.fixture
def live_server_url(transactional_db):
    server = LiveAsgi()
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def checked_passwords(monkeypatch):
    """Counts the passwords the backend checks (the server runs in this process).

    Each check is held until one more than the limit are in flight (or a second passed), so
    the window between "may I?" and "count me" is as wide as a slow password hash makes it
    in production: a check-then-count throttle lets every waiting request through then,
    while count-then-check never has more than the limit in flight.
    """
    checked = {"count": 0}
    lock = threading.Lock()
    in_flight = threading.Barrier(LIMIT + 1)
    original = OperatorBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            checked["count"] += 1
        # Broken when fewer than limit + 1 ever arrive: the throttle held.
        with contextlib.suppress(threading.BrokenBarrierError):
            in_flight.wait(timeout=1)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(OperatorBackend, "authenticate", counting)
    return checked


def csrf_cookie(base_url: str) -> str:
    response = httpx.get(f"{base_url}/login/", follow_redirects=True)
    return response.cookies["mc_csrftoken"]


def post_form(base_url: str, path: str, token: str, data: dict) -> int:
    # Every request is a separate client (own connection), as a botnet's would be.
    response = httpx.post(
        f"{base_url}{path}",
        data={"csrfmiddlewaretoken": token, **data},
        cookies={"mc_csrftoken": token},
        headers={"Origin": base_url, "Referer": f"{base_url}{path}"},
        timeout=30,
    )
    return response.status_code


def in_parallel(count: int, call) -> list:
    barrier = threading.Barrier(count)

    def one(index):
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_parallel_sign_ins_check_no_more_passwords_than_the_limit(
    live_server_url, alice, settings, checked_passwords
):
    """GIVEN a limit of 5 failures, WHEN 30 wrong passwords for alice arrive at once,
    THEN at most 5 of them are checked."""
    settings.LOGIN_THROTTLE_ATTEMPTS = LIMIT
    token = csrf_cookie(live_server_url)
    form = {"username": "alice@acme.test", "password": "wrong-password"}

    statuses = in_parallel(PARALLEL, lambda _: post_form(live_server_url, "/login/", token, form))

    assert set(statuses) == {200}
    assert 1 <= checked_passwords["count"] <= LIMIT


def test_parallel_password_resets_send_no_more_mails_than_the_limit(
    live_server_url, alice, settings
):
    settings.PASSWORD_RESET_THROTTLE_PER_EMAIL = 3
    token = csrf_cookie(live_server_url)
    form = {"email": "alice@acme.test"}

    statuses = in_parallel(
        PARALLEL, lambda _: post_form(live_server_url, "/password/reset/", token, form)
    )

    assert set(statuses) == {302}
    assert len(mail.outbox) == 3
