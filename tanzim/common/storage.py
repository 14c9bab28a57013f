"""People's files encrypted at rest: ``EncryptedStorage``, a layer over any Django storage.

The "private" storage (``STORAGES["private"]``, ``MEDIA_STORAGE``) is ``EncryptedFileSystemStorage``
(files under MEDIA_ROOT, the default) or ``tanzim.common.storage_s3.EncryptedS3Storage`` (objects in
an S3-compatible bucket through django-storages); either way the storage below holds ciphertext only.

The keys are those of the encrypted fields (``FIELD_ENCRYPTION_KEYS``, ``tanzim.common.crypto``):
the first key encrypts, every key decrypts, a file names the key it needs. Each file has a random
data key of its own, wrapped (AES-256-GCM) by the key; the content is encrypted with the data key
in 64 KiB segments (AES-256-GCM, the STREAM construction: each segment's nonce holds its number
and whether it is the last, so a file cut short, reordered or altered is refused, never read
wrong). A stored file::

    b"TZF1" | key id (8) | wrap nonce (12) | wrapped data key (32 + 16) | nonce prefix (7)
    | segment 0 (≤ 64 KiB + 16) | … | last segment (+ 16)

Reading decrypts one segment at a time and may seek, so a download streams with a correct
``Content-Length``. A file written before the storage was encrypted (no ``TZF1`` header) is read
as it is; ``manage.py encrypt_stored_files`` encrypts those, and re-encrypts files under an older
key after a rotation (idempotent).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from tanzim.common.crypto import KEY_ID_HEX, keyring

MAGIC = b"TZF1"
SEGMENT = 64 * 1024
TAG = 16
_WRAPPED = 32 + TAG
_PREFIX = 7
SPOOL = 8 * 1024 * 1024  # an encrypted upload is held in memory up to this size, then on disk
HEADER = len(MAGIC) + KEY_ID_HEX + 12 + _WRAPPED + _PREFIX


class FileDecryptionError(OSError):
    """A stored file could not be decrypted: its key is not configured, or it was altered."""


def private_storage() -> EncryptedStorage:
    """The storage of people's files (``STORAGES["private"]``), for ``FileField(storage=...)``."""
    return storages["private"]  # type: ignore[return-value]


def _wrap_aad(key_id: str) -> bytes:
    return MAGIC + key_id.encode("ascii") + b" file data key"


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The encrypted file, piece by piece, for plain ``chunks`` of any sizes."""
    key = keyring().current
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce = os.urandom(12)
    wrapped = key.aead.encrypt(wrap_nonce, data_key, _wrap_aad(key.key_id))
    prefix = os.urandom(_PREFIX)
    header = MAGIC + key.key_id.encode("ascii") + wrap_nonce + wrapped + prefix
    yield header
    aead = AESGCM(data_key)
    index = 0
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) > SEGMENT:  # keep the tail: the last segment is sealed as the last
            piece = bytes(buffer[:SEGMENT])
            del buffer[:SEGMENT]
            yield aead.encrypt(_nonce(prefix, index, False), piece, header)
            index += 1
    yield aead.encrypt(_nonce(prefix, index, True), bytes(buffer), header)


def header_key_id(head: bytes) -> str | None:
    """The key id of an encrypted file's first bytes; None for a file stored in plain."""
    if len(head) < len(MAGIC) + KEY_ID_HEX or not head.startswith(MAGIC):
        return None
    return head[len(MAGIC) : len(MAGIC) + KEY_ID_HEX].decode("ascii", "replace")


