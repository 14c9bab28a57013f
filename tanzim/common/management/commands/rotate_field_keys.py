"""``manage.py rotate_field_keys``: every encrypted value under the newest key (FIELD_ENCRYPTION_KEYS)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tanzim.common import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field value (and any value stored before its field was encrypted) "
        "under the first key of FIELD_ENCRYPTION_KEYS, in batches; running it again changes nothing. "
        "Then the older keys may be removed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows read and rewritten per transaction."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Count the values not under the newest key, change nothing; exit 1 if there are any.",
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new key for FIELD_ENCRYPTION_KEYS; rotate nothing.",
        )

    def handle(self, *args: Any, batch_size: int, check: bool, generate_key: bool, **options: Any) -> None:
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        ring = crypto.keyring()
        if ring.derived:
            self.stderr.write(
                "FIELD_ENCRYPTION_KEYS is not set: using the development key derived from SECRET_KEY."
            )
        self.stdout.write(f"Newest key: {ring.current.key_id}; {len(ring.keys)} key(s) configured")
        scanned = changed = 0
        for model, field in crypto.encrypted_fields():
            report = crypto.reencrypt_column(model, field.name, batch_size=batch_size, dry_run=check)
            scanned += report.scanned
            count = report.pending if check else report.rewritten
            changed += count
            verb = "to rewrite" if check else "rewritten"
            self.stdout.write(f"{report.label}.{report.field}: {report.scanned} value(s), {count} {verb}")
        if check:
            if changed:
                raise CommandError(f"{changed} of {scanned} value(s) are not under the newest key.")
            self.stdout.write(self.style.SUCCESS(f"OK: all {scanned} value(s) are under the newest key."))
            return
        self.stdout.write(self.style.SUCCESS(f"{changed} of {scanned} value(s) re-encrypted."))
