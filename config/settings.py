"""Tanzim settings: one module, every value from the environment.

The embedded mode (SQLite under ``var/``, tasks executed eagerly, messages kept in the outbox
and shown in the UI, simulated bank, identity and judiciary) is opt-in: ``TANZIM_EMBEDDED=1``,
which ``make run`` sets. Everything else is a production site, and the deployment checks
(``tanzim/common/checks.py``, ``manage.py check --deploy``; ``config/wsgi.py`` runs them at
start-up) refuse to serve one that still carries an embedded default: the development secret
key, the outbox in the UI, simulated adapters, the local-memory cache, eager Celery, ``DEBUG``,
or no HSTS, SSL redirect and proxy header. docs/operations.md and deploy/production.env.example.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.env import EMBEDDED_SECRET_KEY, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TANZIM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Opt-in only (make run sets it); the test suite's SQLite pass sets it in config/test_settings.py.
EMBEDDED = env_bool("TANZIM_EMBEDDED", False)

# Without SECRET_KEY the development key is used, so that tools (mypy, makemigrations, check)
# load the settings anywhere; outside the embedded mode the check tanzim.E001 refuses it.
SECRET_KEY = env_str("SECRET_KEY", EMBEDDED_SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# People's stored files are served from this origin (https://files.example.ir): a host of its own that
# sees no cookie. Empty: the site's own origin. Its host is allowed (docs/operations.md, "Files").
FILES_ORIGIN = env_str("FILES_ORIGIN", "").rstrip("/")
if FILES_ORIGIN:
    from urllib.parse import urlsplit

    _files = urlsplit(FILES_ORIGIN)
    if _files.scheme not in ("http", "https") or not _files.hostname or _files.path:
        raise ImproperlyConfigured("FILES_ORIGIN must be an origin such as https://files.example.ir")
    ALLOWED_HOSTS.append(_files.hostname)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Tanzim apps, in layer order: an app imports only those above it.
    "tanzim.common",
    "tanzim.audit",
    "tanzim.notify",
    "tanzim.offices",
    "tanzim.accounts",
    "tanzim.catalog",
    "tanzim.finance",
    "tanzim.cases",
    "tanzim.scheduling",
    "tanzim.disputes",
    "tanzim.consult",
    "tanzim.partners",
    "tanzim.enforcement",
    "tanzim.feedback",
    "tanzim.inspections",
    "tanzim.outreach",
    "tanzim.ranking",
    "tanzim.membership",
    "tanzim.dashboards",
    "tanzim.opendata",
    "tanzim.web",
]

MIDDLEWARE = [
    # First: every answer, a redirect or an error too, carries the request id its logs carry.
    "tanzim.common.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tanzim.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tanzim.common.middleware.ApiTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tanzim.common.middleware.ApiJsonDepthMiddleware",
    # A NUL character in the address or a form: 400 (PostgreSQL cannot take one; a filter would 500).
    "tanzim.common.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A session that owes the second sign-in step (or the enrolment its roles require) sees only that page.
    "tanzim.web.signin.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 405 and 429 (no Django handler): the site's error page, or the envelope under /api/.
    "tanzim.common.error_views.ErrorPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tanzim.web.context_processors.tanzim",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tanzim.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Persistent connections: a connection is kept this many seconds between requests (0: one per
# request). On by default for PostgreSQL outside the embedded mode, where opening a connection
# costs more than a light request (bench/connections_bench.py); the health check pings a kept
# connection before a request reuses it, so a restarted server costs no failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "DB_CONN_MAX_AGE", 60 if _POSTGRES and not EMBEDDED else 0, minimum=0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the dev server read while a seeding command writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
elif not env_bool("DB_JIT", False):
    # PostgreSQL's JIT compiles any plan it costs above 100,000, which short office-scoped reads
    # over big tables reach: a 20 ms board query then spent 580 ms compiling. Off for the app.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if _POSTGRES:
    # A database that does not answer fails a request (and /readyz) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5, minimum=1
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- cache, Celery --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Timeouts (seconds) so that a Redis that does not answer fails fast instead of hanging a worker.
    _REDIS_TIMEOUT = env_int("REDIS_TIMEOUT", 3, minimum=1)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": _REDIS_TIMEOUT, "socket_timeout": _REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process's own memory, for small reference rows read on hot paths and allowed to be a minute
# stale (the catalogue's services when booking): a dictionary lookup instead of a round trip to
# Redis and an unpickled model. Never for anything one node writes and another must see.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tanzim-local"}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Late acknowledgement: a task whose worker died (SIGKILL, OOM, a lost machine) stays unacknowledged
# and Redis hands it to another worker once it has been out this many seconds (the default is an
# hour). Short, so a killed worker's tasks come back in about two minutes; the outbox sweep
# (deliver_pending, every 30 s) owns the recovery of SMS whatever the broker does. A task that runs
# longer than this, or waits longer for its countdown, is handed out again while it runs: the long
# ones are acknowledged when they start (CELERY_TASK_ANNOTATIONS below) and every task is safe to
# run twice. docs/operations.md, "Celery: late acknowledgement".
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 120, minimum=5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages to hand out again (every interval, no throttling).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
}
# A worker reserves one message per process beyond the ones it runs: a message waiting in a busy
# worker's hands is not the one a free worker waits for (nor handed out again when it times out).
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=1)
# Beat's long runs (minutes): acknowledged when they start, so the short visibility timeout never
# hands a running one to a second worker; a run lost with its worker is made by the next schedule.
CELERY_TASK_ANNOTATIONS = {
    name: {"acks_late": False}
    for name in (
        "tanzim.scheduling.tasks.rebalance_flexible_requests",
        "tanzim.scheduling.tasks.extend_slots",
        "tanzim.scheduling.tasks.regenerate_all_slots",
        "tanzim.scheduling.tasks.refresh_office_stats",
        "tanzim.finance.tasks.settle_last_month",
        "tanzim.ranking.tasks.execute_run",
        "tanzim.inspections.tasks.draw_free_service_samples",
    )
}
CELERY_TASK_IGNORE_RESULT = True
# A worker logs through LOGGING above (JSON, masked, with the request id), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Tehran"
CELERY_BEAT_SCHEDULE = {
    "notify-deliver-pending": {"task": "tanzim.notify.tasks.deliver_pending", "schedule": 30.0},
}

# --- growing past one machine (docs/scaling.md) ---------------------------------------
# Sessions. With Redis (production) they are "cached_db": read from Redis, written through to the
# database. A Redis flush, failover or eviction then costs one database read per session, never a
# sign-out (a citizen half way through a payment, a clerk at the counter); "cache" alone would sign
# out the whole nation at once. Their own cache alias, so a session is never evicted to make room
# for a page fragment: SESSION_REDIS_URL (default REDIS_URL) may name a Redis database or instance
# of its own (Django's cache.clear() flushes the whole Redis database). Without Redis (the embedded
# mode): the database only, as before. Rate limits and lock-outs count in the default cache
# (tanzim.common.ratelimit), which is Redis whenever REDIS_URL is set: every web node shares them.
if REDIS_URL:
    CACHES["sessions"] = {
        **CACHES["default"],
        "LOCATION": env_str("SESSION_REDIS_URL", REDIS_URL),
        "KEY_PREFIX": "session",
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"

# Behind pgbouncer in transaction pooling mode, a server-side cursor (QuerySet.iterator()) may lose
# its connection between two fetches: set DB_DISABLE_SERVER_SIDE_CURSORS=true there (docs/scaling.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)

# A read replica (PostgreSQL streaming replication, or any copy that lags by seconds): the pages
# that only read public or aggregate figures send their reads to it (tanzim.common.dbrouter, and
# DATABASE_REPLICA_VIEWS below); writes, and every read after a write or inside a transaction, go
# to the primary. Unset: everything on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_HEALTH_CHECKS"]
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    # Only a test run makes a database for it (tables only: the data migrations write through the
    # default alias); a real replica gets its schema and rows by streaming from the primary.
    DATABASES["replica"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_replica", "MIGRATE": False}
# The alias the router reads from ("": no replica). The tests set it to use a replica of their own.
DATABASE_READ_REPLICA = "replica" if DATABASE_REPLICA_URL else ""
DATABASE_ROUTERS = ["tanzim.common.dbrouter.ReplicaRouter"]
MIDDLEWARE.append("tanzim.common.dbrouter.ReplicaReadsMiddleware")
# The pages whose reads may come from the replica (URL names): public pages, the public ranking and
# its open data, the open dashboards. Figures a few seconds old are right there; a page that shows
# what its reader has just done is not in this list.
DATABASE_REPLICA_VIEWS = env_list(
    "DATABASE_REPLICA_VIEWS",
    [
        "web:index",
        "web:directory",
        "ranking:public",
        "ranking:open-data-csv",
        "ranking:open-data-json",
        "feedback:results",
        "feedback:office-results",
        "disputes:overview",
        "disputes:figures",
    ],
)

# Celery queues by kind, so a slow PDF or a ranking run never delays a one-time code. Every task of
# the project is named here (tanzim/common/tests/test_task_queues.py fails on one that is not);
# deploy/entrypoint.sh's worker consumes every queue unless CELERY_QUEUES names some (a dedicated
# worker). docs/scaling.md.
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUE_NAMES = ("default", "sms", "pdf", "ranking", "sweeps")
TASK_QUEUES: dict[str, str] = {
    # Messages to people: one-time codes, reminders, the outbox sweep that resends them.
    "tanzim.notify.tasks.deliver_message": "sms",
    "tanzim.notify.tasks.deliver_pending": "sms",
    # Documents rendered by WeasyPrint (seconds each).
    "tanzim.disputes.tasks.render_settlement_pdf": "pdf",
    "tanzim.disputes.tasks.render_award_pdf": "pdf",
    # Long computations (minutes): the ranking runs and the nightly rebalancing solve.
    "tanzim.ranking.tasks.execute_run": "ranking",
    "tanzim.scheduling.tasks.rebalance_flexible_requests": "ranking",
    # Periodic sweeps started by beat.
    "tanzim.cases.tasks.file_pending": "sweeps",
    "tanzim.disputes.tasks.sweep_deadlines": "sweeps",
    "tanzim.feedback.tasks.publish_survey_results": "sweeps",
    "tanzim.finance.tasks.payments_reconcile": "sweeps",
    "tanzim.finance.tasks.settle_last_month": "sweeps",
    "tanzim.inspections.tasks.remind_overdue_actions": "sweeps",
    "tanzim.inspections.tasks.draw_free_service_samples": "sweeps",
    "tanzim.privacy.tasks.scan_confidential_reads": "sweeps",
    "tanzim.privacy.tasks.purge_expired": "sweeps",
    "tanzim.scheduling.tasks.send_due_reminders": "sweeps",
    "tanzim.scheduling.tasks.mark_no_shows": "sweeps",
    "tanzim.scheduling.tasks.regenerate_all_slots": "sweeps",
    "tanzim.scheduling.tasks.extend_slots": "sweeps",
    "tanzim.scheduling.tasks.refresh_office_stats": "sweeps",
    "tanzim.scheduling.tasks.close_queues": "sweeps",
    "tanzim.audit.tasks.archive_old_rows": "sweeps",
    "tanzim.consult.tasks.refund_overdue_consultations": "sweeps",
    "tanzim.partners.tasks.deliver_due": "sweeps",
    "tanzim.partners.tasks.remind_overdue": "sweeps",
    "tanzim.enforcement.tasks.auction_sweep": "sweeps",
    "tanzim.membership.tasks.remind_overdue_applications": "sweeps",
    "tanzim.membership.tasks.remind_loan_arrears": "sweeps",
    "tanzim.dashboards.tasks.refresh_rollups": "sweeps",
    "tanzim.disputes.tasks.warm_public_figures": "sweeps",
    "tanzim.opendata.tasks.warm_tables": "sweeps",
    # One piece of work a request queued: filing a case, a refund, invitations, slots of an office.
    "tanzim.cases.tasks.file_case": "default",
    "tanzim.finance.tasks.execute_refund": "default",
    "tanzim.feedback.tasks.send_survey_invitations": "default",
    "tanzim.inspections.tasks.trigger_for_complaint": "default",
    "tanzim.scheduling.tasks.regenerate_office_slots": "default",
    "tanzim.partners.tasks.deliver": "default",
    "tanzim.enforcement.tasks.ask_agency": "default",
}
CELERY_TASK_ROUTES = ["tanzim.common.taskqueues.route"]

# Archive of the tables that grow without bound (manage.py archive_old_rows, nightly): rows older
# than the horizon (days; 0 keeps them) are written to gzip JSONL under ARCHIVE_DIR with a SHA-256
# manifest, then deleted in batches. Volume, not privacy: personal data is purged earlier by
# tanzim.privacy's retention rules (a message's text after RETENTION_MESSAGE_BODY_DAYS).
from celery.schedules import crontab as _crontab  # noqa: E402

ARCHIVE_DIR = Path(env_str("ARCHIVE_DIR", str(VAR_DIR / "archive")))
ARCHIVE_AUDIT_DAYS = env_int("ARCHIVE_AUDIT_DAYS", 3 * 365, minimum=0)
ARCHIVE_SURVEY_DAYS = env_int("ARCHIVE_SURVEY_DAYS", 3 * 365, minimum=0)
ARCHIVE_MESSAGE_DAYS = env_int("ARCHIVE_MESSAGE_DAYS", 2 * 365, minimum=0)
ARCHIVE_SLOT_DAYS = env_int("ARCHIVE_SLOT_DAYS", 90, minimum=0)
# Rows per file, each file one transaction that writes it, records it and deletes its rows.
ARCHIVE_BATCH_SIZE = env_int("ARCHIVE_BATCH_SIZE", 10_000, minimum=10)
CELERY_BEAT_SCHEDULE["audit-archive-old-rows"] = {
    "task": "tanzim.audit.tasks.archive_old_rows",
    "schedule": _crontab(hour=4, minute=20),
}
CELERY_TASK_ANNOTATIONS["tanzim.audit.tasks.archive_old_rows"] = {"acks_late": False}
# --- end growing past one machine -----------------------------------------------------

# --- auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:sign-in"  # staff pages → password, citizens' → one-time code (web/signin.py)
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:index"

OTP_LENGTH = env_int("OTP_LENGTH", 6, minimum=4)
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 120, minimum=30)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5, minimum=1)
OTP_REQUESTS_PER_HOUR = env_int("OTP_REQUESTS_PER_HOUR", 5, minimum=1)
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Staff sign-in (tanzim.accounts.services.staff_sign_in, docs/operations.md): after
# LOGIN_MAX_FAILURES failures an account waits 2^n seconds before each further try, at most
# LOGIN_LOCKOUT_SECONDS; a right password with a right second factor is let in and lifts the wait.
# Failures are counted per account over LOGIN_FAILURE_WINDOW_SECONDS, per client address and in
# total (global ceiling) over LOGIN_IP_WINDOW_SECONDS; above the ceiling every account waits from
# its first failure and an address gets a quarter of its allowance.
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 86400, minimum=60)
LOGIN_IP_MAX_FAILURES = env_int("LOGIN_IP_MAX_FAILURES", 20, minimum=4)
LOGIN_IP_WINDOW_SECONDS = env_int("LOGIN_IP_WINDOW_SECONDS", 900, minimum=60)
LOGIN_GLOBAL_MAX_FAILURES = env_int("LOGIN_GLOBAL_MAX_FAILURES", 500, minimum=10)
# Two-factor sign-in (TOTP, RFC 6238) for staff: required for these roles (and superusers),
# optional for the others. The secrets are encrypted with TWO_FACTOR_KEYS (comma-separated Fernet
# keys, newest first; unset: a key derived from SECRET_KEY).
TWO_FACTOR_REQUIRED_ROLES = env_list(
    "TWO_FACTOR_REQUIRED_ROLES", ["kanoon_admin", "province_admin", "inspector"]
)
TWO_FACTOR_ISSUER = env_str("TWO_FACTOR_ISSUER", "Tanzim")
TWO_FACTOR_KEYS = env_list("TWO_FACTOR_KEYS", [])
TWO_FACTOR_MAX_FAILURES = env_int("TWO_FACTOR_MAX_FAILURES", 5, minimum=1)
TWO_FACTOR_WINDOW_SECONDS = env_int("TWO_FACTOR_WINDOW_SECONDS", 900, minimum=60)
# How long the second step may follow the password (seconds).
TWO_FACTOR_PENDING_SECONDS = env_int("TWO_FACTOR_PENDING_SECONDS", 300, minimum=60)
# API tokens (tanzim.accounts.authentication): a new one at each sign-in, valid this many seconds.
API_TOKEN_TTL = env_int("API_TOKEN_TTL", 12 * 3600, minimum=300)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# "private": people's files (case and dispute documents, complaint attachments, free-service
# proofs, signed settlements and awards), encrypted with AES-256-GCM under FIELD_ENCRYPTION_KEYS
# before they are stored (tanzim.common.storage, docs/operations.md "Files"). Where: MEDIA_STORAGE
# "filesystem" (the default: under MEDIA_ROOT, and in its backups) or "s3": an S3-compatible bucket
# through django-storages (MinIO, Ceph RGW, ArvanCloud, AWS; docs/scaling.md, Media).
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem").strip().lower()
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'filesystem' or 's3', not {MEDIA_STORAGE!r}.")
MEDIA_S3: dict[str, Any] = {
    "bucket_name": env_str("MEDIA_S3_BUCKET", ""),
    "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
    "region_name": env_str("MEDIA_S3_REGION", "") or None,
    "access_key": env_str("MEDIA_S3_ACCESS_KEY_ID", ""),
    "secret_key": env_str("MEDIA_S3_SECRET_ACCESS_KEY", ""),
    "location": env_str("MEDIA_S3_PREFIX", "private").strip("/"),
    "addressing_style": env_str("MEDIA_S3_ADDRESSING_STYLE", "") or None,  # "path" for most peers
}
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "tanzim.common.storage.EncryptedFileSystemStorage"}
    if MEDIA_STORAGE == "filesystem"
    else {"BACKEND": "tanzim.common.storage_s3.EncryptedS3Storage", "OPTIONS": MEDIA_S3},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or EMBEDDED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = EMBEDDED or DEBUG
# Source maps (7 of the 12.7 MB collected: the API docs' bundles, DRF's Bootstrap) are fetched only
# by a browser's developer tools; compressing them (gzip and Brotli) was half of collectstatic's
# CPU time on every release build. They are served as they are.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Files served at the site's root, as browsers and crawlers ask for them: /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "tanzim" / "web" / "root"
# Names without a hash (the root files) are cached an hour; hashed names for a year (below).
WHITENOISE_MAX_AGE = 0 if WHITENOISE_USE_FINDERS else 3600
STATIC_IMMUTABLE_MAX_AGE = 365 * 24 * 3600


def _static_cache_headers(headers, path, url):
    """A hashed name (tanzim.3f2a1c9e.css) never changes content: a year, immutable (RFC 8246)."""
    if "immutable" in (headers.get("Cache-Control") or ""):
        headers["Cache-Control"] = f"max-age={STATIC_IMMUTABLE_MAX_AGE}, public, immutable"


WHITENOISE_ADD_HEADERS_FUNCTION = _static_cache_headers
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not EMBEDDED and not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (tanzim.common.middleware): forms may post only to Tanzim and to these
# origins (a payment provider's page, e.g. https://pay.example.ir).
CSP_FORM_ACTION = env_list("CSP_FORM_ACTION", [])
# Permissions-Policy: the browser features no page uses are switched off; the appointment finder
# asks for the location on Tanzim's own origin only.
PERMISSIONS_POLICY = env_str(
    "PERMISSIONS_POLICY",
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), fullscreen=(self), "
    "geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()",
)
# Under /api/ a CSRF refusal is JSON in the error envelope, like every other API answer.
CSRF_FAILURE_VIEW = "tanzim.common.error_views.csrf_failure"
# HTTPS. Off by default (the embedded mode and the tests speak plain HTTP); a production site
# must set all of them, or the deployment check refuses to start it (tanzim.E008-E010).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The probes of an orchestrator speak plain HTTP to the node itself: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# "HTTP_X_FORWARDED_PROTO,https": the header the reverse proxy sets on an HTTPS request (the
# proxy must overwrite any such header a client sends).
_PROXY_SSL_HEADER = env_list("SECURE_PROXY_SSL_HEADER", [])
if _PROXY_SSL_HEADER and len(_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER[0], _PROXY_SSL_HEADER[1]) if _PROXY_SSL_HEADER else None
# The client's address behind the reverse proxy, for rate limits and lock-outs (common.http.client_ip):
# the header the proxy sets (HTTP_X_FORWARDED_FOR or HTTP_X_REAL_IP; the proxy must overwrite or
# append to what a client sends) and how many proxies of ours append to it. Empty: the peer address.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")
CLIENT_IP_PROXY_COUNT = env_int("CLIENT_IP_PROXY_COUNT", 1, minimum=1)
# A staging site may run the simulated bank, identity registry, judiciary and SMS outbox; the
# deployment check then warns (tanzim.W001) instead of refusing (tanzim.E003).
ALLOW_SIMULATED_ADAPTERS = env_bool("ALLOW_SIMULATED_ADAPTERS", False)
# Django's own list of checks to silence, e.g. tanzim.W001 for a known staging site.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tanzim.accounts.authentication.ApiTokenAuthentication",
        "tanzim.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tanzim.common.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's parsers, with a bound on how deeply a JSON body nests (tanzim.common.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "tanzim.common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# A JSON body nested deeper than this is refused (400) before anything walks it.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32, minimum=4)
# An uploaded image whose header declares more pixels than this is refused before it is decoded.
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 64_000_000, minimum=1_000_000)
# A PDF whose streams inflate to more than this in total is refused (a decompression bomb).
UPLOAD_PDF_MAX_INFLATED_BYTES = env_int(
    "UPLOAD_PDF_MAX_INFLATED_BYTES", 50 * 1024 * 1024, minimum=1024 * 1024
)
# ClamAV: clamd's Unix socket path or host:port. Set, every upload is scanned and refused (fail
# closed) when infected or when clamd cannot answer within CLAMAV_TIMEOUT_SECONDS.
CLAMAV_SOCKET = env_str("CLAMAV_SOCKET", "")
CLAMAV_TIMEOUT_SECONDS = env_int("CLAMAV_TIMEOUT_SECONDS", 30, minimum=1)
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Tanzim API",
    "DESCRIPTION": "Electronic Judicial Service Offices: offices, services, fees, accounts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation lists the error answers the project's layers give it (400, 401/403, 404 …).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tanzim.common.api.document_error_answers",
    ],
    # Each choice set gets one stable name. Without one, two sets behind fields of the same name
    # ("status", "kind", "role") become hash-suffixed names like Status3afEnum that change with the
    # code. The apps with many sets (finance, scheduling, disputes, ranking) add theirs below.
    "ENUM_NAME_OVERRIDES": {
        "PreferredLanguageEnum": "tanzim.accounts.choices.Language",
        "OfficeStatusEnum": "tanzim.offices.choices.OfficeStatus",
        "LicenceKindEnum": "tanzim.offices.choices.LicenceKind",
        "ChannelKindEnum": "tanzim.catalog.choices.ChannelKind",
        "ServiceCategoryEnum": "tanzim.catalog.choices.ServiceCategory",
        "CaseStatusEnum": "tanzim.cases.choices.CaseStatus",
        "CasePartyRoleEnum": "tanzim.cases.choices.PartyRole",
        "CasePartyKindEnum": "tanzim.cases.choices.PartyKind",
        "IdentityMethodEnum": "tanzim.cases.choices.IdentityMethod",
        "ComplaintStatusEnum": "tanzim.feedback.choices.ComplaintStatus",
        "ComplaintCategoryEnum": "tanzim.feedback.choices.ComplaintCategory",
        "InspectionStatusEnum": "tanzim.inspections.choices.InspectionStatus",
        "InspectionKindEnum": "tanzim.inspections.choices.InspectionKind",
        "ChecklistStatusEnum": "tanzim.inspections.choices.ChecklistStatus",
        "CorrectiveActionStatusEnum": "tanzim.inspections.choices.ActionStatus",
        "SeverityEnum": "tanzim.inspections.choices.Severity",
    },
}

# --- messages to people ---------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "tanzim.notify.backends.OutboxOnlyBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@tanzim.local")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
# HttpSmsGateway waits this long for the gateway (connecting, and for each read of its answer).
SMS_GATEWAY_TIMEOUT_SECONDS = env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 10, minimum=1)
# A message claimed for sending this long ago belongs to a worker that died mid-send: the sweep
# takes it over and sends it again with the same Idempotency-Key (the provider must honour it).
# At least twice the gateway timeout, so a send still in progress is never taken over.
NOTIFY_STALE_CLAIM_SECONDS = env_int("NOTIFY_STALE_CLAIM_SECONDS", 60, minimum=2)
if NOTIFY_STALE_CLAIM_SECONDS < 2 * SMS_GATEWAY_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        "NOTIFY_STALE_CLAIM_SECONDS must be at least twice SMS_GATEWAY_TIMEOUT_SECONDS "
        f"({NOTIFY_STALE_CLAIM_SECONDS} < 2 × {SMS_GATEWAY_TIMEOUT_SECONDS})."
    )
# In the embedded default the outbox is shown in the UI so a demo user can read an OTP.
SHOW_OUTBOX_IN_UI = env_bool("SHOW_OUTBOX_IN_UI", EMBEDDED)

# --- money (tanzim.finance) -----------------------------------------------------------
# Which payment gateway adapter takes online payments; "simulated" is the demo/test bank.
FINANCE_GATEWAY = env_str("FINANCE_GATEWAY", "simulated")
# Shared secret for signed gateway callbacks (HMAC-SHA256). A real provider's key must be
# set explicitly; the simulated gateway falls back to a key derived from SECRET_KEY.
_DEV_GATEWAY_SECRET = "embedded-gateway-secret-not-for-production"
if EMBEDDED or DEBUG:
    FINANCE_GATEWAY_SECRET = env_str("FINANCE_GATEWAY_SECRET", _DEV_GATEWAY_SECRET)
elif FINANCE_GATEWAY == "simulated":
    FINANCE_GATEWAY_SECRET = env_str(
        "FINANCE_GATEWAY_SECRET", hashlib.sha256(f"finance-gateway:{SECRET_KEY}".encode()).hexdigest()
    )
else:
    FINANCE_GATEWAY_SECRET = env_str("FINANCE_GATEWAY_SECRET")
# A payment not paid within this many minutes expires (reconciliation closes it at the gateway).
FINANCE_PAYMENT_TTL_MINUTES = env_int("FINANCE_PAYMENT_TTL_MINUTES", 20, minimum=2)
# How long the simulated bank keeps its payment page open.
FINANCE_GATEWAY_SESSION_MINUTES = env_int("FINANCE_GATEWAY_SESSION_MINUTES", 15, minimum=1)
# Free services (note to art. 505 CPC): each office's monthly cap unless the Kanoon sets its own
# (a FreeServiceCap row): how many, and how many rials reimbursed (0: no cap in rials).
FINANCE_FREE_SERVICE_CAP_COUNT = env_int("FINANCE_FREE_SERVICE_CAP_COUNT", 30, minimum=0)
FINANCE_FREE_SERVICE_CAP_RIALS = env_int("FINANCE_FREE_SERVICE_CAP_RIALS", 0, minimum=0)
# Stable OpenAPI names for the money enums (they share field names like "status" with other apps).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PaymentStatusEnum": "tanzim.finance.choices.PaymentStatus",
        "PaymentMethodEnum": "tanzim.finance.choices.PaymentMethod",
        "PaymentPartEnum": "tanzim.finance.choices.PaymentPart",
        "RefundStatusEnum": "tanzim.finance.choices.RefundStatus",
        "SettlementStatusEnum": "tanzim.finance.choices.SettlementStatus",
    }
)
CELERY_BEAT_SCHEDULE["finance-payments-reconcile"] = {
    "task": "tanzim.finance.tasks.payments_reconcile",
    "schedule": 120.0,
}
CELERY_BEAT_SCHEDULE["finance-settle-last-month"] = {
    "task": "tanzim.finance.tasks.settle_last_month",
    "schedule": 6 * 3600.0,
}

# --- logging: no secrets or personal data ---------------------------------------------
# One JSON object per line (tanzim/common/logs.py) outside the embedded mode, a plain line in it.
# Every record carries the request id (X-Request-ID, also in Celery tasks a request queued), and
# the filter masks national codes, mobiles, tokens, secrets and one-time codes before any output.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if EMBEDDED else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "tanzim.common.logs.RequestIdFilter"},
        "personal_data": {"()": "tanzim.common.logs.PersonalDataFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "tanzim.common.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own default is INFO whatever the root says; LOG_LEVEL governs it too.
        "django": {"level": LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
        # Per-task and per-PDF-step chatter drowns what an operator needs to see.
        "celery.app.trace": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- health and readiness (/healthz, /readyz; docs/operations.md) ----------------------
# Each probe of /readyz (database, cache, broker) gives up after this many seconds.
READYZ_TIMEOUT_SECONDS = env_int("READYZ_TIMEOUT_SECONDS", 2, minimum=1)
# /readyz answers 503 when more messages than this wait in the outbox (pending or being sent).
READYZ_OUTBOX_BACKLOG_MAX = env_int("READYZ_OUTBOX_BACKLOG_MAX", 5000, minimum=1)

# --- cases ----------------------------------------------------------------------------
CASES_MAX_UPLOAD_BYTES = env_int("CASES_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
CASES_MAX_PAGES_PER_DOCUMENT = env_int("CASES_MAX_PAGES_PER_DOCUMENT", 60, minimum=1)
CASES_MAX_DOCUMENTS = env_int("CASES_MAX_DOCUMENTS", 20, minimum=1)
# Reviews of a judgment, from its notice: appeal 20 days (art. 336 CPC), cassation 20 days
# (art. 397); two months for a resident abroad (art. 446).
CASES_APPEAL_DAYS = env_int("CASES_APPEAL_DAYS", 20, minimum=1)
CASES_CASSATION_DAYS = env_int("CASES_CASSATION_DAYS", 20, minimum=1)
CASES_IDENTITY_ADAPTER = env_str("CASES_IDENTITY_ADAPTER", "tanzim.cases.adapters.SimulatedIdentityVerifier")
CASES_FILING_ADAPTER = env_str("CASES_FILING_ADAPTER", "tanzim.cases.adapters.SimulatedJudiciary")
CASES_FILING_FAILURE_RATE = env_int("CASES_FILING_FAILURE_PERCENT", 15, minimum=0) / 100
CELERY_BEAT_SCHEDULE["cases-file-pending"] = {"task": "tanzim.cases.tasks.file_pending", "schedule": 60.0}

# --- scheduling (appointments and the office queue) -----------------------------------
# Slots are precomputed this many days ahead; a booking may not be made further out.
SCHEDULING_HORIZON_DAYS = env_int("SCHEDULING_HORIZON_DAYS", 30, minimum=1)
# The nightly rebalancer stops growing neighbourhoods after this long; its answer stays feasible
# and its gap to the optimum proven (tanzim/scheduling/services/flexible/rebalance.py).
SCHEDULING_REBALANCE_MAX_SECONDS = env_int("SCHEDULING_REBALANCE_MAX_SECONDS", 900, minimum=10)
# Length of one slot unit; a service longer than this takes consecutive units.
SCHEDULING_SLOT_MINUTES = env_int("SCHEDULING_SLOT_MINUTES", 15, minimum=5)
# A slot can be booked until this many minutes before it starts.
SCHEDULING_MIN_LEAD_MINUTES = env_int("SCHEDULING_MIN_LEAD_MINUTES", 30, minimum=0)
SCHEDULING_MAX_ACTIVE_BOOKINGS = env_int("SCHEDULING_MAX_ACTIVE_BOOKINGS", 3, minimum=1)
SCHEDULING_CANCEL_CUTOFF_MINUTES = env_int("SCHEDULING_CANCEL_CUTOFF_MINUTES", 120, minimum=0)
SCHEDULING_CHECKIN_EARLY_MINUTES = env_int("SCHEDULING_CHECKIN_EARLY_MINUTES", 15, minimum=0)
SCHEDULING_CHECKIN_LATE_MINUTES = env_int("SCHEDULING_CHECKIN_LATE_MINUTES", 10, minimum=0)
# Share of active counters offered to appointments by default; the rest serve walk-ins.
SCHEDULING_APPOINTMENT_SHARE_PCT = env_int("SCHEDULING_APPOINTMENT_SHARE_PCT", 60, minimum=1)
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE.update(
    {
        "scheduling-send-reminders": {
            "task": "tanzim.scheduling.tasks.send_due_reminders",
            "schedule": 300.0,
        },
        "scheduling-mark-no-shows": {"task": "tanzim.scheduling.tasks.mark_no_shows", "schedule": 300.0},
        "scheduling-refresh-office-stats": {
            "task": "tanzim.scheduling.tasks.refresh_office_stats",
            "schedule": 900.0,
        },
        "scheduling-extend-slots": {
            "task": "tanzim.scheduling.tasks.extend_slots",
            "schedule": crontab(hour=1, minute=15),
        },
        "scheduling-close-queues": {
            "task": "tanzim.scheduling.tasks.close_queues",
            "schedule": crontab(hour=23, minute=30),
        },
        "scheduling-rebalance-flexible-requests": {
            "task": "tanzim.scheduling.tasks.rebalance_flexible_requests",
            "schedule": crontab(hour=2, minute=0),
        },
    }
)
# Stable OpenAPI names for the scheduling choice sets ("status", "kind", "channel" exist elsewhere too).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "AppointmentStatusEnum": "tanzim.scheduling.choices.AppointmentStatus",
        "BookingChannelEnum": "tanzim.scheduling.choices.BookingChannel",
        "TicketKindEnum": "tanzim.scheduling.choices.TicketKind",
        "TicketStatusEnum": "tanzim.scheduling.choices.TicketStatus",
        "FlexibleRequestStatusEnum": "tanzim.scheduling.choices.FlexibleRequestStatus",
    }
)
# --- end scheduling -------------------------------------------------------------------

# --- feedback (surveys and complaints) --------------------------------------------------
# A survey link works once and stops working after this many days.
FEEDBACK_INVITATION_TTL_DAYS = env_int("FEEDBACK_INVITATION_TTL_DAYS", 7, minimum=1)
# At most one survey invitation per citizen (and per phone number) per office in this many days.
FEEDBACK_INVITATION_COOLDOWN_DAYS = env_int("FEEDBACK_INVITATION_COOLDOWN_DAYS", 30, minimum=0)
# Prior weight m of the Bayesian-shrunk satisfaction score (docs/DOMAIN.md).
FEEDBACK_PRIOR_WEIGHT = env_int("FEEDBACK_PRIOR_WEIGHT", 30, minimum=0)
# No survey figure (average, share, count per question) computed from fewer than this many
# answers is ever shown, to the office or to the Kanoon side: "not enough answers yet" instead.
FEEDBACK_MIN_RESPONSES_SHOWN = env_int("FEEDBACK_MIN_RESPONSES_SHOWN", 5, minimum=5)
# An office sees its results as published snapshots (docs/privacy.md), taken by the nightly task
# below only when at least this many new answers arrived since the last one: the difference
# between two readings is then the sum of this many answers or more, never one person's.
FEEDBACK_PUBLISH_BATCH = env_int("FEEDBACK_PUBLISH_BATCH", 5, minimum=5)
CELERY_BEAT_SCHEDULE["feedback-publish-survey-results"] = {
    "task": "tanzim.feedback.tasks.publish_survey_results",
    "schedule": crontab(hour=2, minute=40),
}
# Flood limits on survey answers: per phone number per day, per IP address per hour, and
# failed (unknown or malformed) survey links per IP address per hour.
FEEDBACK_ANSWERS_PER_PHONE_PER_DAY = env_int("FEEDBACK_ANSWERS_PER_PHONE_PER_DAY", 3, minimum=1)
FEEDBACK_ANSWERS_PER_IP_PER_HOUR = env_int("FEEDBACK_ANSWERS_PER_IP_PER_HOUR", 30, minimum=1)
# Failed links are counted in a short window, per client address and per the link's first eight
# characters; a real link always opens, whatever was guessed from its address.
FEEDBACK_BAD_LINKS_PER_ADDRESS = env_int("FEEDBACK_BAD_LINKS_PER_ADDRESS", 20, minimum=1)
FEEDBACK_BAD_LINKS_PER_TOKEN_PREFIX = env_int("FEEDBACK_BAD_LINKS_PER_TOKEN_PREFIX", 5, minimum=1)
FEEDBACK_BAD_LINKS_WINDOW_SECONDS = env_int("FEEDBACK_BAD_LINKS_WINDOW_SECONDS", 600, minimum=60)
# Complaints: working days to acknowledge, then to decide; flood and attachment limits.
FEEDBACK_COMPLAINT_ACK_WORKING_DAYS = env_int("FEEDBACK_COMPLAINT_ACK_WORKING_DAYS", 3, minimum=1)
FEEDBACK_COMPLAINT_DECISION_WORKING_DAYS = env_int("FEEDBACK_COMPLAINT_DECISION_WORKING_DAYS", 20, minimum=1)
FEEDBACK_COMPLAINTS_PER_CITIZEN_PER_DAY = env_int("FEEDBACK_COMPLAINTS_PER_CITIZEN_PER_DAY", 5, minimum=1)
FEEDBACK_COMPLAINT_MAX_ATTACHMENTS = env_int("FEEDBACK_COMPLAINT_MAX_ATTACHMENTS", 5, minimum=0)
FEEDBACK_COMPLAINT_MAX_UPLOAD_BYTES = env_int(
    "FEEDBACK_COMPLAINT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024
)
# A partly upheld complaint counts as this share (percent) of an upheld one in ranking.
FEEDBACK_PARTLY_UPHELD_WEIGHT_PCT = env_int("FEEDBACK_PARTLY_UPHELD_WEIGHT_PCT", 50, minimum=0)

# --- inspections ------------------------------------------------------------------------
# Every office is due a periodic inspection at least this often (months).
INSPECTIONS_PERIODIC_MONTHS = env_int("INSPECTIONS_PERIODIC_MONTHS", 12, minimum=1)
# This many complaints about one office within the window trigger an inspection.
INSPECTIONS_COMPLAINT_TRIGGER_COUNT = env_int("INSPECTIONS_COMPLAINT_TRIGGER_COUNT", 3, minimum=1)
INSPECTIONS_COMPLAINT_WINDOW_DAYS = env_int("INSPECTIONS_COMPLAINT_WINDOW_DAYS", 90, minimum=1)
# Risk-based plans: a shrunk satisfaction score below this (tenths of a point on 1-5) is a risk.
INSPECTIONS_LOW_SATISFACTION_TENTHS = env_int("INSPECTIONS_LOW_SATISFACTION_TENTHS", 35, minimum=10)
# An inspection with a failed critical item scores at most this (0-100).
INSPECTIONS_CRITICAL_SCORE_CAP = env_int("INSPECTIONS_CRITICAL_SCORE_CAP", 50, minimum=0)
# Default time given for a corrective action (days) and the evidence upload limit.
INSPECTIONS_ACTION_DEFAULT_DAYS = env_int("INSPECTIONS_ACTION_DEFAULT_DAYS", 30, minimum=1)
INSPECTIONS_MAX_UPLOAD_BYTES = env_int("INSPECTIONS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
# Each office's free services of a month are audited on a random sample: this percent, at least this many.
INSPECTIONS_FREE_SERVICE_SAMPLE_PERCENT = env_int("INSPECTIONS_FREE_SERVICE_SAMPLE_PERCENT", 10, minimum=1)
INSPECTIONS_FREE_SERVICE_SAMPLE_MIN = env_int("INSPECTIONS_FREE_SERVICE_SAMPLE_MIN", 1, minimum=1)
CELERY_BEAT_SCHEDULE["inspections-remind-overdue-actions"] = {
    "task": "tanzim.inspections.tasks.remind_overdue_actions",
    "schedule": crontab(hour=8, minute=0),
}
# Each Jalali month's sample of free services is drawn on the first night of the next one (Tehran
# time); the task runs daily, since Jalali months do not start on fixed Gregorian days.
CELERY_BEAT_SCHEDULE["inspections-draw-free-service-samples"] = {
    "task": "tanzim.inspections.tasks.draw_free_service_samples",
    "schedule": crontab(hour=0, minute=30),
}

# --- disputes (pre-court dispute resolution) ------------------------------------------
# Peace courts hear financial claims (and مهریه، نفقه، جهیزیه) up to this amount; the law
# indexes it every three years, so it is a setting, not a constant in code.
DISPUTES_PEACE_COURT_CEILING = env_int("DISPUTES_PEACE_COURT_CEILING", 1_000_000_000, minimum=1)
# Inviting the respondent: the join code's life, the number of tries (first SMS + reminders)
# and the working days between tries before the respondent is "not contactable".
DISPUTES_JOIN_CODE_TTL_DAYS = env_int("DISPUTES_JOIN_CODE_TTL_DAYS", 14, minimum=1)
# Guessing join codes: failed tries per client address and per the code's first six digits, in
# a short window (only failures count; the respondent with the right code is never refused for them).
DISPUTES_JOIN_FAILURES_PER_ADDRESS = env_int("DISPUTES_JOIN_FAILURES_PER_ADDRESS", 10, minimum=1)
DISPUTES_JOIN_FAILURES_PER_CODE_PREFIX = env_int("DISPUTES_JOIN_FAILURES_PER_CODE_PREFIX", 10, minimum=1)
DISPUTES_JOIN_GUESS_WINDOW_SECONDS = env_int("DISPUTES_JOIN_GUESS_WINDOW_SECONDS", 600, minimum=60)
DISPUTES_INVITE_MAX_TRIES = env_int("DISPUTES_INVITE_MAX_TRIES", 3, minimum=1)
DISPUTES_INVITE_REMINDER_WORKING_DAYS = env_int("DISPUTES_INVITE_REMINDER_WORKING_DAYS", 3, minimum=1)
# Civil mediation: two failed sessions within three months close the attempt (councils law;
# not the criminal track, which ends only by its window, agreement or withdrawal).
DISPUTES_MEDIATION_MONTHS = env_int("DISPUTES_MEDIATION_MONTHS", 3, minimum=1)
DISPUTES_MEDIATION_FAILED_SESSIONS = env_int("DISPUTES_MEDIATION_FAILED_SESSIONS", 2, minimum=1)
# How long after a session took place a mediator may still enter it (with its outcome).
DISPUTES_PAST_SESSION_DAYS = env_int("DISPUTES_PAST_SESSION_DAYS", 14, minimum=1)
DISPUTES_MEDIATION_MAX_EXTENSIONS = env_int("DISPUTES_MEDIATION_MAX_EXTENSIONS", 0, minimum=0)
# Criminal mediation (art. 82 Criminal Procedure Code): 2 months to obtain the complainant's
# waiver or 3 months of mediation, each extendable once by the same length.
DISPUTES_CRIMINAL_WAIVER_MONTHS = env_int("DISPUTES_CRIMINAL_WAIVER_MONTHS", 2, minimum=1)
DISPUTES_CRIMINAL_MEDIATION_MONTHS = env_int("DISPUTES_CRIMINAL_MEDIATION_MONTHS", 3, minimum=1)
DISPUTES_CRIMINAL_MAX_EXTENSIONS = env_int("DISPUTES_CRIMINAL_MAX_EXTENSIONS", 1, minimum=0)
# Art. 82 mediation is for compoundable offences and for ta'zir offences of these grades.
DISPUTES_CRIMINAL_MEDIATION_GRADES = tuple(
    int(grade) for grade in env_list("DISPUTES_CRIMINAL_MEDIATION_GRADES", ["6", "7", "8"])
)
# "Try to settle first" must not eat a right: the time limits that keep running during mediation.
# A compoundable offence: a complaint within one year of learning of it (art. 106 Islamic Penal
# Code). A cheque: presented within six months of its date, and a criminal complaint within six
# months of the dishonour certificate (Cheque Law art. 11). Months of 30 days (art. 443).
DISPUTES_COMPOUNDABLE_COMPLAINT_MONTHS = env_int("DISPUTES_COMPOUNDABLE_COMPLAINT_MONTHS", 12, minimum=1)
DISPUTES_CHEQUE_PRESENTATION_MONTHS = env_int("DISPUTES_CHEQUE_PRESENTATION_MONTHS", 6, minimum=1)
DISPUTES_CHEQUE_COMPLAINT_MONTHS = env_int("DISPUTES_CHEQUE_COMPLAINT_MONTHS", 6, minimum=1)
# Diversion only when the longest mediation (window and every extension) ends at least this many
# days before such a limit; otherwise file first and mediate after.
DISPUTES_SETTLE_FIRST_MARGIN_DAYS = env_int("DISPUTES_SETTLE_FIRST_MARGIN_DAYS", 15, minimum=0)
# Arbitration (Civil Procedure Code): the term runs 3 months from notification of all
# arbitrators unless agreed (art. 484); compliance with and annulment of an award: 20 days
# from notice (arts. 488, 490); arbitrators under 25 need both parties' consent (art. 469).
DISPUTES_ARBITRATION_TERM_MONTHS = env_int("DISPUTES_ARBITRATION_TERM_MONTHS", 3, minimum=1)
DISPUTES_AWARD_COMPLIANCE_DAYS = env_int("DISPUTES_AWARD_COMPLIANCE_DAYS", 20, minimum=1)
DISPUTES_AWARD_ANNULMENT_DAYS = env_int("DISPUTES_AWARD_ANNULMENT_DAYS", 20, minimum=1)
DISPUTES_ARBITRATOR_MIN_AGE = env_int("DISPUTES_ARBITRATOR_MIN_AGE", 25, minimum=18)
# Policy, not law: a failed dispute with no next step asked for is closed after this many days.
DISPUTES_FAILED_IDLE_DAYS = env_int("DISPUTES_FAILED_IDLE_DAYS", 30, minimum=1)
# The tariff line of the office's resolution fee, charged when a dispute is settled.
DISPUTES_RESOLUTION_SERVICE = env_str("DISPUTES_RESOLUTION_SERVICE", "dispute_resolution")
CELERY_BEAT_SCHEDULE["disputes-sweep-deadlines"] = {
    "task": "tanzim.disputes.tasks.sweep_deadlines",
    "schedule": 900.0,
}
# The public dispute figures take seconds to count at national scale: counted here, read by the page
# (half of disputes.metrics.PUBLIC_CACHE_SECONDS, so the copy never expires between two counts).
CELERY_BEAT_SCHEDULE["disputes-warm-public-figures"] = {
    "task": "tanzim.disputes.tasks.warm_public_figures",
    "schedule": 300.0,
}
# The API schema names the dispute choice sets itself (other apps have fields called "status" too).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        (name if name.startswith("Dispute") else f"Dispute{name}") + "Enum": f"tanzim.disputes.choices.{name}"
        for name in (
            "DisputeStatus",
            "DisputeCategory",
            "ResolutionPath",
            "ReferralTarget",
            "CriminalTrack",
            "PartyRole",
            "SessionStatus",
            "SessionResult",
            "SessionMode",
            "SessionKind",
            "SettlementStatus",
            "ObligationKind",
            "ArbitrationStatus",
            "ArbitratorSeat",
            "ArbitratorStatus",
            "AgreementKind",
            "ComplianceStatus",
            "ReferralPurpose",
            "ReferralReason",
            "ReferralStatus",
            "RespondentResponse",
            "FailureReason",
            "DisputeOrigin",
            "EventSubject",
        )
    }
)
# --- end disputes ---------------------------------------------------------------------

# --- ranking ------------------------------------------------------------------------------
# The weights, goalposts, bands and Monte-Carlo settings are policy data (versioned in the
# database); these only name the choice sets in the API schema.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "RankingRunStatusEnum": "tanzim.ranking.choices.RunStatus",
        "RankingPeriodKindEnum": "tanzim.ranking.choices.PeriodKind",
        "RankingNormalisationEnum": "tanzim.ranking.choices.Normalisation",
        "RankingOutlierTreatmentEnum": "tanzim.ranking.choices.OutlierTreatment",
        "RankingIndicatorEnum": "tanzim.ranking.choices.IndicatorKey",
    }
)
# A run is flagged (and its approval needs an acknowledgement) when an indicator's effective
# weight, after dropping indicators no office has data for, is more than this many basis points
# (100 = one percentage point) away from its policy weight; docs/ranking.md.
RANKING_WEIGHT_DRIFT_MAX_BP = env_int("RANKING_WEIGHT_DRIFT_MAX_BP", 200, minimum=0)
# The same for an indicator's share of the variance of the scores (at the policy's own method and
# averaged over the Monte-Carlo draws) against its policy weight.
RANKING_VARIANCE_SHARE_MAX_BP = env_int("RANKING_VARIANCE_SHARE_MAX_BP", 1000, minimum=0)
# --- end ranking --------------------------------------------------------------------------

# --- backups and metrics (docs/operations.md) -------------------------------------------------
# manage.py backup writes tanzim-<UTC time>/ here; encrypted (AES-256-GCM) when the key is set
# (32 bytes, URL-safe base64: manage.py backup --generate-key; BACKUP_ENCRYPTION_KEY_FILE for a file).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_ENCRYPTION_KEY = env_str("BACKUP_ENCRYPTION_KEY", "")
# /metrics (Prometheus text) answers a bearer token or a connecting address in this list
# (addresses or networks, e.g. 10.0.0.0/8); everyone else gets a 404, as does everyone when
# neither is set. Second in the chain: it times everything after the request id.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
MIDDLEWARE.insert(1, "tanzim.common.metrics.MetricsMiddleware")
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^metrics$"]
# --- end backups and metrics ------------------------------------------------------------------

# --- confidential data: encryption at rest, confidential-read alerts, retention (docs/operations.md) ---
# Keys of the encrypted fields (tanzim/common/crypto.py): comma-separated 32-byte keys in URL-safe
# base64 (manage.py rotate_field_keys --generate-key), newest first: the first encrypts, every one
# decrypts. Read from FIELD_ENCRYPTION_KEYS_FILE (a mounted secret) in production; unset, a
# development key derived from SECRET_KEY is used and the deployment check tanzim.E021 refuses it.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
INSTALLED_APPS.insert(INSTALLED_APPS.index("tanzim.web"), "tanzim.privacy")
# An account whose distinct confidential records read today exceed max(MIN, FACTOR x its median
# daily count over the previous BASELINE_DAYS days) raises one alert that day (tanzim.privacy).
PRIVACY_READ_ALERT_MIN = env_int("PRIVACY_READ_ALERT_MIN", 20, minimum=1)
PRIVACY_READ_ALERT_FACTOR = env_int("PRIVACY_READ_ALERT_FACTOR", 5, minimum=1)
PRIVACY_READ_ALERT_BASELINE_DAYS = env_int("PRIVACY_READ_ALERT_BASELINE_DAYS", 30, minimum=7)
# Who hears of an alert besides every active Kanoon administrator: security mailboxes (e-mail).
PRIVACY_ALERT_EMAILS = env_list("PRIVACY_ALERT_EMAILS", [])
# Retention, in days (0 keeps the records for ever); manage.py purge_expired and the nightly task.
RETENTION_MESSAGE_BODY_DAYS = env_int("RETENTION_MESSAGE_BODY_DAYS", 365, minimum=0)
RETENTION_OTP_DAYS = env_int("RETENTION_OTP_DAYS", 30, minimum=0)
RETENTION_CONFIDENTIAL_READ_DAYS = env_int("RETENTION_CONFIDENTIAL_READ_DAYS", 730, minimum=0)
RETENTION_READ_ALERT_DAYS = env_int("RETENTION_READ_ALERT_DAYS", 1825, minimum=0)
RETENTION_EXPIRED_SESSION_DAYS = env_int("RETENTION_EXPIRED_SESSION_DAYS", 7, minimum=0)
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000, minimum=10)
CELERY_BEAT_SCHEDULE["privacy-scan-confidential-reads"] = {
    "task": "tanzim.privacy.tasks.scan_confidential_reads",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["privacy-purge-expired"] = {
    "task": "tanzim.privacy.tasks.purge_expired",
    "schedule": crontab(hour=3, minute=30),
}
# --- end confidential data ----------------------------------------------------------------------

# --- the newer apps' background work (docs/consult.md, partners.md, enforcement.md, membership.md) ---
# Written questions past their answer deadline are refunded (tanzim.consult).
CELERY_BEAT_SCHEDULE["consult-refund-overdue"] = {
    "task": "tanzim.consult.tasks.refund_overdue_consultations",
    "schedule": 900.0,
}
# Signed webhooks to partners: due deliveries and retries (back-off in the rows), and reminders of
# referrals past the partner's expected response time (tanzim.partners).
CELERY_BEAT_SCHEDULE["partners-deliver-due"] = {"task": "tanzim.partners.tasks.deliver_due", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["partners-remind-overdue"] = {
    "task": "tanzim.partners.tasks.remind_overdue",
    "schedule": crontab(hour=9, minute=0),
}
# Auctions whose end has passed are closed, and unpaid balances forfeited (tanzim.enforcement).
CELERY_BEAT_SCHEDULE["enforcement-auction-sweep"] = {
    "task": "tanzim.enforcement.tasks.auction_sweep",
    "schedule": 60.0,
}
# Asset inquiries (banks, land, vehicles, municipalities) and free-service eligibility (Relief
# Committee, Welfare): no agency offers an interface Tanzim can reach, so only simulated adapters
# exist; outside the embedded mode the deployment check refuses them (tanzim.E003) unless
# ALLOW_SIMULATED_ADAPTERS marks a staging site. The simulated agencies fail this often (percent).
ENFORCEMENT_INQUIRY_ADAPTER = env_str("ENFORCEMENT_INQUIRY_ADAPTER", "simulated")
OUTREACH_ELIGIBILITY_ADAPTER = env_str("OUTREACH_ELIGIBILITY_ADAPTER", "simulated")
ENFORCEMENT_INQUIRY_FAILURE_PERCENT = env_int("ENFORCEMENT_INQUIRY_FAILURE_PERCENT", 10, minimum=0)
# Reminders of late checklist steps and loan arrears, at a waking hour (tanzim.membership).
CELERY_BEAT_SCHEDULE["membership-remind-overdue-applications"] = {
    "task": "tanzim.membership.tasks.remind_overdue_applications",
    "schedule": crontab(hour=10, minute=0),
}
CELERY_BEAT_SCHEDULE["membership-remind-loan-arrears"] = {
    "task": "tanzim.membership.tasks.remind_loan_arrears",
    "schedule": crontab(hour=10, minute=30),
}
# The dashboards' daily rollups: only the office-days touched since the last run (tanzim.dashboards).
CELERY_BEAT_SCHEDULE["dashboards-refresh-rollups"] = {
    "task": "tanzim.dashboards.tasks.refresh_rollups",
    "schedule": 300.0,
}
# The public tables of the open data that change, made again before their cached copies expire
# (opendata.selectors: this month for 10 minutes, the offices' tables for an hour).
CELERY_BEAT_SCHEDULE["opendata-warm-tables"] = {
    "task": "tanzim.opendata.tasks.warm_tables",
    "schedule": 300.0,
}