def plain_size(raw_size: int) -> int:
    body = raw_size - HEADER
    if body < TAG:
        raise FileDecryptionError("An encrypted file is shorter than its header and one segment.")
    segments = -(-body // (SEGMENT + TAG))
    return body - segments * TAG


class DecryptingReader(io.RawIOBase):
    """A seekable, read-only view of the plain content of an encrypted file."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        raw.seek(0, io.SEEK_END)
        raw_size = raw.tell()
        raw.seek(0)
        header = raw.read(HEADER)
        key_id = header_key_id(header)
        key = keyring().get(key_id) if key_id else None
        if key is None or len(header) < HEADER:
            raw.close()
            raise FileDecryptionError(
                f"A stored file is encrypted with key {key_id!r}, which is not in FIELD_ENCRYPTION_KEYS."
            )
        at = len(MAGIC) + KEY_ID_HEX
        wrap_nonce, wrapped, prefix = (
            header[at : at + 12],
            header[at + 12 : at + 12 + _WRAPPED],
            header[-_PREFIX:],
        )
        try:
            data_key = key.aead.decrypt(wrap_nonce, wrapped, _wrap_aad(key.key_id))
        except InvalidTag as exc:
            raw.close()
            raise FileDecryptionError("A stored file's key block was altered.") from exc
        self._aead = AESGCM(data_key)
        self._header, self._prefix = header, prefix
        self._size = plain_size(raw_size)
        self._segments = max(1, -(-(raw_size - HEADER) // (SEGMENT + TAG)))
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._raw.seek(HEADER + index * (SEGMENT + TAG))
        sealed = self._raw.read(SEGMENT + TAG)
        last = index == self._segments - 1
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self._header)
        except InvalidTag as exc:
            raise FileDecryptionError("A stored file was altered or cut short.") from exc
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        index, offset = divmod(self._pos, SEGMENT)
        segment = self._segment(index)
        count = min(len(buffer), len(segment) - offset)
        buffer[:count] = segment[offset : offset + count]
        self._pos += count
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Encrypting(File):  # type: ignore[type-arg]
    """What FileSystemStorage._save writes: the encrypted chunks (and no temporary path to move)."""

    def __init__(self, source: File) -> None:  # type: ignore[type-arg]
        super().__init__(None, name=source.name)
        self._source = source

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return encrypt_chunks(self._source.chunks(chunk_size))

    def close(self) -> None:
        pass  # nothing of its own to close: the source belongs to the caller


def _spooled(source: File) -> File:  # type: ignore[type-arg]
    """The encrypted content as a seekable file (in memory up to SPOOL bytes, then on disk)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+b")  # noqa: SIM115 (closed with the File)
    for piece in encrypt_chunks(source.chunks()):
        spool.write(piece)
    spool.seek(0)
    return File(spool, name=source.name)


class EncryptedStorage(Storage):
    """The encryption layer over any Django storage: mixed in before the storage that holds the bytes.

    The storage below only ever sees ciphertext (``TZF1`` files); ``open`` and ``size`` answer for
    the plain content. ``EncryptedFileSystemStorage`` and ``EncryptedS3Storage`` are the two used
    (``MEDIA_STORAGE``, config/settings.py).
    """

    def _encrypted(self, content: File) -> File:  # type: ignore[type-arg]
        return _spooled(content)

    def _save(self, name: str, content: File) -> str:  # type: ignore[type-arg]
        encrypted = self._encrypted(content)
        try:
            return str(super()._save(name, encrypted))  # type: ignore[misc]
        finally:
            encrypted.close()

    def _open_raw(self, name: str) -> IO[bytes]:
        return super()._open(name, "rb")  # type: ignore[misc,no-any-return]

    def _head(self, name: str) -> bytes:
        """The first bytes of the stored (raw) file: enough to tell the key it is encrypted with."""
        with self._open_raw(name) as raw:
            return raw.read(len(MAGIC) + KEY_ID_HEX)

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Encrypted files are written with save(), not opened for writing.")
        raw = self._open_raw(name)
        if header_key_id(raw.read(len(MAGIC) + KEY_ID_HEX)) is None:
            raw.seek(0)
            return File(raw, name=name)  # stored before encryption: encrypt_stored_files encrypts it
        return File(DecryptingReader(raw), name=name)  # type: ignore[arg-type]

    def size(self, name: str) -> int:
        raw_size = int(super().size(name))
        return raw_size if self.stored_key_id(name) is None else plain_size(raw_size)

    def stored_key_id(self, name: str) -> str | None:
        """The id of the key a stored file is encrypted with; None if it is stored in plain."""
        return header_key_id(self._head(name))

    def reencrypt(self, name: str) -> None:
        """Rewrite one stored file under the newest key, in place (one PUT replaces an object whole)."""
        with self.open(name, "rb") as plain:
            encrypted = _spooled(plain)
        try:
            super()._save(name, encrypted)  # type: ignore[misc]  # the same name: no get_available_name
        finally:
            encrypted.close()


class EncryptedFileSystemStorage(EncryptedStorage, FileSystemStorage):
    """FileSystemStorage whose files are encrypted on disk and decrypted on reading (the default)."""

    def _encrypted(self, content: File) -> File:  # type: ignore[type-arg]
        return _Encrypting(content)  # streamed into the file, no copy

    def _open_raw(self, name: str) -> IO[bytes]:
        return open(self.path(name), "rb")

    def reencrypt(self, name: str) -> None:
        """Rewrite one stored file under the newest key, atomically (a temporary file, then rename)."""
        path = self.path(name)
        temporary = f"{path}.encrypting"
        with self.open(name, "rb") as plain, open(temporary, "wb") as out:
            for piece in encrypt_chunks(plain.chunks()):
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        if self.file_permissions_mode is not None:
            os.chmod(temporary, self.file_permissions_mode)
        os.replace(temporary, path)
