"""Backups with people's files in an S3 bucket: media.tar carries the objects as stored (ciphertext)."""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from tanzim.common import backups
from tanzim.common.backups import BackupError
from tanzim.common.storage import EncryptedFileSystemStorage, private_storage
from tanzim.common.storage_s3 import EncryptedS3Storage
from tanzim.testing.s3 import S3Media, s3_media_fixture, s3_server_fixture  # noqa: F401 (fixtures)

PLAIN = b"%PDF-1.7 the claimant's bank statement " * 4000


def _second_bucket(s3_media: S3Media) -> EncryptedS3Storage:
    options = {**s3_media.options, "bucket_name": f"tanzim-restored-{uuid.uuid4().hex[:8]}"}
    s3_media.client.create_bucket(Bucket=options["bucket_name"])
    return EncryptedS3Storage(**options)


def test_the_bucket_goes_into_media_tar_as_ciphertext_and_back_into_another_bucket(
    s3_media: S3Media, tmp_path: Path
):
    storage = private_storage()
    names = [storage.save(f"cases/2026/{n}.pdf", ContentFile(PLAIN + bytes([n]))) for n in range(3)]
    key = backups.generate_key()

    hashing, objects = backups._tar_media(
        tmp_path / "no-media-root", tmp_path / "media.tar.tzenc", backups.parse_key(key), bucket=storage
    )
    plain_tar = tmp_path / "media.tar"
    backups._tar_media(tmp_path / "no-media-root", plain_tar, None, bucket=storage)

    assert objects == 3 and hashing.size > 3 * len(PLAIN)
    with tarfile.open(plain_tar) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    assert sorted(members) == sorted(f"bucket/{name}" for name in names)
    assert all(data.startswith(b"TZF1") and b"bank statement" not in data for data in members.values())
    assert members[f"bucket/{names[0]}"] == s3_media.raw(names[0])  # copied, never decrypted

    restored = _second_bucket(s3_media)
    count = backups._restore_media(
        tmp_path / "media.tar.tzenc", backups.parse_key(key), tmp_path / "media-root", bucket=restored
    )

    assert count == 3
    assert not (tmp_path / "media-root").exists() or not any((tmp_path / "media-root").rglob("*"))
    for n, name in enumerate(names):
        with restored.open(name) as opened:
            assert opened.read() == PLAIN + bytes([n])


def test_a_site_without_a_bucket_restores_the_objects_as_its_encrypted_files(
    s3_media: S3Media, tmp_path: Path
):
    storage = private_storage()
    name = storage.save("disputes/awards/award.pdf", ContentFile(PLAIN))
    backups._tar_media(tmp_path / "none", tmp_path / "media.tar", None, bucket=storage)
    media_root = tmp_path / "media-root"

    assert backups._restore_media(tmp_path / "media.tar", None, media_root) == 1

    on_disk = EncryptedFileSystemStorage(location=media_root)
    assert (media_root / name).read_bytes().startswith(b"TZF1")
    with on_disk.open(name) as opened:
        assert opened.read() == PLAIN


def test_a_member_climbing_out_of_the_bucket_is_refused(tmp_path: Path, s3_media: S3Media):
    path = tmp_path / "media.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("bucket/../../etc/passwd")
        info.size = 1
        tar.addfile(info, fileobj=io.BytesIO(b"x"))

    with pytest.raises(BackupError, match="unsafe name"):
        backups._restore_media(path, None, tmp_path / "media-root", bucket=private_storage())
    assert s3_media.keys() == []


def test_media_bucket_is_the_private_storage_only_in_s3_mode(s3_media: S3Media, settings):
    assert backups.media_bucket() is storages["private"]
    settings.MEDIA_STORAGE = "filesystem"
    assert backups.media_bucket() is None


pytestmark = pytest.mark.django_db
