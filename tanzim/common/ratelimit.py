"""Fixed-window counters in the cache (Redis in production) for rate limits and lock-outs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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


@dataclass(frozen=True)
class GuessLimit:
    """Failed guesses of a secret (a join code, a link's token), limited without punishing bystanders.

    Failures are counted in a short window twice: per client address, and per the secret's first
    ``prefix_length`` characters (someone who read part of a code and tries the rest, from as many
    addresses as they like). Only failures count, so the person who has the right secret is never
    refused for their own success or anyone else's, and a refusal ends when the short window does
    instead of shutting a whole shared address out for an hour.
    """

    scope: str
    per_address: int
    per_prefix: int
    window: int
    prefix_length: int

    def _buckets(self, *, ip: str | None, secret: str | None) -> list[tuple[str, str, int]]:
        buckets = []
        if ip:
            buckets.append((f"{self.scope}-ip", ip, self.per_address))
        if secret and len(secret) >= self.prefix_length:
            buckets.append((f"{self.scope}-prefix", secret[: self.prefix_length], self.per_prefix))
        return buckets

    def check(self, *, ip: str | None, secret: str | None, message: Message | None = None) -> None:
        """Refuse (429) while the address or the secret's prefix has used up its failures."""
        for scope, ident, limit in self._buckets(ip=ip, secret=secret):
            if count(scope, ident) >= limit:
                raise RateLimitedError(message, retry_after=self.window)

    def failed(self, *, ip: str | None, secret: str | None) -> None:
        """Count one failed guess against the address and the secret's prefix."""
        for scope, ident, _limit in self._buckets(ip=ip, secret=secret):
            hit(scope, ident, window=self.window)
