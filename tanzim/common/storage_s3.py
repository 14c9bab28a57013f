"""People's files in an S3-compatible bucket (``MEDIA_STORAGE=s3``), encrypted before they leave.

django-storages' ``S3Storage`` (boto3) holds the bytes; ``EncryptedStorage`` (tanzim.common.storage)
encrypts them first, so the bucket, its replicas and whoever can list it see ``TZF1`` ciphertext
only. Kept apart from ``storage.py`` so a site on the file system never imports boto3.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from tanzim.common.crypto import KEY_ID_HEX
from tanzim.common.storage import MAGIC, SPOOL, EncryptedStorage


class EncryptedS3Storage(EncryptedStorage, S3Storage):  # type: ignore[misc]  # S3Storage is untyped
    """Encrypted objects in a bucket; never public, never overwritten by a new upload of the same name."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("default_acl", None)  # the bucket's own policy: private
        settings.setdefault("file_overwrite", False)  # a second "a.pdf" gets a new name, as on disk
        settings.setdefault("querystring_auth", True)
        # Ciphertext: no type guessed from the name; objects are only read back through Tanzim.
        settings.setdefault("object_parameters", {"ContentType": "application/octet-stream"})
        super().__init__(**settings)

    def _open_raw(self, name: str) -> IO[bytes]:
        return S3Storage._open(self, name, "rb")  # type: ignore[no-any-return]

    def _head(self, name: str) -> bytes:
        """The header only (a ranged GET), not the whole object."""
        key = self._normalize_name(clean_name(name))
        answer = self.bucket.Object(key).get(Range=f"bytes=0-{len(MAGIC) + KEY_ID_HEX - 1}")
        return answer["Body"].read()  # type: ignore[no-any-return]

    def _prefix(self) -> str:
        prefix = str(self._normalize_name(""))
        return prefix.rstrip("/") + "/" if prefix.strip("/") else ""

    def raw_files(self) -> Iterator[tuple[str, int, float, Callable[[], IO[bytes]]]]:
        """Every stored object as it is (ciphertext): its name under this storage, size, time and a
        way to read it. For backups: the bytes are copied, never decrypted."""
        prefix = self._prefix()
        for summary in self.bucket.objects.filter(Prefix=prefix):
            key = str(summary.key)
            yield key[len(prefix) :], int(summary.size), summary.last_modified.timestamp(), self._reader(key)

    def _reader(self, key: str) -> Callable[[], IO[bytes]]:
        return lambda: self.bucket.Object(key).get()["Body"]

    def has_files(self) -> bool:
        return any(True for _ in self.bucket.objects.filter(Prefix=self._prefix()).limit(1))

    def put_raw(self, name: str, content: IO[bytes]) -> None:
        """Store bytes that are already what the bucket should hold (a restore), under ``name``."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:  # a tar stream cannot seek
            shutil.copyfileobj(content, spool)
            spool.seek(0)
            self.bucket.Object(self._normalize_name(clean_name(name))).upload_fileobj(
                spool, ExtraArgs={"ContentType": "application/octet-stream"}, Config=self.transfer_config
            )
