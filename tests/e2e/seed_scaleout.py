"""Seed a scale-out database for the two-process test; prints what the test needs as JSON.

Run as ``python -m tests.e2e.seed_scaleout`` with DATABASE_URL/REDIS_URL set.
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messagecenter.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from messagecenter.accounts import services as accounts  # noqa: E402
from messagecenter.accounts.models import Presence  # noqa: E402
from messagecenter.core.actors import Actor  # noqa: E402
from messagecenter.widgets.services import create_widget  # noqa: E402

call_command("migrate", verbosity=0)
account = accounts.create_account("Scale GmbH")
group = accounts.create_group(account, "Support")
operator = accounts.create_operator(
    account,
    name="Olga Operator",
    email="olga@scale.test",
    password="scale-out-pass-1",
    groups=[group],
)
accounts.set_presence(operator, Presence.ONLINE, actor=Actor.for_operator(operator))
widget = create_widget(account, "Shop", operator_group=group)
widget.allowed_origins = ["*"]
widget.save()
session = SessionStore()
session[SESSION_KEY] = str(operator.pk)
session[BACKEND_SESSION_KEY] = "messagecenter.accounts.auth.OperatorBackend"
session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
session.save()
print(json.dumps({"widget": widget.key, "session": session.session_key}))
