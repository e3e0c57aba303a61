"""Django settings for Lifeline, read from the environment and secure by default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def envbool(name: str, default: bool = False) -> bool:
    """Read NAME as a switch; a value that is neither on nor off stops the process.

    A typo such as LIFELINE_HTTPS=ture must not quietly turn a security setting off.
    """
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a switch: use 1/0, true/false, yes/no or on/off."
    )


def envint(name: str, default: int) -> int:
    """Read NAME as a whole number; anything else stops the process, naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not a whole number.") from None


def envstr(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/systemd secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DATA_DIR = Path(os.environ.get("LIFELINE_DATA_DIR", Path.cwd() / "var")).resolve()
DEBUG = envbool("DEBUG", False)
# Only `make run`, `make test` and the demo set this: they may create their own keys in DATA_DIR.
DEV_KEYS = envbool("LIFELINE_DEV_KEYS", False)
TESTING = envbool("LIFELINE_TESTING", False)


def _dev_secret(file_name: str, prefix: str) -> str:
    """Return a key kept in DATA_DIR, generating it on first use (demo and tests only)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / file_name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(prefix + secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


# `lifeline keys destroy` leaves this marker: the keys are gone, and the service starts with
# throw-away keys only to answer every page "This service is closed" (lifeline.core.closure).
LIFELINE_CLOSED = (DATA_DIR / "closed").exists()


def _required_secret(name: str, dev_file: str, prefix: str = "") -> str:
    try:
        value = envstr(name)
    except FileNotFoundError:
        if not LIFELINE_CLOSED:
            raise
        value = ""
    if value:
        return value
    if LIFELINE_CLOSED:
        return prefix + secrets.token_urlsafe(32)
    if DEV_KEYS:
        return _dev_secret(dev_file, prefix)
    raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")


SECRET_KEY = _required_secret("SECRET_KEY", "secret_key")
# Comma-separated "key-id:urlsafe-base64(32 bytes)"; the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = [
    k.strip()
    for k in _required_secret("LIFELINE_FIELD_KEYS", "field_keys", "k1:").split(",")
    if k.strip()
]
# The audit chain's HMAC key: a secret the database does not hold, so nobody with only database
# access can re-hash a rewritten chain (lifeline/core/audit.py). Any string; 32 random bytes in
# urlsafe base64 as the field keys are made.
AUDIT_KEY = _required_secret("LIFELINE_AUDIT_KEY", "audit_key")
# The Ed25519 seed that signs audit checkpoints (lifeline/core/checkpoints.py): urlsafe base64 of
# 32 random bytes. `lifeline audit checkpoint --public-key` prints the key that verifies them.
AUDIT_SIGNING_KEY = _required_secret("LIFELINE_AUDIT_SIGNING_KEY", "audit_signing_key")

# The keys of the hashes that find a conversation by its identity (lifeline.core.lookup), in
# the same form: the first hashes, all are looked up while re-hashing (`lifeline keys rehash`).
LOOKUP_KEYS = [
    k.strip()
    for k in _required_secret("LIFELINE_LOOKUP_KEYS", "lookup_keys", "l1:").split(",")
    if k.strip()
]

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "lifeline.core",
    "lifeline.accounts",
    "lifeline.organisation",
    "lifeline.intake",
    "lifeline.cases",
    "lifeline.channels",
    "lifeline.registry",
    "lifeline.tracing",
    "lifeline.outcomes",
    "lifeline.retention",
    "lifeline.reports",
    "lifeline.public",
    "lifeline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lifeline.core.middleware.ClosedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lifeline.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lifeline.core.csrf.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lifeline.core.middleware.NoStoreMiddleware",
    "lifeline.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "lifeline.urls"
WSGI_APPLICATION = "lifeline.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:queue"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lifeline.core.context_processors.lifeline",
                "lifeline.intake.context_processors.inbox",
                "lifeline.tracing.context_processors.approvals",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_sqlite_path = DATA_DIR / "lifeline.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_sqlite_path}",
        # Tests close every connection, so the test database can be dropped at the end.
        conn_max_age=0 if TESTING else envint("LIFELINE_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue instead of
    # failing with "database is locked"; WAL lets the worker and web read while one writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not ":memory:", so the browser tests' live server uses its own connections.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Who reacts when a lower app reports something (lifeline/core/hooks.py). Handlers run in order, in
# the caller's transaction.
LIFELINE_HOOKS: dict[str, list[str]] = {
    # The inbox filed an inbound message (intake.inbox): contact, awaits_reply.
    "contact_filed": [
        "lifeline.cases.handlers.contact_filed",
        "lifeline.tracing.handlers.contact_filed",
    ],
    # An operator logged a call (cases.calls): contact.
    "call_logged": ["lifeline.tracing.handlers.call_logged"],
    # `lifeline worker` sweeps for lost work every INBOX_SWEEP_SECONDS: no arguments.
    # inbox_sweep re-queues lost work; checkpoint_sweep writes a signed audit checkpoint each
    # LIFELINE_AUDIT_CHECKPOINT_SECONDS; purge_if_due runs the daily purge once a day has passed;
    # registry_tally_if_due recounts the registry for the reports each REGISTRY_TALLY_SECONDS.
    "worker_sweep": [
        "lifeline.intake.inbox.inbox_sweep",
        "lifeline.core.checkpoints.checkpoint_sweep",
        "lifeline.retention.services.purge_if_due",
        "lifeline.registry.tally.registry_tally_if_due",
    ],
    # registry.services, after any change to a person (person_id=), or registry.imports after
    # an import changed many (person_ids=): re-match open enquiries once the change has
    # committed, and look for duplicates.
    "registry_changed": ["lifeline.tracing.handlers.registry_changed"],
    # registry.services.person_merge: each app moves its own rows to the record kept and adds
    # what it moved to the audit detail (keep=, merge=, merged_at=, detail=, actor=).
    "person_merged": [
        "lifeline.tracing.handlers.person_merged",
        "lifeline.outcomes.handlers.person_merged",
    ],
    # registry.imports, before an import is undone: each app adds to `links` (person id ->
    # reasons, in words) what an officer linked to these persons, which refuses the undo.
    "persons_linked": [
        "lifeline.tracing.handlers.persons_linked",
        "lifeline.outcomes.handlers.persons_linked",
    ],
    # registry.imports, as an import is undone: each app removes what the system made for
    # these persons by itself (proposed candidates, open duplicate pairs) and adds it to
    # `detail` (actor=, person_ids=, detail=).
    "persons_removing": ["lifeline.tracing.handlers.persons_removing"],
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("LIFELINE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Channels and the inbox ------------------------------------------------------------------
# One adapter per channel (lifeline/channels/<kind>/); see docs/operations.md.
LIFELINE_CHANNELS = {
    "web": "lifeline.channels.web.adapter.WebAdapter",
    "telegram": "lifeline.channels.telegram.adapter.TelegramAdapter",
    "email": "lifeline.channels.email.adapter.EmailAdapter",
    "phone": "lifeline.channels.phone.adapter.PhoneAdapter",
    "whatsapp": "lifeline.channels.whatsapp.adapter.WhatsAppAdapter",
}
# Failed processing or sending is retried after 30 s, 1, 2, 4 ... min (at most an hour);
# after INBOX_MAX_ATTEMPTS it waits in the console's failed-intake list.
INBOX_RETRY_BASE_SECONDS = envint("LIFELINE_INBOX_RETRY_BASE_SECONDS", 30)
INBOX_MAX_ATTEMPTS = envint("LIFELINE_INBOX_MAX_ATTEMPTS", 8)
# Work still not done this long after it was due is queued again by the worker's sweep.
INBOX_LEASE_SECONDS = envint("LIFELINE_INBOX_LEASE_SECONDS", 120)
INBOX_SWEEP_SECONDS = envint("LIFELINE_INBOX_SWEEP_SECONDS", 30)
# Signed audit checkpoints, one JSON line each, appended to this file (put it on another volume,
# append-only, shipped off-host: docs/operations.md "Audit log integrity") and logged to the
# `lifeline.audit.checkpoint` logger (route it to syslog). The worker writes one when this many
# seconds have passed since the last; `lifeline audit checkpoint` writes one at once.
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("LIFELINE_AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit-checkpoints.jsonl")
)
AUDIT_CHECKPOINT_SECONDS = envint("LIFELINE_AUDIT_CHECKPOINT_SECONDS", 3600)
INBOX_SWEEP_BATCH = 1000
# The dashboard's and the public statistics' registry counts are recounted by the worker's sweep
# when this many seconds have passed; a page recounts itself only when the count is more than
# twice as old (no worker running) or missing.
REGISTRY_TALLY_SECONDS = envint("LIFELINE_REGISTRY_TALLY_SECONDS", 300)
# Bulk import of persons (registry.imports, docs/import.md): the largest file and the most rows
# read, and the engine's score from which a row is proposed as a person already in the registry
# (between the engine's threshold and this, a person decides). A percentage in the environment.
IMPORT_MAX_BYTES = envint("LIFELINE_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("LIFELINE_IMPORT_MAX_ROWS", 100_000)
IMPORT_SAME_PERSON_SCORE = envint("LIFELINE_IMPORT_SAME_PERSON_PERCENT", 90) / 100
# A file uploaded in the console is kept (encrypted) until its preview is made; one left behind
# goes with the next upload after this many hours.
IMPORT_UPLOAD_HOURS = envint("LIFELINE_IMPORT_UPLOAD_HOURS", 24)
# A list longer than this is matched and applied by the worker, not while the page waits
# (registry/import_jobs.py): the web request would be cut off first.
IMPORT_INLINE_ROWS = envint("LIFELINE_IMPORT_INLINE_ROWS", 500)
# Matching a whole list (registry.lists, docs/lists.md): two candidates of a row this near in
# score (percentage points) are "several close", for a person to tell apart.
LIST_CLOSE_MARGIN = envint("LIFELINE_LIST_CLOSE_PERCENT", 5) / 100
# Files that come with a message; larger ones are refused with a note to the sender.
ATTACHMENT_MAX_BYTES = envint("LIFELINE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# What cleaning one file may cost. A picture of more pixels is kept as it came, uncleaned and
# flagged, without being decoded; images and documents are decoded in a child process that
# may take this much memory beyond its own and this long (lifeline/intake/attachments/sandbox.py).
# 48-megapixel RGB photos fit in the memory default.
ATTACHMENT_MAX_PIXELS = envint("LIFELINE_ATTACHMENT_MAX_PIXELS", 50_000_000)
ATTACHMENT_CLEANING_MEMORY_BYTES = envint("LIFELINE_ATTACHMENT_CLEANING_MEMORY", 512 * 1024 * 1024)
ATTACHMENT_CLEANING_SECONDS = envint("LIFELINE_ATTACHMENT_CLEANING_SECONDS", 60)
# The address people reach the public site at; used in bot messages and provider signatures.
PUBLIC_BASE_URL = os.environ.get("LIFELINE_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

TELEGRAM_BOT_TOKEN = envstr("TELEGRAM_BOT_TOKEN")
TELEGRAM_WEBHOOK_SECRET = envstr("TELEGRAM_WEBHOOK_SECRET")
TELEGRAM_API_BASE = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")

# WhatsApp Business Cloud API (docs/operations.md "WhatsApp"): the number's id at Meta, a
# system user's access token, the app's secret (it signs every webhook POST), the token the
# webhook's subscription handshake must show, and the Graph API's address (tests: a stand-in).
WHATSAPP_PHONE_NUMBER_ID = envstr("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_ACCESS_TOKEN = envstr("WHATSAPP_ACCESS_TOKEN")
WHATSAPP_APP_SECRET = envstr("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = envstr("WHATSAPP_VERIFY_TOKEN")
WHATSAPP_API_BASE = os.environ.get("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0").rstrip(
    "/"
)
# The message templates approved at Meta, offered when the 24-hour window has closed.
WHATSAPP_TEMPLATES_FILE = Path(
    os.environ.get("WHATSAPP_TEMPLATES_FILE", DATA_DIR / "whatsapp-templates.yaml")
)

# Inbound mail: `lifeline smtpd` listens here; a mail server relays the hotline address to it.
SMTPD_HOST = os.environ.get("LIFELINE_SMTPD_HOST", "127.0.0.1")
SMTPD_PORT = envint("LIFELINE_SMTPD_PORT", 8025)
# The longest line of a message taken. RFC 5321 says 1,000 bytes, but Outlook writes longer
# ones and relays pass them on (Postfix up to 2,048 by default): a lower limit would bounce
# real mail. The size of the whole message stays bounded (ATTACHMENT_MAX_BYTES).
SMTPD_MAX_LINE_BYTES = max(envint("LIFELINE_SMTPD_MAX_LINE_BYTES", 1024 * 1024), 2048)
# The addresses mail is accepted for; empty accepts any recipient the relay hands over.
HOTLINE_EMAIL_ADDRESSES = [
    a.strip().lower() for a in os.environ.get("LIFELINE_HOTLINE_EMAILS", "").split(",") if a.strip()
]

# Voice provider (Twilio-style call status webhooks), verified by X-Twilio-Signature.
VOICE_AUTH_TOKEN = envstr("LIFELINE_VOICE_AUTH_TOKEN")

# The console's queue fetches its rows again every this many seconds while it is open (its
# own script, lifeline/static/lifeline/queue.js); 0 turns that off: the "Refresh" link remains.
QUEUE_REFRESH_SECONDS = envint("LIFELINE_QUEUE_REFRESH_SECONDS", 20)

# --- Passwords, login, two-factor -----------------------------------------------------------
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Staff must pass TOTP unless their account is explicitly exempt (only the demo users are).
LIFELINE_REQUIRE_2FA = envbool("LIFELINE_REQUIRE_2FA", True)
LOGIN_THROTTLE_LIMIT = envint("LIFELINE_LOGIN_THROTTLE_LIMIT", 5)
LOGIN_THROTTLE_WINDOW = envint("LIFELINE_LOGIN_THROTTLE_WINDOW", 15 * 60)
# Password checks (argon2) that browsers not known to the user may cause, site-wide, per window:
# names sprayed at the login form cannot spend more than a fraction of a core on hashing.
LOGIN_PASSWORD_BUDGET = envint("LIFELINE_LOGIN_PASSWORD_BUDGET", 10)
LOGIN_PASSWORD_WINDOW = envint("LIFELINE_LOGIN_PASSWORD_WINDOW", 10)
OTP_TOTP_ISSUER = os.environ.get("LIFELINE_OTP_ISSUER", "Lifeline")
# An enrolment link (an invite, or a reset second factor) works this many hours.
LIFELINE_INVITE_HOURS = envint("LIFELINE_INVITE_HOURS", 72)

# Receipt secrets are hashed with argon2id; tests lower the cost to stay fast.
RECEIPT_ARGON2 = {
    "time_cost": envint("LIFELINE_RECEIPT_ARGON2_TIME", 1 if TESTING else 3),
    "memory_cost": envint("LIFELINE_RECEIPT_ARGON2_MEMORY", 1024 if TESTING else 65536),
    "parallelism": 1,
}
# Receipts are checked with a keyed hash; only receipts issued before that still need argon2.
# Anonymous requests may cause at most this many argon2 checks per window, site-wide (about a
# tenth of one core at the production cost); beyond it the status page asks to retry shortly.
RECEIPT_ARGON2_BUDGET = envint("LIFELINE_RECEIPT_ARGON2_BUDGET", 4)
RECEIPT_ARGON2_WINDOW = envint("LIFELINE_RECEIPT_ARGON2_WINDOW", 10)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("uk", _("Ukrainian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# lifeline/static is the project's own folder, not an app's: the finders must be told of it.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if DEV_KEYS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it; collectstatic fills it

# --- Security (one block) -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# No referrer at all; lifeline.core.csrf accepts the `Origin: null` that browsers then send.
SECURE_REFERRER_POLICY = "no-referrer"
# W003 looks for Django's CSRF middleware by name; ours subclasses it (tests/core/test_csrf.py).
SILENCED_SYSTEM_CHECKS = ["security.W003"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("LIFELINE_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
# A year-long csrftoken would stay on a searched phone as proof the hotline was used: it ends
# with the browser, and only pages with a form set it (docs/decisions/0001).
CSRF_COOKIE_AGE = None
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "lifeline.core.views.csrf_failure"
_HTTPS = envbool("LIFELINE_HTTPS", not DEBUG and not DEV_KEYS)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
LANGUAGE_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS and envbool("LIFELINE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = envint("LIFELINE_HSTS_SECONDS", 31536000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("LIFELINE_BEHIND_PROXY") else None
)
# No public page runs script; styles and images come only from our own origin. Console pages
# add our own scripts and requests back to us (core.access.CONSOLE_CSP, decision 0014).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}
# Request bodies above this get 413 before they are read.
LIFELINE_MAX_BODY_BYTES = envint("LIFELINE_MAX_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = LIFELINE_MAX_BODY_BYTES
# The pages that take a larger body: the console's import upload and its list to match (a file
# of up to IMPORT_MAX_BYTES and its form). deploy/nginx/lifeline.conf gives them the same limit.
LIFELINE_LARGE_BODY_PATHS = {
    path: IMPORT_MAX_BYTES + 64 * 1024
    for path in ("/console/registry/imports/new/", "/console/registry/lists/")
}
PUBLIC_MESSAGE_MAX_CHARS = 10_000

# --- Logging: never a visitor's address or agent, never message content at INFO -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "pymorphy3": {"level": "WARNING"},
        # aiosmtpd logs every sender and recipient address at INFO.
        "mail.log": {"level": "WARNING"},
        # httpx logs every request's URL at INFO, and a Bot API URL holds the bot's token.
        "httpx": {"level": "WARNING"},
        # fpdf2's font subsetting logs every capture card at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# Replies by e-mail go out over SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD,
# EMAIL_USE_TLS). The demo has no mail server: it writes them into DATA_DIR/outbox instead.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEV_KEYS
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "lifeline@localhost")
