"""Re-encrypt every authenticator secret with the newest key of TWO_FACTOR_KEYS (key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tanzim.accounts import twofactor


class Command(BaseCommand):
    help = "Re-encrypt the two-factor secrets with the first key of TWO_FACTOR_KEYS (after adding a key)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{twofactor.reseal_all()} secrets re-encrypted with the newest key.")
