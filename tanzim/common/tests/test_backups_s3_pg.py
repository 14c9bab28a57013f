"""``manage.py backup`` and ``restore`` with people's files in an S3 bucket (moto), on PostgreSQL."""

from __future__ import annotations

import io
import json
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tanzim.cases import services as case_services
from tanzim.catalog.models import Service
from tanzim.common import backups
from tanzim.common.storage_s3 import EncryptedS3Storage
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.s3 import S3Media, s3_media_fixture, s3_server_fixture  # noqa: F401 (fixtures)
from tanzim.testing.services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_backup_carries_the_bucket_and_restore_refills_an_empty_one(
    s3_media: S3Media, personas, settings, tmp_path
):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    document = case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(5))
    )
    settings.BACKUP_ENCRYPTION_KEY = backups.generate_key()

    out = io.StringIO()
    call_command("backup", output_dir=str(tmp_path / "backups"), stdout=out)
    (backup_dir,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup_dir / backups.MANIFEST).read_text())
    assert manifest["bucket"] == {"name": s3_media.bucket, "prefix": "private", "objects": 1}
    assert f"1 objects of s3://{s3_media.bucket}/private" in out.getvalue()

    source_url = database_url()
    admin_url = source_url.rsplit("/", 1)[0] + "/postgres"
    restored_name = f"{connection.settings_dict['NAME']}_s3_restored"
    restored_url = source_url.rsplit("/", 1)[0] + f"/{restored_name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        # The live bucket holds the file already: refused, before the database is touched.
        with pytest.raises(CommandError, match="already holds files"):
            call_command("restore", str(backup_dir), database_url=restored_url, stdout=io.StringIO())
        with psycopg.connect(restored_url) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (
                0,
            )

        empty = f"tanzim-restored-{uuid.uuid4().hex[:8]}"
        s3_media.client.create_bucket(Bucket=empty)
        settings.MEDIA_S3 = {**s3_media.options, "bucket_name": empty}
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "tanzim.common.storage_s3.EncryptedS3Storage",
                "OPTIONS": settings.MEDIA_S3,
            },
        }
        call_command("restore", str(backup_dir), database_url=restored_url, stdout=io.StringIO())

        with psycopg.connect(restored_url) as conn:
            row = conn.execute("SELECT file FROM cases_document WHERE id = %s", [document.pk]).fetchone()
        assert row is not None
        (name,) = row
        restored = EncryptedS3Storage(**settings.MEDIA_S3)
        assert name == document.file.name
        assert restored.stored_key_id(name) is not None  # still ciphertext in the new bucket
        with restored.open(name) as opened:
            assert opened.read() == pdf_bytes(5)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
