"""A backup of a database with requests, payments and audit events restores into a new database whole."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.common import backups
from tanzim.finance import services as finance
from tanzim.testing.cases import make_draft
from tanzim.testing.finance import pay_online
from tanzim.testing.services import ROOT, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        counts = {}
        for table in tables:
            (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)
            counts[table] = count
        return counts


def _manage(command: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-only-restored",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    return subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _some_activity(personas) -> None:
    service = Service.objects.get(code="civil_petition")
    for n in range(3):
        make_draft(personas, service)
        payment = finance.payment_create(
            office=personas.office_a,
            payer=personas.citizen,
            quote=fee_quote(service=service, channel="in_person"),
            reference_type="tests.backup",
            reference_id=str(n),
        )
        pay_online(payment)
    default_storage.save("cases/receipt.pdf", ContentFile(b"%PDF-1.7 receipt" * 1000))


def test_a_backup_restores_every_row_and_file_and_the_audit_chains_and_ledger_still_verify(
    personas, settings, tmp_path, capsys
):
    _some_activity(personas)
    settings.BACKUP_ENCRYPTION_KEY = backups.generate_key()
    source_url = database_url()
    restored_url = source_url.rsplit("/", 1)[0] + f"/{connection.settings_dict['NAME']}_restored"
    admin_url = source_url.rsplit("/", 1)[0] + "/postgres"
    restored_name = restored_url.rsplit("/", 1)[1]

    out = io.StringIO()
    started = time.monotonic()
    call_command("backup", output_dir=str(tmp_path / "backups"), stdout=out)
    backup_seconds = time.monotonic() - started
    (backup_dir,) = (tmp_path / "backups").iterdir()
    manifest = backups.backup_verify(backup_dir)
    assert manifest["encryption"]["algorithm"] == "AES-256-GCM"
    assert set(manifest["files"]) == {"database.dump.tzenc", "media.tar.tzenc"}
    assert b"PGDMP" not in (backup_dir / "database.dump.tzenc").read_bytes()[:64]

    # Restoring over a database that has tables is refused (here: the live test database).
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup_dir), stdout=io.StringIO())

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        started = time.monotonic()
        call_command(
            "restore",
            str(backup_dir),
            database_url=restored_url,
            media_dir=str(tmp_path / "restored-media"),
            stdout=io.StringIO(),
        )
        restore_seconds = time.monotonic() - started

        original, restored = _row_counts(source_url), _row_counts(restored_url)
        assert restored == original
        assert original["cases_case"] >= 3 and original["finance_payment"] >= 3
        assert original["audit_auditevent"] > 0 and original["finance_transaction"] > 0
        restored_file = Path(tmp_path / "restored-media" / "cases" / "receipt.pdf")
        assert restored_file.read_bytes() == b"%PDF-1.7 receipt" * 1000

        audit = _manage("audit_verify", restored_url)
        assert audit.returncode == 0, audit.stderr
        assert "OK" in audit.stdout
        ledger = _manage("ledger_verify", restored_url)
        assert ledger.returncode == 0, ledger.stderr
        assert "The ledger is balanced." in ledger.stdout
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    with capsys.disabled():
        size = sum(manifest["files"][n]["bytes"] for n in manifest["files"])
        print(
            f"\nbackup of the test database: {size:,} bytes ({len(original)} tables, "
            f"{sum(original.values()):,} rows) in {backup_seconds:.2f} s; restore {restore_seconds:.2f} s"
        )
