"""Production safety: outside the embedded mode, a site that still carries an embedded default does
not start (issue 14). The checks are Django system checks tagged ``deploy``; config/wsgi.py runs
them, so gunicorn refuses such a site; deploy/production.env.example passes them all."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from config.env import EMBEDDED_SECRET_KEY
from tanzim.common.checks import refuse_unsafe_start

# The fixture below changes DATABASES' engine name only, for the check to read; nothing connects.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "deploy" / "production.env.example"
STRONG_KEY = "k3y-" + "Vq8sT2nLw9Zr4Xc7Bm1Hd6Jf0Gp5Ky3Ea" * 2
FIELD_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()  # 32 bytes, as the check wants
SECRET_FILES = {"SECRET_KEY_FILE": STRONG_KEY, "FIELD_ENCRYPTION_KEYS_FILE": FIELD_KEY}

PRODUCTION = {
    "EMBEDDED": False,
    "DEBUG": False,
    "SECRET_KEY": STRONG_KEY,
    "SHOW_OUTBOX_IN_UI": False,
    "FINANCE_GATEWAY": "a-real-bank",
    "CASES_IDENTITY_ADAPTER": "provider.identity.Registry",
    "CASES_FILING_ADAPTER": "provider.judiciary.Filing",
    "SMS_BACKEND": "tanzim.notify.backends.HttpSmsGateway",
    "ENFORCEMENT_INQUIRY_ADAPTER": "provider.registries.Inquiry",
    "OUTREACH_ELIGIBILITY_ADAPTER": "provider.welfare.Eligibility",
    "ALLOW_SIMULATED_ADAPTERS": False,
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r/0"}
    },
    "CELERY_TASK_ALWAYS_EAGER": False,
    "CELERY_BROKER_URL": "redis://r/0",
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SITE_URL": "https://tanzim.example.ir",
    "FIELD_ENCRYPTION_KEYS": [FIELD_KEY],
}


@pytest.fixture
def production(settings):
    """A production site's settings, every deployment check satisfied; tests break one each."""
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {
        **settings.DATABASES["default"],
        "ENGINE": "django.db.backends.postgresql",
    }
    return settings


def tanzim_messages(*, deploy: bool = True) -> list[checks.CheckMessage]:
    found = checks.run_checks(include_deployment_checks=deploy, tags=[checks.Tags.security])
    return [message for message in found if message.id and message.id.startswith("tanzim.")]


def by_id(check_id: str) -> list[checks.CheckMessage]:
    return [message for message in tanzim_messages() if message.id == check_id]


def test_a_production_site_with_every_setting_right_passes_every_deployment_check(production):
    assert tanzim_messages() == []
    refuse_unsafe_start()  # does not raise


def test_the_embedded_mode_is_exempt_from_every_deployment_check(settings):
    settings.EMBEDDED = True
    settings.SECRET_KEY = EMBEDDED_SECRET_KEY
    settings.DEBUG = True
    settings.SHOW_OUTBOX_IN_UI = True

    assert tanzim_messages() == []
    refuse_unsafe_start()


def test_the_checks_are_deploy_checks_like_djangos_own_security_checks(production):
    production.SECRET_KEY = EMBEDDED_SECRET_KEY

    assert tanzim_messages(deploy=False) == []
    assert [m.id for m in tanzim_messages(deploy=True)] == ["tanzim.E001"]


def test_outside_the_embedded_mode_the_development_secret_key_is_refused(production):
    production.SECRET_KEY = EMBEDDED_SECRET_KEY

    (error,) = by_id("tanzim.E001")
    assert error.level == checks.ERROR
    assert "SECRET_KEY" in error.hint


def test_the_outbox_shown_in_the_ui_is_refused_outside_the_embedded_mode(production):
    production.SHOW_OUTBOX_IN_UI = True

    (error,) = by_id("tanzim.E002")
    assert error.level == checks.ERROR and "SHOW_OUTBOX_IN_UI" in error.hint


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FINANCE_GATEWAY", "simulated"),
        ("CASES_IDENTITY_ADAPTER", "tanzim.cases.adapters.SimulatedIdentityVerifier"),
        ("CASES_FILING_ADAPTER", "tanzim.cases.adapters.SimulatedJudiciary"),
        ("SMS_BACKEND", "tanzim.notify.backends.OutboxOnlyBackend"),
        ("SMS_BACKEND", "tanzim.notify.backends.ConsoleBackend"),
        ("ENFORCEMENT_INQUIRY_ADAPTER", "simulated"),
        ("OUTREACH_ELIGIBILITY_ADAPTER", "simulated"),
    ],
)
def test_each_simulated_adapter_is_refused_naming_its_setting(production, setting, value):
    setattr(production, setting, value)

    (error,) = by_id("tanzim.E003")
    assert error.level == checks.ERROR
    assert setting in error.msg and setting in error.hint and "ALLOW_SIMULATED_ADAPTERS" in error.hint


