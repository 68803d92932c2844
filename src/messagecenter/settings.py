"""Django settings, read from the environment through `messagecenter.env`.

Two profiles (MC_PROFILE):
- ``local`` (default): what ``messagecenter serve`` uses on 127.0.0.1. Plain HTTP is fine,
  a secret key is generated once into the data folder.
- ``production``: HTTPS only, secure cookies, HSTS, and SECRET_KEY / MC_ALLOWED_HOSTS required.

The embedded default needs nothing: SQLite, in-memory channel layer, SQLite Huey, local files.
DATABASE_URL / REDIS_URL / MC_S3_BUCKET switch to the scale-out pieces.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url

from messagecenter.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PROFILE = env_choice("MC_PROFILE", "local", ("local", "production"))
PRODUCTION = PROFILE == "production"
DATA_DIR = Path(env_str("MC_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
TESTING = env_bool("MC_TESTING", False)


def _local_secret_key() -> str:
    """A per-installation key kept in the data folder, so logins survive restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigError("SECRET_KEY (or SECRET_KEY_FILE) is required when MC_PROFILE=production")
    SECRET_KEY = _local_secret_key()
elif PRODUCTION and len(SECRET_KEY) < 40:
    raise ConfigError("SECRET_KEY must be at least 40 characters in production")

