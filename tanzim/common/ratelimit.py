"""Fixed-window counters in the cache (Redis in production) for rate limits and lock-outs."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from tanzim.common.errors import Message, RateLimitedError


def _key(scope: str, ident: str) -> str:
    # Identifiers (national codes, phones, IPs) are hashed so the cache holds no personal data.
    return f"rl:{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def count(scope: str, ident: str) -> int:
    return int(cache.get(_key(scope, ident), 0))


def hit(scope: str, ident: str, *, window: int) -> int:
    """Count one event in the window and return the new count."""
    key = _key(scope, ident)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def check(scope: str, ident: str, *, limit: int, window: int, message: Message | None = None) -> None:
    """Refuse once ``limit`` events were counted in the window."""
    if count(scope, ident) >= limit:
        raise RateLimitedError(message, retry_after=window)


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))
