"""Test settings: the real settings with a throw-away data folder and immediate jobs."""

import os
import tempfile

os.environ.setdefault("MC_TESTING", "1")
os.environ.setdefault("MC_DATA_DIR", tempfile.mkdtemp(prefix="mc-test-"))
os.environ.setdefault("MC_JOBS_IMMEDIATE", "1")

from messagecenter.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A file, not SQLite's shared in-memory database: real-socket tests run the server in a thread,
# and only a file database gives them WAL and the busy timeout the product relies on.
DATABASES["default"].setdefault("TEST", {})  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(DATA_DIR / "test.sqlite3")  # noqa: F405
else:
    # The live servers of the socket tests run database work in their event loop's thread
    # pool; a stopped server's pool threads would keep their connections open for the rest
    # of the run and exhaust PostgreSQL's max_connections. Close each after its work instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
