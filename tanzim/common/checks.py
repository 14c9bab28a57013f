"""Deployment checks: a production site never runs on the embedded mode's defaults.

The embedded mode (``TANZIM_EMBEDDED=1``, set by ``make run``) is the only place for the
development secret key, the outbox shown in the UI, simulated adapters, the local-memory cache,
eager Celery and plain HTTP. Outside it each of them is an Error here, with a hint naming the
setting. The checks are tagged ``deploy`` like Django's own security checks, so they run with
``manage.py check --deploy``; ``config/wsgi.py`` runs them (``refuse_unsafe_start``) before a
web server takes a request, so gunicorn does not start a misconfigured site.

A staging site may keep the simulated adapters with ``ALLOW_SIMULATED_ADAPTERS=1``: each is then
a Warning (tanzim.W001) instead of an Error (tanzim.E003).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from config.env import EMBEDDED_SECRET_KEY

log = logging.getLogger(__name__)

# The adapters that only pretend to talk to the outside world: (setting, its simulated values).
SIMULATED_ADAPTERS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("FINANCE_GATEWAY", "the bank (payment gateway)", frozenset({"simulated"})),
    (
        "CASES_IDENTITY_ADAPTER",
        "the identity registry",
        frozenset({"tanzim.cases.adapters.SimulatedIdentityVerifier"}),
    ),
    (
        "CASES_FILING_ADAPTER",
        "the judiciary (case filing)",
        frozenset({"tanzim.cases.adapters.SimulatedJudiciary"}),
    ),
    (
        "SMS_BACKEND",
        "SMS",
        frozenset({"tanzim.notify.backends.OutboxOnlyBackend", "tanzim.notify.backends.ConsoleBackend"}),
    ),
    (
        "ENFORCEMENT_INQUIRY_ADAPTER",
        "the banks, land and vehicle registries (asset inquiries)",
        frozenset({"simulated"}),
    ),
    (
        "OUTREACH_ELIGIBILITY_ADAPTER",
        "the Relief Committee and Welfare (eligibility)",
        frozenset({"simulated"}),
    ),
)
# SITE_URL's embedded default is this machine: no one else could follow a link to it.
LOOPBACK_HOSTS = frozenset({"", "127.0.0.1", "localhost", "::1", "0.0.0.0"})  # noqa: S104 (names, not a bind)
LOCAL_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def _embedded() -> bool:
    return bool(getattr(settings, "EMBEDDED", False))


@checks.register(checks.Tags.security, deploy=True)
def check_embedded_defaults(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The embedded mode's conveniences, refused on a production site."""
    if _embedded():
        return []
    found: list[checks.CheckMessage] = []
    if settings.SECRET_KEY == EMBEDDED_SECRET_KEY or not settings.SECRET_KEY:
        found.append(
            checks.Error(
                "SECRET_KEY is the embedded mode's development key.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value of this site's own.",
                id="tanzim.E001",
            )
        )
    if getattr(settings, "SHOW_OUTBOX_IN_UI", False):
        found.append(
            checks.Error(
                "SHOW_OUTBOX_IN_UI is on: every visitor could read the SMS sent to others, OTPs included.",
                hint="Unset SHOW_OUTBOX_IN_UI (it is for the embedded demo only).",
                id="tanzim.E002",
            )
        )
    found.extend(_simulated_adapters())
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    if backend in LOCAL_CACHES:
        found.append(
            checks.Error(
                f"The cache is {backend.rsplit('.', 1)[-1]}: rate limits and lock-outs would be per process.",
                hint="Set REDIS_URL (the cache, rate limits and the Celery broker).",
                id="tanzim.E004",
            )
        )
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        found.append(
            checks.Error(
                "CELERY_TASK_ALWAYS_EAGER is on: background work would run inside web requests.",
                hint="Set REDIS_URL and CELERY_TASK_ALWAYS_EAGER=false, and run celery worker and beat.",
                id="tanzim.E005",
            )
        )
    elif str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("memory://"):
        found.append(
            checks.Error(
                "CELERY_BROKER_URL is the in-memory broker: no worker would ever receive a task.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) to the broker the workers listen to.",
                id="tanzim.E006",
            )
        )
    site = urlsplit(str(getattr(settings, "SITE_URL", "")))
    if site.scheme != "https" or (site.hostname or "") in LOOPBACK_HOSTS:
        found.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL!r}: receipts, calendar files and SMS would link there.",
                hint="Set SITE_URL to the site's public https:// address (https://tanzim.example.ir).",
                id="tanzim.E012",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        found.append(
            checks.Error(
                "The database is the embedded SQLite file.",
                hint="Set DATABASE_URL to the site's PostgreSQL database.",
                id="tanzim.E011",
            )
        )
    return found


def _simulated_adapters() -> Iterable[checks.CheckMessage]:
    allowed = bool(getattr(settings, "ALLOW_SIMULATED_ADAPTERS", False))
    for name, what, simulated in SIMULATED_ADAPTERS:
        value = str(getattr(settings, name, ""))
        if value not in simulated:
            continue
        if allowed:
            yield checks.Warning(
                f"{name} is simulated ({value}): {what} is not really reached. Allowed on this staging site.",
                hint=f"A production site names a real adapter in {name} and unsets ALLOW_SIMULATED_ADAPTERS.",
                id="tanzim.W001",
            )
        else:
            yield checks.Error(
                f"{name} is simulated ({value}): {what} would not really be reached.",
                hint=f"Set {name} to a real adapter, or ALLOW_SIMULATED_ADAPTERS=1 on a staging site.",
                id="tanzim.E003",
            )


