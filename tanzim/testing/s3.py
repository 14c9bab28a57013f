"""A real S3-compatible peer for tests: moto's server mode on a free local port.

``s3_server`` starts it once per test session (boto3 speaks HTTP to it, exactly as to MinIO or
AWS); ``s3_media`` makes a fresh bucket and points the "private" storage, and every encrypted
FileField, at it for one test. A test module imports ``s3_server_fixture, s3_media_fixture``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tanzim.common.crypto import generate_key

REGION = "us-east-1"
ACCESS_KEY = "tanzim-test-access"
SECRET_KEY = "tanzim-test-secret"


@dataclass
class S3Media:
    options: dict[str, Any]
    storage: Any  # EncryptedS3Storage
    client: Any  # boto3 S3 client, for the raw objects

    @property
    def bucket(self) -> str:
        return str(self.options["bucket_name"])

    def raw(self, name: str) -> bytes:
        """The stored object's bytes, as anyone with the bucket's credentials would read them."""
        key = f"{self.options['location']}/{name}"
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return sorted(item["Key"] for item in listed)


@pytest.fixture(name="s3_server", scope="session")
def s3_server_fixture() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(name="s3_media")
def s3_media_fixture(
    s3_server: str, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> S3Media:
    from django.core.files.storage import storages

    from tanzim.common.management.commands.encrypt_stored_files import encrypted_file_fields

    settings.MEDIA_ROOT = tmp_path / "media"  # must stay empty: nothing is written to disk
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]
    options = {
        "bucket_name": f"tanzim-{uuid.uuid4().hex[:12]}",
        "endpoint_url": s3_server,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "location": "private",
        "addressing_style": "path",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=options["bucket_name"])
    settings.MEDIA_STORAGE = "s3"
    settings.MEDIA_S3 = options
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "tanzim.common.storage_s3.EncryptedS3Storage", "OPTIONS": options},
    }
    storage = storages["private"]
    # A FileField resolves its storage once, at import: point each encrypted one at the bucket.
    for _model, field in encrypted_file_fields():
        monkeypatch.setattr(field, "storage", storage)
    return S3Media(options=options, storage=storage, client=client)
