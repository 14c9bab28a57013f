"""People's files in an S3-compatible bucket (``MEDIA_STORAGE=s3``), encrypted before they leave.

django-storages' ``S3Storage`` (boto3) holds the bytes; ``EncryptedStorage`` (tanzim.common.storage)
encrypts them first, so the bucket, its replicas and whoever can list it see ``TZF1`` ciphertext
only. Kept apart from ``storage.py`` so a site on the file system never imports boto3.
"""

from __future__ import annotations

from typing import IO, Any

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from tanzim.common.crypto import KEY_ID_HEX
from tanzim.common.storage import MAGIC, EncryptedStorage


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

    def raw_objects(self) -> list[str]:
        """Every object key under this storage's location (for backups)."""
        prefix = self._normalize_name("")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        return [obj.key for obj in self.bucket.objects.filter(Prefix=prefix)]
