"""People's files in an S3-compatible bucket (moto's server over HTTP): ciphertext in the bucket only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from tanzim.cases import services as case_services
from tanzim.cases.models import Document
from tanzim.catalog.models import Service
from tanzim.common.checks import check_media_storage
from tanzim.common.crypto import generate_key, key_id, parse_key
from tanzim.common.storage import SEGMENT, FileDecryptionError, private_storage
from tanzim.common.storage_s3 import EncryptedS3Storage
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.s3 import S3Media, s3_media_fixture, s3_server_fixture  # noqa: F401 (fixtures)
from tanzim.testing.settings import settings_in_a_new_process

SECRET = b"Confidential: the claimant's bank statement"
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("size", [0, 5, SEGMENT, 2 * SEGMENT + 17])
def test_a_file_goes_to_the_bucket_as_ciphertext_and_comes_back_whole(s3_media: S3Media, settings, size):
    storage = private_storage()
    assert isinstance(storage, EncryptedS3Storage)
    content = (SECRET * (size // len(SECRET) + 1))[:size]

    name = storage.save("cases/2026/secret.pdf", ContentFile(content))

    stored = s3_media.raw(name)
    assert stored.startswith(b"TZF1")
    assert size < 8 or content[:32] not in stored
    assert s3_media.keys() == [f"private/{name}"]
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))  # nothing on this node's disk
    assert storage.exists(name)
    assert storage.size(name) == size
    with storage.open(name) as opened:
        assert opened.read() == content
        opened.seek(size // 2)
        assert opened.read(9) == content[size // 2 : size // 2 + 9]

    storage.delete(name)
    assert not storage.exists(name)
    assert s3_media.keys() == []


def test_the_same_name_twice_is_two_objects_never_an_overwrite(s3_media: S3Media):
    storage = private_storage()
    first = storage.save("t/a.pdf", ContentFile(b"first"))
    second = storage.save("t/a.pdf", ContentFile(b"second"))

    assert first != second
    assert len(s3_media.keys()) == 2
    with storage.open(first) as opened:
        assert opened.read() == b"first"


def test_an_object_altered_in_the_bucket_is_refused(s3_media: S3Media):
    storage = private_storage()
    name = storage.save("t/a.pdf", ContentFile(SECRET * 3000))
    data = bytearray(s3_media.raw(name))
    data[-50] ^= 1
    s3_media.client.put_object(Bucket=s3_media.bucket, Key=f"private/{name}", Body=bytes(data))

    with pytest.raises(FileDecryptionError), storage.open(name) as opened:
        opened.read()


def test_a_document_uploaded_through_the_service_lands_in_the_bucket_and_rotates_there(
    s3_media: S3Media, settings, personas
):
    first = settings.FIELD_ENCRYPTION_KEYS[0]
    second = generate_key()
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))

    document = case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(3))
    )

    stored = s3_media.raw(document.file.name)
    assert stored.startswith(b"TZF1") and b"%PDF" not in stored
    assert s3_media.storage.stored_key_id(document.file.name) == key_id(parse_key(first))

    settings.FIELD_ENCRYPTION_KEYS = [second, first]
    with pytest.raises(SystemExit):
        call_command("encrypt_stored_files", "--check")
    call_command("encrypt_stored_files")

    assert s3_media.storage.stored_key_id(document.file.name) == key_id(parse_key(second))
    assert s3_media.raw(document.file.name) != stored
    settings.FIELD_ENCRYPTION_KEYS = [second]  # the old key is gone: the file still opens
    with Document.objects.get(pk=document.pk).file.open("rb") as opened:
        assert opened.read() == pdf_bytes(3)
    call_command("encrypt_stored_files", "--check")  # nothing left to do: no exit 1


def test_an_object_put_in_plain_before_is_read_as_it_is_then_encrypted_once(
    s3_media: S3Media, personas, capsys
):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    document = case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(4))
    )
    key = f"private/{document.file.name}"
    s3_media.client.put_object(Bucket=s3_media.bucket, Key=key, Body=pdf_bytes(4))  # copied in by hand

    with Document.objects.get(pk=document.pk).file.open("rb") as opened:
        assert opened.read() == pdf_bytes(4)
    call_command("encrypt_stored_files")
    assert "cases.document.file: 1 files, 1 plain encrypted" in capsys.readouterr().out

    assert s3_media.raw(document.file.name).startswith(b"TZF1")
    assert s3_media.storage.size(document.file.name) == len(pdf_bytes(4))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"bucket_name": "", "access_key": "a", "secret_key": "s"}, ["tanzim.E023"]),
        ({"bucket_name": "b", "access_key": "a", "secret_key": ""}, ["tanzim.E024"]),
        ({"bucket_name": "", "access_key": "", "secret_key": ""}, ["tanzim.E023", "tanzim.E024"]),
        ({"bucket_name": "b", "access_key": "a", "secret_key": "s"}, []),
    ],
)
def test_s3_media_without_its_bucket_or_credentials_is_refused(settings, options, expected):
    settings.MEDIA_STORAGE = "s3"
    settings.MEDIA_S3 = options

    found = check_media_storage()

    assert [message.id for message in found] == expected
    assert all(message.is_serious() for message in found)
    if "tanzim.E024" in expected:
        assert "MEDIA_S3_SECRET_ACCESS_KEY" in found[-1].msg


def test_the_file_system_needs_no_bucket(settings):
    settings.MEDIA_STORAGE = "filesystem"
    settings.MEDIA_S3 = {"bucket_name": ""}
    assert check_media_storage() == []


PRINT = """
import django, json
django.setup()
from django.conf import settings
from django.core.management import call_command
from tanzim.common.storage import private_storage
from tanzim.common.checks import check_media_storage
print(json.dumps({
    "private": settings.STORAGES["private"],
    "class": type(private_storage()).__name__,
    "checks": [m.id for m in check_media_storage()],
}))
"""


def _settings_with(tmp_path: Path, **env: str) -> dict:
    return settings_in_a_new_process(tmp_path, PRINT, **env)


def test_media_storage_s3_from_the_environment(tmp_path):
    secret_file = tmp_path / "s3-secret"
    secret_file.write_text("the-secret\n")

    found = _settings_with(
        tmp_path,
        MEDIA_STORAGE="s3",
        MEDIA_S3_BUCKET="tanzim-files",
        MEDIA_S3_ENDPOINT_URL="https://s3.example.ir",
        MEDIA_S3_REGION="ir-thr-1",
        MEDIA_S3_ACCESS_KEY_ID="AKIA-TANZIM",
        MEDIA_S3_SECRET_ACCESS_KEY_FILE=str(secret_file),
    )

    assert found["class"] == "EncryptedS3Storage"
    assert found["private"]["BACKEND"] == "tanzim.common.storage_s3.EncryptedS3Storage"
    options = found["private"]["OPTIONS"]
    assert options["bucket_name"] == "tanzim-files"
    assert options["endpoint_url"] == "https://s3.example.ir"
    assert options["region_name"] == "ir-thr-1"
    assert options["secret_key"] == "the-secret"
    assert options["location"] == "private"
    assert found["checks"] == []


def test_the_file_system_is_the_default_and_a_bucket_without_keys_is_refused(tmp_path):
    assert _settings_with(tmp_path)["class"] == "EncryptedFileSystemStorage"
    assert _settings_with(tmp_path, MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="b")["checks"] == ["tanzim.E024"]


pytestmark = pytest.mark.django_db
