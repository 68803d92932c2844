"""Seed a database for ``bench/live.py``; prints what the load generator needs as JSON.

Run as ``python bench/seed_live.py --operators M --slots S`` with the same environment as the
server (``MC_DATA_DIR`` for SQLite, or ``DATABASE_URL``/``REDIS_URL``). It migrates, then
creates one account with one group, M operators (Online, ``S`` chat slots each), a widget
accepting any origin (``allowed_origins = ["*"]``), and one logged-in session per operator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC") or str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messagecenter.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from messagecenter.accounts import services as accounts  # noqa: E402
from messagecenter.accounts.models import Presence  # noqa: E402
from messagecenter.core.actors import Actor  # noqa: E402
from messagecenter.widgets.services import create_widget  # noqa: E402


def seed(operators: int, slots: int) -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    account = accounts.create_account("Bench GmbH")
    group = accounts.create_group(account, "Support")
    seeded = []
    for n in range(operators):
        # No password: hashing 20 Argon2 passwords would only slow the set-up down; the
        # session below is what the operator socket authenticates with.
        operator = accounts.create_operator(
            account,
            name=f"Operator {n:02d}",
            email=f"op{n:02d}@bench.test",
            max_slots=slots,
            groups=[group],
        )
        accounts.set_presence(operator, Presence.ONLINE, actor=Actor.for_operator(operator))
        session = SessionStore()
        session[SESSION_KEY] = str(operator.pk)
        session[BACKEND_SESSION_KEY] = "messagecenter.accounts.auth.OperatorBackend"
        session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
        session.save()
        seeded.append({"id": operator.public_id, "session": session.session_key})
    widget = create_widget(account, "Bench shop", operator_group=group)
    widget.allowed_origins = ["*"]
    widget.save()
    return {"account": account.public_id, "widget": widget.key, "operators": seeded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--slots", type=int, default=20)
    options = parser.parse_args()
    print(json.dumps(seed(options.operators, options.slots)))


if __name__ == "__main__":
    main()