def test_a_staging_site_may_allow_the_simulated_adapters_and_gets_a_warning_for_each(production):
    production.FINANCE_GATEWAY = "simulated"
    production.CASES_FILING_ADAPTER = "tanzim.cases.adapters.SimulatedJudiciary"
    production.ALLOW_SIMULATED_ADAPTERS = True

    warnings = by_id("tanzim.W001")
    assert by_id("tanzim.E003") == []
    assert [w.level for w in warnings] == [checks.WARNING, checks.WARNING]
    assert {"FINANCE_GATEWAY", "CASES_FILING_ADAPTER"} == {w.msg.split()[0] for w in warnings}
    refuse_unsafe_start()  # a warning does not stop the start


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"],
)
def test_a_cache_local_to_the_process_is_refused(production, backend):
    production.CACHES = {"default": {"BACKEND": backend}}

    (error,) = by_id("tanzim.E004")
    assert "REDIS_URL" in error.hint


def test_eager_celery_is_refused(production):
    production.CELERY_TASK_ALWAYS_EAGER = True

    (error,) = by_id("tanzim.E005")
    assert "CELERY_TASK_ALWAYS_EAGER" in error.hint


def test_the_in_memory_broker_is_refused_when_tasks_are_queued(production):
    production.CELERY_BROKER_URL = "memory://"

    (error,) = by_id("tanzim.E006")
    assert "CELERY_BROKER_URL" in error.hint


def test_debug_is_refused(production):
    production.DEBUG = True

    (error,) = by_id("tanzim.E007")
    assert "DEBUG" in error.hint


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("SECURE_HSTS_SECONDS", 0, "tanzim.E008"),
        ("SECURE_SSL_REDIRECT", False, "tanzim.E009"),
        ("SECURE_PROXY_SSL_HEADER", None, "tanzim.E010"),
    ],
)
def test_https_behind_the_proxy_must_be_enforced(production, setting, value, check_id):
    setattr(production, setting, value)

    (error,) = by_id(check_id)
    assert error.level == checks.ERROR and setting in error.hint


def test_the_embedded_sqlite_database_is_refused(production):
    production.DATABASES = {**production.DATABASES}
    production.DATABASES["default"] = {
        **production.DATABASES["default"],
        "ENGINE": "django.db.backends.sqlite3",
    }

    (error,) = by_id("tanzim.E011")
    assert "DATABASE_URL" in error.hint


@pytest.mark.parametrize(
    "site_url",
    ["http://127.0.0.1:8000", "https://localhost/", "http://tanzim.example.ir", ""],
)
def test_a_site_address_others_cannot_reach_over_https_is_refused(production, site_url):
    """Receipts, calendar files and SMS carry SITE_URL: the embedded default would send people
    to their own machine."""
    production.SITE_URL = site_url
    (error,) = by_id("tanzim.E012")
    assert "SITE_URL" in error.msg and "https://" in (error.hint or "")


def test_a_silenced_warning_is_not_reported(production):
    production.FINANCE_GATEWAY = "simulated"
    production.ALLOW_SIMULATED_ADAPTERS = True
    production.SILENCED_SYSTEM_CHECKS = ["tanzim.W001"]

    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert [m.id for m in found if m.id == "tanzim.W001" and not m.is_silenced()] == []


def test_the_start_refuses_listing_every_failed_check(production):
    production.SECRET_KEY = EMBEDDED_SECRET_KEY
    production.CELERY_TASK_ALWAYS_EAGER = True

    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_unsafe_start()
    assert "tanzim.E001" in str(refused.value) and "tanzim.E005" in str(refused.value)


# --- the real entry points, in processes of their own -------------------------------------


def _example_environment(tmp_path: Path) -> dict[str, str]:
    """deploy/production.env.example as an orchestrator would give it: secrets in files."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "TANZIM_VAR_DIR": str(tmp_path / "var")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        if name.endswith("_FILE"):
            secret = tmp_path / name.lower()
            content = {"SECRET_KEY_FILE": STRONG_KEY, "FIELD_ENCRYPTION_KEYS_FILE": FIELD_KEY}.get(
                name, "x" * 40
            )
            secret.write_text(content, encoding="utf-8")
            value = str(secret)
        env[name] = value
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _bare_environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TANZIM_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgresql://tanzim@db.internal:5432/tanzim",
    }


def test_the_documented_production_settings_pass_check_deploy_at_warning_level(tmp_path):
    done = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _example_environment(tmp_path),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_gunicorn_refuses_to_load_a_site_on_the_embedded_defaults(tmp_path):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    done = _run([gunicorn, "--check-config", "config.wsgi:application"], _bare_environment(tmp_path))

    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Refusing to start" in output
    for check_id in ("tanzim.E001", "tanzim.E003", "tanzim.E004", "tanzim.E005", "tanzim.E008"):
        assert check_id in output


def test_gunicorn_loads_the_site_with_the_documented_production_settings(tmp_path):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    done = _run([gunicorn, "--check-config", "config.wsgi:application"], _example_environment(tmp_path))

    assert done.returncode == 0, done.stdout + done.stderr


def test_without_tanzim_embedded_nothing_is_embedded(tmp_path):
    env = _bare_environment(tmp_path)
    del env["DATABASE_URL"]
    code = "from django.conf import settings; print(settings.EMBEDDED, settings.SHOW_OUTBOX_IN_UI)"
    done = _run([sys.executable, "-c", f"import django; django.setup(); {code}"], env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
