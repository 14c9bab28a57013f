"""Rate-limit counters in Redis, the production cache: concurrent hits are all counted."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from tanzim.common import ratelimit
from tanzim.common.errors import RateLimitedError
from tanzim.testing.services import REDIS_URL

pytestmark = pytest.mark.postgres  # the pass of the suite that runs with every real service


@pytest.fixture
def redis_cache(monkeypatch):
    """The counters go to a Redis cache of their own key prefix; parallel runs never share them."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    monkeypatch.setattr(ratelimit, "cache", backend)
    yield backend
    # Only this test's keys: the same Redis database may carry another test's Celery queue.
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(f"{prefix}:none", *client.scan_iter(f"{prefix}:*"))


def test_forty_simultaneous_attempts_are_all_counted_and_the_limit_holds(redis_cache):
    barrier = threading.Barrier(40)
    counts = []

    def attempt():
        barrier.wait()
        counts.append(ratelimit.hit("otp", "09120000001", window=60))

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 41))  # every hit got its own number: no lost update
    with pytest.raises(RateLimitedError):
        ratelimit.check("otp", "09120000001", limit=40, window=60)
    ratelimit.check("otp", "09120000002", limit=40, window=60)  # another number is not affected


def test_a_counter_expires_with_its_window_and_holds_no_personal_data(redis_cache):
    ratelimit.hit("otp", "09120000001", window=30)
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in client.scan_iter(f"{redis_cache.key_prefix}:*")]
    assert len(keys) == 1 and "09120000001" not in keys[0]
    assert 0 < client.ttl(keys[0]) <= 30
    ratelimit.reset("otp", "09120000001")
    assert ratelimit.count("otp", "09120000001") == 0
