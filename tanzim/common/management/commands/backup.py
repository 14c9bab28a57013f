"""``manage.py backup``: the database (pg_dump) and the media files, checksummed, optionally encrypted."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tanzim.common.backups import BackupError, Database, backup_create, generate_key, media_bucket, parse_key


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database and MEDIA_ROOT (and, with MEDIA_STORAGE=s3, the bucket of people's "
        "files) into a new directory tanzim-<UTC time>/ under BACKUP_DIR, with a SHA-256 manifest; "
        "encrypted when BACKUP_ENCRYPTION_KEY is set."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output-dir", help="Where to write the backup (default: BACKUP_DIR).")
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new BACKUP_ENCRYPTION_KEY; back up nothing.",
        )

    def handle(self, *args: Any, output_dir: str | None, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        try:
            key = parse_key(settings.BACKUP_ENCRYPTION_KEY) if settings.BACKUP_ENCRYPTION_KEY else None
            database = Database.from_settings(connections[DEFAULT_DB_ALIAS].settings_dict)
            started = time.monotonic()
            result = backup_create(
                database=database,
                media_root=Path(settings.MEDIA_ROOT),
                output_dir=Path(output_dir or settings.BACKUP_DIR),
                key=key,
                bucket=media_bucket(),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        for name, size in result.files.items():
            self.stdout.write(
                f"  {name:<22} {size:>15,} bytes  sha256 {result.manifest['files'][name]['sha256']}"
            )
        if "bucket" in result.manifest:
            bucket = result.manifest["bucket"]
            self.stdout.write(
                f"  media.tar holds the {bucket['objects']:,} objects of s3://{bucket['name']}/{bucket['prefix']}"
            )
        state = "encrypted" if key else "NOT encrypted"
        self.stdout.write(
            self.style.SUCCESS(f"{result.path} ({result.total_bytes:,} bytes, {state}) in {seconds:.1f} s")
        )
