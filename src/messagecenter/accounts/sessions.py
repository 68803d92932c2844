"""Whether a browser session is still a valid sign-in of an operator, for long-lived sockets.

A WebSocket is authenticated once, when it opens; without more, it would outlive a logout,
a password change, a deactivation or the session's expiry and keep receiving customer
messages. So the operator socket asks ``valid_until`` when it opens, on every subscribe and
whenever its answer has run out, and ``revoke_live_sessions`` tells the operator's sockets to
ask again at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from messagecenter.accounts.events import sessions_changed_event
from messagecenter.accounts.models import Operator
from messagecenter.core import clock
from messagecenter.core.events import operator_group, send_on_commit

# An answer is trusted at most this long, so a socket whose "sessions changed" push was lost
# (pushes are best effort) still notices within a few minutes.
RECHECK_SECONDS = 300


def valid_until(session_key: str | None, operator_id: int) -> datetime | None:
    """Until when the session is a valid sign-in of the operator; None when it is not now
    (signed out, expired, password changed since, operator deactivated)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()  # empty when the session is gone or expired
    if data.get(SESSION_KEY) != str(operator_id):
        return None
    operator = Operator.objects.filter(pk=operator_id, is_active=True).first()
    if operator is None or not _hash_matches(data, operator):
        return None
    return min(_expiry(store, session_key), clock.now() + timedelta(seconds=RECHECK_SECONDS))


def revoke_live_sessions(operator: Operator) -> None:
    """After commit, make the operator's open sockets re-check their session (and close
    those whose sign-in is gone): after logout, a password change or deactivation."""
    send_on_commit(sessions_changed_event(operator), [operator_group(operator.public_id)])


def _hash_matches(data: dict, operator: Operator) -> bool:
    # As Django's get_user: a password change changes the hash, ending the other sessions.
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), operator.get_session_auth_hash())


def _expiry(store, session_key: str) -> datetime:
    model = getattr(store, "get_model_class", None)
    if model is None:
        # A session engine without stored expiry: rely on the periodic re-check alone.
        return clock.now() + timedelta(seconds=RECHECK_SECONDS)
    expires = model().objects.filter(session_key=session_key).values_list("expire_date", flat=True)
    return expires.first() or clock.now()
