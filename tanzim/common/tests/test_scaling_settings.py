"""Stateless web nodes: with Redis, sessions, the cache and the rate limits live outside the process."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils.module_loading import import_string

from tanzim.testing.services import REDIS_URL
from tanzim.testing.settings import settings_in_a_new_process

ROOT = Path(__file__).resolve().parents[3]

PRINT = """
import django, json
django.setup()
from django.conf import settings
from django.core.cache import caches
from tanzim.common import ratelimit
print(json.dumps({
    "session_engine": settings.SESSION_ENGINE,
    "session_cache": getattr(settings, "SESSION_CACHE_ALIAS", "default"),
    "caches": {alias: [conf["BACKEND"], conf.get("LOCATION", "")] for alias, conf in settings.CACHES.items()},
    "ratelimit_cache": type(ratelimit.cache._connections[ratelimit.cache._alias]).__name__
        if hasattr(ratelimit.cache, "_connections") else type(ratelimit.cache).__name__,
    "default_cache": type(caches["default"]).__name__,
    "databases": sorted(settings.DATABASES),
    "replica": {k: settings.DATABASES.get("replica", {}).get(k) for k in ("NAME", "HOST", "CONN_MAX_AGE")},
    "read_replica": settings.DATABASE_READ_REPLICA,
    "routers": settings.DATABASE_ROUTERS,
}))
"""


def _settings_with(tmp_path: Path, **env: str) -> dict:
    return settings_in_a_new_process(tmp_path, PRINT, **env)


def test_with_redis_sessions_cache_and_rate_limits_leave_the_process(tmp_path):
    found = _settings_with(tmp_path, REDIS_URL="redis://cache.internal:6379/0")

    # Sessions: read from Redis, written through to the database (a Redis flush signs nobody out).
    assert found["session_engine"] == "django.contrib.sessions.backends.cached_db"
    assert found["session_cache"] == "sessions"
    assert found["caches"]["sessions"] == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/0",
    ]
    # The cache, and so the rate-limit counters and lock-outs of every node, are in Redis.
    assert found["caches"]["default"][0] == "django.core.cache.backends.redis.RedisCache"
    assert found["default_cache"] == "RedisCache"
    assert found["ratelimit_cache"] == "RedisCache"


def test_sessions_may_have_a_redis_database_of_their_own(tmp_path):
    found = _settings_with(
        tmp_path, REDIS_URL="redis://cache.internal:6379/0", SESSION_REDIS_URL="redis://cache.internal:6379/2"
    )
    assert found["caches"]["sessions"][1] == "redis://cache.internal:6379/2"
    assert found["caches"]["default"][1] == "redis://cache.internal:6379/0"


def test_without_redis_sessions_stay_in_the_database(tmp_path):
    found = _settings_with(tmp_path)
    assert found["session_engine"] == "django.contrib.sessions.backends.db"
    assert "sessions" not in found["caches"]


def test_a_replica_url_adds_the_replica_alias_and_the_router_reads_from_it(tmp_path):
    found = _settings_with(tmp_path, DATABASE_REPLICA_URL="postgresql://tanzim@replica.internal:5432/tanzim")
    assert found["databases"] == ["default", "replica"]
    assert found["replica"] == {"NAME": "tanzim", "HOST": "replica.internal", "CONN_MAX_AGE": 60}
    assert found["read_replica"] == "replica"
    assert found["routers"] == ["tanzim.common.dbrouter.ReplicaRouter"]

    without = _settings_with(tmp_path)
    assert without["databases"] == ["default"]
    assert without["read_replica"] == ""


# --- against the real Redis (the PostgreSQL pass) ----------------------------------------------


@pytest.fixture
def redis_sessions(settings):
    """Sessions as production has them, in a Redis cache of this test's own key prefix."""
    prefix = f"test-sessions-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    client = redis.Redis.from_url(REDIS_URL)
    yield lambda: client.delete(f"{prefix}:none", *client.scan_iter(f"{prefix}:*"))
    client.delete(f"{prefix}:none", *client.scan_iter(f"{prefix}:*"))


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_session_is_read_from_redis_and_survives_a_redis_flush(redis_sessions):
    store_class = import_string("django.contrib.sessions.backends.cached_db.SessionStore")
    session = store_class()
    session["cart"] = "payment-in-progress"
    session.save()
    key = session.session_key
    assert caches["sessions"].get(f"django.contrib.sessions.cached_db{key}") is not None

    # Served from Redis: the database row is not even read.
    Session.objects.filter(session_key=key).update(session_data="tampered")
    assert store_class(key)["cart"] == "payment-in-progress"
    session.save()  # written through to the database again
    assert Session.objects.get(session_key=key).session_data != "tampered"

    # Redis loses every session (a flush, a failover): nobody is signed out.
    flushed = redis_sessions()
    assert flushed >= 1
    assert store_class(key)["cart"] == "payment-in-progress"