DEBUG = env_bool("MC_DEBUG", False)
PUBLIC_URL = env_url("MC_PUBLIC_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip(
    "/"
)
_public_host = urlparse(PUBLIC_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env_list(
    "MC_ALLOWED_HOSTS", [] if PRODUCTION else [_public_host, "127.0.0.1", "localhost"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("MC_ALLOWED_HOSTS is required when MC_PROFILE=production")
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = env_list("MC_CSRF_TRUSTED_ORIGINS", [PUBLIC_URL])

INSTALLED_APPS = [
    "channels",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Listed so the API docs page serves ninja's bundled Swagger UI instead of a CDN copy.
    "ninja",
    "huey.contrib.djhuey",
    "messagecenter.core",
    "messagecenter.jobs",
    "messagecenter.accounts",
    "messagecenter.widgets",
    "messagecenter.contacts",
    "messagecenter.files",
    "messagecenter.conversations",
    "messagecenter.notifications",
    "messagecenter.macros",
    "messagecenter.api",
    "messagecenter.transports.webchat",
    "messagecenter.transports.custom",
    "messagecenter.team",
    "messagecenter.web",
    "messagecenter.directory",
    "messagecenter.search",
    "messagecenter.archive",
    "messagecenter.transports.email",
    "messagecenter.transports.telegram",
    "messagecenter.webhooks",
    "messagecenter.addons",
    "messagecenter.transports.sms",
    "messagecenter.transports.whatsapp",
    "messagecenter.translation",
    "messagecenter.analytics",
    "messagecenter.administration",
    "messagecenter.calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "messagecenter.web.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "messagecenter.web.middleware.OperatorLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "messagecenter.web.middleware.OperatorTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: sends operators without a required second factor
    # to set one up.
    "messagecenter.administration.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "messagecenter.urls"
ASGI_APPLICATION = "messagecenter.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "messagecenter.sqlite3"
_database_url = env_url(
    "DATABASE_URL", "", schemes=("postgres", "postgresql", "sqlite", "pgsql", "postgis")
)
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked"
    # halfway through a transaction. Our engine queues this process's writers on a lock
    # instead of SQLite's polling busy wait (core/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "messagecenter.core.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("MC_SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Keep the connection: reopening it (PRAGMAs, WAL checkpoint on close) cost a fifth of the
    # embedded server's time under load (bench/README.md).
    DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Realtime and jobs --------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "messagecenter",
        "url": REDIS_URL,
        "immediate": env_bool("MC_JOBS_IMMEDIATE", False),
        "consumer": {"workers": env_int("MC_JOB_WORKERS", 4, minimum=1), "worker_type": "thread"},
    }
else:
    # Channels' in-memory layer, but one that never drops an event silently (realtime/layer.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "messagecenter.realtime.layer.EmbeddedChannelLayer",
            "CONFIG": {"capacity": env_int("MC_REALTIME_BUFFER", 1000, minimum=10)},
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "messagecenter",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": env_bool("MC_JOBS_IMMEDIATE", False),
        "consumer": {"workers": env_int("MC_JOB_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
# The cache holds nothing whose loss or per-process copy could weaken a rule: the sign-in and
# password-reset counters are database rows (accounts.throttle), because a cache's ``incr`` is
# atomic on Redis and within one process only (the database cache reads, then writes). So the
# embedded single process uses memory, and scale-out shares Redis so every process sees the
# same entries.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mc",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A running job's lease: a job whose worker sent no heartbeat for this long is resumed.
JOB_LEASE_SECONDS = env_int("MC_JOB_LEASE_SECONDS", 60, minimum=1)
# True when the job consumer runs inside the ASGI server process (messagecenter serve).
EMBEDDED = not REDIS_URL

# --- Files --------------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MC_MEDIA_ROOT", str(DATA_DIR / "files")))
MAX_UPLOAD_BYTES = env_int("MC_MAX_UPLOAD_MB", 100, minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Resumable uploads (files.uploads): a partial upload untouched this long is removed.
UPLOAD_ABANDONED_HOURS = env_int("MC_UPLOAD_ABANDONED_HOURS", 24, minimum=1)
# Signed download URLs (files.links): the URL itself lives minutes; the link that mints it
# (sent to contacts: e-mail, SMS, the messenger) lives days.
FILE_URL_SECONDS = env_int("MC_FILE_URL_SECONDS", 300, minimum=10)
FILE_LINK_DAYS = env_int("MC_FILE_LINK_DAYS", 30, minimum=1)
# Optional ClamAV scan of every stored file: clamd's unix socket path or host:port; empty: off.
CLAMD = env_str("MC_CLAMD")
CLAMD_TIMEOUT_SECONDS = env_int("MC_CLAMD_TIMEOUT_SECONDS", 30, minimum=1)
# --- Calls (WebRTC, R-FILE-3; calls/ice.py) --------------------------------------------------
# TURN relays every call by default, so neither side learns the other's address; credentials
# are minted per call from coturn's static-auth-secret (its REST API scheme).
TURN_URLS = env_list("MC_TURN_URLS")
TURN_SECRET = env_secret("MC_TURN_SECRET")
TURN_CREDENTIAL_SECONDS = env_int("MC_TURN_CREDENTIAL_SECONDS", 3600, minimum=60)
STUN_URLS = env_list("MC_STUN_URLS")
# Privacy: only with this may the browsers connect directly (and learn each other's address).
CALLS_ALLOW_DIRECT = env_bool("MC_CALLS_ALLOW_DIRECT", False)
for _url in TURN_URLS:
    if not _url.startswith(("turn:", "turns:")):
        raise ConfigError(f"MC_TURN_URLS must list turn: or turns: URLs, got {_url!r}")
for _url in STUN_URLS:
    if not _url.startswith(("stun:", "stuns:")):
        raise ConfigError(f"MC_STUN_URLS must list stun: or stuns: URLs, got {_url!r}")
if TURN_URLS and not TURN_SECRET:
    raise ConfigError("MC_TURN_URLS needs MC_TURN_SECRET (coturn's static-auth-secret)")

# Voice messages (files.voice): the longest recording the composer and the messenger take
# (seconds; 0: only the file size limit applies).
VOICE_MAX_SECONDS = env_int("MC_VOICE_MAX_SECONDS", 300, minimum=0)
S3_BUCKET = env_str("MC_S3_BUCKET")
if S3_BUCKET:
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_url("MC_S3_ENDPOINT_URL", "", schemes=("http", "https")) or None,
            "region_name": env_str("MC_S3_REGION") or None,
            "access_key": env_secret("MC_S3_ACCESS_KEY") or None,
            "secret_key": env_secret("MC_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _file_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders; it only wants the folder
STORAGES = {
    "default": _file_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Auth and security ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Operator"
AUTHENTICATION_BACKENDS = ["messagecenter.accounts.auth.OperatorBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of operators.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_THROTTLE_ATTEMPTS = env_int("MC_LOGIN_THROTTLE_ATTEMPTS", 5, minimum=1)
LOGIN_THROTTLE_WINDOW = env_int("MC_LOGIN_THROTTLE_WINDOW", 900, minimum=1)
# Reset e-mails per e-mail address and per client address within the window (seconds).
PASSWORD_RESET_THROTTLE_PER_EMAIL = env_int("MC_PASSWORD_RESET_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_THROTTLE_PER_ADDRESS = env_int("MC_PASSWORD_RESET_PER_ADDRESS", 10, minimum=1)
PASSWORD_RESET_THROTTLE_WINDOW = env_int("MC_PASSWORD_RESET_WINDOW", 3600, minimum=1)
SESSION_COOKIE_AGE = env_int("MC_SESSION_AGE", 14 * 24 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "mc_session"
CSRF_COOKIE_NAME = "mc_csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("MC_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("MC_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- E-mail --------------------------------------------------------------------------------
EMAIL_HOST = env_str("MC_SMTP_HOST")
EMAIL_PORT = env_int("MC_SMTP_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("MC_SMTP_USER")
EMAIL_HOST_PASSWORD = env_secret("MC_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("MC_SMTP_STARTTLS", True)
EMAIL_USE_SSL = env_bool("MC_SMTP_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("MC_MAIL_FROM", "Message Center <noreply@localhost>")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("MC_SMTP_STARTTLS and MC_SMTP_SSL cannot both be on")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Without an SMTP server, mail is written to files a local admin can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = env_choice("MC_DEFAULT_LANGUAGE", "en", ("en", "de"))
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# Our own DATE_FORMAT/DATETIME_FORMAT per language (templates use the names, never patterns).
FORMAT_MODULE_PATH = ["messagecenter.formats"]
USE_TZ = True
TIME_ZONE = "UTC"

# --- Product rules ---------------------------------------------------------------------------
# An operator whose last app tab closed stays available this long, so a page reload does not
# reroute their live chats.
PRESENCE_GRACE_SECONDS = env_int("MC_PRESENCE_GRACE_SECONDS", 30, minimum=0)
# Keep what blocked contacts still send (for audit; never routed or shown in an inbox).
KEEP_BLOCKED_MESSAGES = env_bool("MC_KEEP_BLOCKED_MESSAGES", True)
# Whether the widget editor offers a feature's switches (files and voice messages: R-FILE-1/2,
# calls: R-FILE-3). All work end to end and are offered by default; an installation that does
# not want one switches it off here (widgets keep their stored settings either way).
FEATURES = {
    "files": env_bool("MC_FEATURE_FILES", True),
    "voice": env_bool("MC_FEATURE_VOICE", True),
    "calls": env_bool("MC_FEATURE_CALLS", True),
}
# Where the "AI automation hub" entry of the navigation leads (opens in a new tab).
AI_HUB_URL = env_url("MC_AI_HUB_URL", "", schemes=("http", "https"))
# Optional MaxMind GeoLite2/GeoIP2 City database for contacts' IP-based location.
GEOIP_DATABASE = env_str("MC_GEOIP_DATABASE")
# Messenger limits: largest accepted WebSocket frame, and messages a contact may send per minute.
MESSENGER_MAX_FRAME_BYTES = env_int("MC_MESSENGER_MAX_FRAME_BYTES", 64 * 1024, minimum=1024)
OPERATOR_MAX_FRAME_BYTES = env_int("MC_OPERATOR_MAX_FRAME_BYTES", 64 * 1024, minimum=1024)
# permessage-deflate costs CPU per frame on every socket; the frames are small JSON.
WS_COMPRESSION = env_bool("MC_WS_COMPRESSION", False)
MESSENGER_RATE_PER_MINUTE = env_int("MC_MESSENGER_RATE_PER_MINUTE", 30, minimum=1)
# Limits per client address (counted in the cache, never stored on rows): messages of all
# contacts behind one address (an office NAT), and messenger connections (hello) per minute.
MESSENGER_ADDRESS_RATE_PER_MINUTE = env_int("MC_MESSENGER_ADDRESS_RATE_PER_MINUTE", 120, minimum=1)
MESSENGER_HELLO_PER_MINUTE = env_int("MC_MESSENGER_HELLO_PER_MINUTE", 30, minimum=1)
# A contact token is accepted this many days after it was last issued (every hello renews
# it); never less than the widget's auto-end plus continuation window.
MESSENGER_TOKEN_DAYS = env_int("MC_MESSENGER_TOKEN_DAYS", 90, minimum=1)
# Messenger visitors that never wrote are forgotten after this many days without a visit.
VISITOR_RETENTION_DAYS = env_int("MC_VISITOR_RETENTION_DAYS", 30, minimum=1)
IDEMPOTENCY_TTL_HOURS = env_int("MC_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# REST API requests per token and window (api/ratelimit.py); over it: 429 with Retry-After.
API_RATE_LIMIT = env_int("MC_API_RATE_LIMIT", 600, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("MC_API_RATE_WINDOW_SECONDS", 60, minimum=1)
# Outbound calls to customer-configured URLs (custom channels, webhooks) refuse internal
# addresses; these host names or CIDRs are allowed anyway (an on-prem CRM). core/ssrf.py.
OUTBOUND_ALLOWED_HOSTS = env_list("MC_OUTBOUND_ALLOWED_HOSTS", [])
# Channel credentials are encrypted at rest with a key derived from MC_CREDENTIALS_KEY (default:
# SECRET_KEY); MC_CREDENTIALS_KEYS lists former keys still accepted for reading. core/secrets.py.
CREDENTIALS_KEY = env_secret("MC_CREDENTIALS_KEY")
CREDENTIALS_OLD_KEYS = [
    k.strip() for k in env_secret("MC_CREDENTIALS_KEYS").split(",") if k.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MC_LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "huey": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # httpx logs every request's full URL at INFO; customer webhook URLs often carry a
        # token in the path or query (core/ssrf.py). The delivery log records what is needed.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Outbound delivery through a transport (conversations.delivery): attempts before a message is
# failed, the first retry's delay (doubling with each attempt, at most an hour), and how long a
# claimed send may take before the sweep treats its worker as dead and re-sends once.
DELIVERY_MAX_ATTEMPTS = env_int("MC_DELIVERY_MAX_ATTEMPTS", 8, minimum=1)
DELIVERY_BACKOFF_SECONDS = env_int("MC_DELIVERY_BACKOFF_SECONDS", 30, minimum=1)
DELIVERY_LEASE_SECONDS = env_int("MC_DELIVERY_LEASE_SECONDS", 300, minimum=10)

# The e-mail channel's inbound side (transports/email): how long a mail without our reply
# token or a known thread may still join the sender's conversation with the same subject; the
# largest raw mail the inbound webhook accepts.
EMAIL_SUBJECT_WINDOW_DAYS = env_int("MC_EMAIL_SUBJECT_WINDOW_DAYS", 14, minimum=0)
EMAIL_WEBHOOK_MAX_MB = env_int("MC_EMAIL_WEBHOOK_MAX_MB", 50, minimum=1)

# The Telegram Bot API (transports/telegram): its base URL (a local Bot API server, or the
# tests' fake one).
TELEGRAM_API_URL = env_url(
    "MC_TELEGRAM_API_URL", "https://api.telegram.org", schemes=("http", "https")
).rstrip("/")

# Live translation (translation/): DeepL's base URL (empty: the package picks Free or Pro by
# the key; the tests' fake one), how long one provider call may take, how often a rate-limited
# or unreachable provider is retried and the first backoff (doubled each time).
DEEPL_API_URL = env_url("MC_DEEPL_API_URL", "", schemes=("http", "https"))
TRANSLATION_TIMEOUT_SECONDS = env_int("MC_TRANSLATION_TIMEOUT", 10, minimum=1)
TRANSLATION_MAX_ATTEMPTS = env_int("MC_TRANSLATION_MAX_ATTEMPTS", 5, minimum=1)
TRANSLATION_BACKOFF_SECONDS = env_int("MC_TRANSLATION_BACKOFF_SECONDS", 5, minimum=1)

# Twilio's REST API (transports/sms): its base URL (the tests' fake one).
TWILIO_API_URL = env_url(
    "MC_TWILIO_API_URL", "https://api.twilio.com", schemes=("http", "https")
).rstrip("/")

# Meta's Graph API for the WhatsApp Cloud API (transports/whatsapp): its base URL, without the
# version (the tests' fake one).
WHATSAPP_API_URL = env_url(
    "MC_WHATSAPP_API_URL", "https://graph.facebook.com", schemes=("http", "https")
).rstrip("/")
