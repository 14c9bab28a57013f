"""``manage.py encrypt_stored_files``: every file of the "private" storage encrypted under the newest key."""

from __future__ import annotations

from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models

from tanzim.common.crypto import keyring
from tanzim.common.storage import EncryptedStorage


@dataclass
class FieldReport:
    label: str
    files: int = 0
    encrypted: int = 0  # stored in plain before: now encrypted
    rekeyed: int = 0  # under an older key before: now under the newest
    missing: int = 0


def encrypted_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every (model, FileField) whose storage is encrypted."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and isinstance(field.storage, EncryptedStorage):
                found.append((model, field))
    return found


def encrypt_stored_files(*, dry_run: bool = False) -> list[FieldReport]:
    current = keyring().current.key_id
    reports = []
    for model, field in encrypted_file_fields():
        storage = field.storage
        assert isinstance(storage, EncryptedStorage)
        report = FieldReport(f"{model._meta.label_lower}.{field.name}")
        names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
        for name in names.distinct().iterator():
            report.files += 1
            if not storage.exists(name):
                report.missing += 1
                continue
            key_id = storage.stored_key_id(name)
            if key_id == current:
                continue
            if not dry_run:
                storage.reencrypt(name)
            if key_id is None:
                report.encrypted += 1
            else:
                report.rekeyed += 1
        reports.append(report)
    return reports


class Command(BaseCommand):
    help = (
        "Encrypt every stored file of people's documents (the encrypted FileFields) that is still in "
        "plain, and re-encrypt those under an older key, under the first key of FIELD_ENCRYPTION_KEYS. "
        "Each file is rewritten atomically; running it again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Count the files not encrypted under the newest key, change nothing; exit 1 if any.",
        )

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        reports = encrypt_stored_files(dry_run=check)
        pending = 0
        for r in reports:
            pending += r.encrypted + r.rekeyed
            verb = "to do" if check else "done"
            self.stdout.write(
                f"{r.label}: {r.files} files, {r.encrypted} plain encrypted, {r.rekeyed} re-keyed ({verb}), "
                f"{r.missing} missing"
            )
        if check and pending:
            self.stderr.write(f"{pending} files are not encrypted under the newest key.")
            raise SystemExit(1)
