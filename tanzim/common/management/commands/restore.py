"""``manage.py restore <backup dir>``: check the checksums, then restore the database and the media files."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tanzim.common.backups import BackupError, backup_restore, backup_verify, media_bucket, parse_key


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup. Every file is checked against the manifest's SHA-256 "
        "first; a damaged backup is refused before anything is touched. The target database must be "
        "empty (or pass --clean)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="The backup directory (tanzim-<UTC time>/).")
        parser.add_argument(
            "--database-url", help="Restore into this database instead of DATABASE_URL (postgresql://…)."
        )
        parser.add_argument(
            "--media-dir",
            help="Restore the media files here instead of MEDIA_ROOT (with MEDIA_STORAGE=s3: instead of "
            "the bucket too; its objects land here as the files of a site without a bucket).",
        )
        parser.add_argument(
            "--clean",
            action="store_true",
            help="Drop the target database's objects first and move a non-empty media directory aside "
            "(a bucket's objects of the same names are overwritten; its versioning keeps the old ones).",
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="Only check the checksums; restore nothing."
        )

    def handle(
        self,
        *args: Any,
        path: str,
        database_url: str | None,
        media_dir: str | None,
        clean: bool,
        verify_only: bool,
        **options: Any,
    ) -> None:
        started = time.monotonic()
        try:
            if verify_only:
                manifest = backup_verify(Path(path))
                self.stdout.write(
                    self.style.SUCCESS(f"OK: {len(manifest['files'])} files match the manifest")
                )
                return
            settings_dict = (
                dj_database_url.parse(database_url)
                if database_url
                else connections[DEFAULT_DB_ALIAS].settings_dict
            )
            key = parse_key(settings.BACKUP_ENCRYPTION_KEY) if settings.BACKUP_ENCRYPTION_KEY else None
            result = backup_restore(
                path=Path(path),
                database_settings=dict(settings_dict),
                media_root=Path(media_dir or settings.MEDIA_ROOT),
                key=key,
                clean=clean,
                bucket=None if media_dir else media_bucket(),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.media_moved_to:
            self.stdout.write(f"The previous media directory is now {result.media_moved_to}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {result.manifest['created_at']}: the database and "
                f"{result.media_files} media files in {time.monotonic() - started:.1f} s. "
                "Next: manage.py migrate, audit_verify, ledger_verify."
            )
        )
