"""Test settings: the real settings with a throw-away data folder and immediate jobs."""

import os
import tempfile

os.environ.setdefault("MC_TESTING", "1")
os.environ.setdefault("MC_DATA_DIR", tempfile.mkdtemp(prefix="mc-test-"))
os.environ.setdefault("MC_JOBS_IMMEDIATE", "1")

from messagecenter.settings import *  # noqa: E402,F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
