"""An operator's open socket lives only as long as the sign-in it was opened with.

Logout, a password change, deactivation and session expiry close it with code 4401 (the app
then goes to the sign-in page), and every subscribe re-checks the session. Real sockets
against the uvicorn of ``asgi_server``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from websockets.exceptions import ConnectionClosed, InvalidStatus

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Operator
from messagecenter.core import clock
from messagecenter.realtime.operator import CLOSE_UNAUTHENTICATED
from tests.conftest import as_actor
from tests.realtime.conftest import receive, send
from tests.web.conftest import ALICE_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def browser_of(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def open_socket(asgi_server, browser: Client):
    ws = asgi_server.ws("/ws/operator", cookie=f"mc_session={browser.cookies['mc_session'].value}")
    receive(ws, "hello")
    return ws


def close_code(ws, timeout: float = 5.0) -> int:
    """Wait for the server to close the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=timeout)
    return closed.value.rcvd.code


def still_open(ws) -> bool:
    send(ws, type="ping")
    return receive(ws, "pong") is not None


def test_logout_closes_the_sockets_of_that_session(asgi_server, alice):
    browser = browser_of(alice)
    ws = open_socket(asgi_server, browser)

    browser.post(reverse("logout"))

    assert close_code(ws) == CLOSE_UNAUTHENTICATED == 4401


def test_logout_in_one_browser_leaves_the_others_open(asgi_server, alice):
    office, home = browser_of(alice), browser_of(alice)
    office_ws, home_ws = open_socket(asgi_server, office), open_socket(asgi_server, home)

    office.post(reverse("logout"))

    assert close_code(office_ws) == 4401
    assert still_open(home_ws)
    home_ws.close()


def test_a_password_change_closes_the_sockets_of_other_sessions(asgi_server, alice):
    here, elsewhere = browser_of(alice), browser_of(alice)
    elsewhere_ws = open_socket(asgi_server, elsewhere)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": ALICE_PASSWORD,
            "new_password1": "a-brand-new-secret-42",
            "new_password2": "a-brand-new-secret-42",
        },
    )

    assert response.status_code == 302
    assert close_code(elsewhere_ws) == 4401


def test_deactivation_closes_the_operators_sockets(asgi_server, alice, bob):
    ws = open_socket(asgi_server, browser_of(bob))

    accounts.update_operator(bob, actor=as_actor(alice), is_active=False)

    assert close_code(ws) == 4401


def test_deactivating_someone_else_leaves_my_socket_open(asgi_server, alice, bob):
    ws = open_socket(asgi_server, browser_of(alice))

    accounts.update_operator(bob, actor=as_actor(alice), is_active=False)

    assert still_open(ws)
    ws.close()


def test_subscribe_rechecks_the_session(asgi_server, alice, bob):
    """GIVEN bob deactivated without any event reaching his socket, WHEN he subscribes,
    THEN the socket is closed instead of joining the timeline."""
    ws = open_socket(asgi_server, browser_of(bob))
    Operator.objects.filter(pk=bob.pk).update(is_active=False)

    send(ws, type="subscribe", conversation="cv_anything", after=0)

    assert close_code(ws) == 4401


def test_an_expired_session_closes_the_socket_on_its_next_ping(asgi_server, alice, settings):
    settings.SESSION_COOKIE_AGE = 600
    ws = open_socket(asgi_server, browser_of(alice))

    with time_machine.travel(clock.now() + timedelta(seconds=601), tick=False):
        send(ws, type="ping")
        assert close_code(ws) == 4401


def test_an_expired_session_receives_no_more_live_events(asgi_server, alice, settings):
    """GIVEN alice's session expired, WHEN an event for her arrives (her presence changes),
    THEN it is not delivered: the socket closes instead."""
    settings.SESSION_COOKIE_AGE = 600
    ws = open_socket(asgi_server, browser_of(alice))

    with time_machine.travel(clock.now() + timedelta(seconds=601), tick=False):
        accounts.update_operator(alice, actor=as_actor(alice), max_slots=4)
        assert close_code(ws) == 4401


def test_a_session_still_valid_keeps_its_socket(asgi_server, alice, settings):
    settings.SESSION_COOKIE_AGE = 600
    ws = open_socket(asgi_server, browser_of(alice))

    with time_machine.travel(clock.now() + timedelta(seconds=599), tick=False):
        assert still_open(ws)
    ws.close()


def test_an_account_requiring_two_factor_keeps_the_socket_of_an_operator_without_one_shut(
    asgi_server, alice
):
    """The pages send Alice to set up a second factor; the socket (the live inbox) stays shut
    too until she has one, then opens."""
    from messagecenter.administration.models import AccountProfile

    AccountProfile.objects.update_or_create(
        account=alice.account, defaults={"require_two_factor": True}
    )
    browser = browser_of(alice)
    cookie = f"mc_session={browser.cookies['mc_session'].value}"
    with pytest.raises(InvalidStatus) as refused:  # refused at the handshake
        asgi_server.ws("/ws/operator", cookie=cookie)
    assert refused.value.response.status_code == 403

    Operator.objects.filter(pk=alice.pk).update(totp_enabled=True)
    assert still_open(open_socket(asgi_server, browser))