@checks.register(checks.Tags.security, deploy=True)
def check_https(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Debug pages off, and HTTPS enforced behind the reverse proxy."""
    if _embedded():
        return []
    found: list[checks.CheckMessage] = []
    if settings.DEBUG:
        found.append(
            checks.Error(
                "DEBUG is on: error pages would show settings, code and personal data.",
                hint="Unset DEBUG.",
                id="tanzim.E007",
            )
        )
    if not settings.SECURE_HSTS_SECONDS:
        found.append(
            checks.Error(
                "SECURE_HSTS_SECONDS is not set: browsers may keep talking plain HTTP to the site.",
                hint="Set SECURE_HSTS_SECONDS (31536000, a year, once HTTPS works on every host).",
                id="tanzim.E008",
            )
        )
    if not settings.SECURE_SSL_REDIRECT:
        found.append(
            checks.Error(
                "SECURE_SSL_REDIRECT is off: a plain-HTTP request would be served.",
                hint="Set SECURE_SSL_REDIRECT=true.",
                id="tanzim.E009",
            )
        )
    if not settings.SECURE_PROXY_SSL_HEADER:
        found.append(
            checks.Error(
                "SECURE_PROXY_SSL_HEADER is not set: behind the TLS proxy every request looks like HTTP.",
                hint="Set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (the proxy sets the header).",
                id="tanzim.E010",
            )
        )
    return found


@checks.register(checks.Tags.security, deploy=True)
def check_field_encryption_keys(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Encrypted fields (tanzim/common/crypto.py) need keys of the site's own outside the embedded mode."""
    from tanzim.common.crypto import parse_key

    configured = [str(k) for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if str(k).strip()]
    found: list[checks.CheckMessage] = []
    for position, text in enumerate(configured, start=1):
        try:
            parse_key(text)
        except ImproperlyConfigured as exc:
            found.append(
                checks.Error(
                    f"FIELD_ENCRYPTION_KEYS: key {position} is not usable ({exc})",
                    hint="Each key is 32 random bytes in URL-safe base64: "
                    "manage.py rotate_field_keys --generate-key.",
                    id="tanzim.E022",
                )
            )
    if not configured and not _embedded():
        found.append(
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set: complaint, settlement and request texts would be "
                "encrypted with a development key derived from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEYS_FILE to a secret holding the site's keys "
                "(manage.py rotate_field_keys --generate-key; docs/operations.md, "
                "Encryption keys and rotation).",
                id="tanzim.E021",
            )
        )
    return found


@checks.register(checks.Tags.security)
def check_media_storage(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``MEDIA_STORAGE=s3`` needs its bucket and both halves of its credentials (in any mode)."""
    if getattr(settings, "MEDIA_STORAGE", "filesystem") != "s3":
        return []
    options = getattr(settings, "MEDIA_S3", {})
    found: list[checks.CheckMessage] = []
    if not options.get("bucket_name"):
        found.append(
            checks.Error(
                "MEDIA_STORAGE is 's3' but MEDIA_S3_BUCKET is not set: people's files have nowhere to go.",
                hint="Set MEDIA_S3_BUCKET (and MEDIA_S3_ENDPOINT_URL for a peer other than AWS), "
                "or MEDIA_STORAGE=filesystem.",
                id="tanzim.E023",
            )
        )
    missing = [
        name
        for name, key in (
            ("MEDIA_S3_ACCESS_KEY_ID", "access_key"),
            ("MEDIA_S3_SECRET_ACCESS_KEY", "secret_key"),
        )
        if not options.get(key)
    ]
    if missing:
        found.append(
            checks.Error(
                f"MEDIA_STORAGE is 's3' but {' and '.join(missing)} is not set.",
                hint="Set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY (or their _FILE "
                "variants) to a key allowed to read and write the bucket.",
                id="tanzim.E024",
            )
        )
    return found


def refuse_unsafe_start() -> None:
    """Run every check, deployment ones included, and refuse to serve on an Error.

    Called by ``config/wsgi.py`` outside the embedded mode: a gunicorn worker that raises here
    fails to boot, and gunicorn stops. Warnings (a staging site's simulated adapters) are logged.
    """
    if _embedded():
        return
    messages = checks.run_checks(include_deployment_checks=True)
    serious = [m for m in messages if m.is_serious() and not m.is_silenced()]
    for message in messages:
        if not message.is_serious() and not message.is_silenced() and message.level >= checks.WARNING:
            log.warning("deployment check: %s", message)
    if serious:
        listed = "\n".join(f"  {message}" for message in serious)
        raise ImproperlyConfigured(
            f"Refusing to start: {len(serious)} deployment check(s) failed "
            f"(TANZIM_EMBEDDED=1 is the local demo mode):\n{listed}"
        )
