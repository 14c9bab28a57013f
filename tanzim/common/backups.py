"""Backups of a Tanzim site: the PostgreSQL database (pg_dump, custom format) and the media files (tar).

A backup is a directory ``tanzim-<UTC time>/`` holding

- ``database.dump`` — ``pg_dump --format=custom`` of the database;
- ``media.tar`` — every file under ``MEDIA_ROOT`` (uploads, receipts, confirmations); with
  ``MEDIA_STORAGE=s3`` also every object of the people's-files bucket, as stored (ciphertext), under
  ``bucket/`` — restored into the bucket, or into ``MEDIA_ROOT`` on a site without one;
- ``manifest.json`` — what the backup is (format version, time, server and pg_dump versions, the
  last migration of every app, encryption) and each file's size and SHA-256;
- ``SHA256SUMS`` — the same checksums as ``sha256sum -c SHA256SUMS`` reads them.

With ``BACKUP_ENCRYPTION_KEY`` set, both data files are encrypted as they are written and named
``database.dump.tzenc``, ``media.tar.tzenc``; the checksums are those of the stored (encrypted)
bytes, so a copy can be checked without the key. Nothing is held in memory beyond one chunk: the
dump is piped from pg_dump through the hash (and the cipher) into the file, and back out of it into
pg_restore.

Encrypted file format (version 1), AES-256-GCM in independent chunks, each authenticated:

    header  = b"TZBACKUP" | version (1 byte, 1) | chunk size (4 bytes, big-endian)
              | key id (8 bytes: the first 8 of SHA-256(b"tanzim-backup-key:" + key))
              | nonce prefix (7 random bytes)
    record  = final flag (1 byte, 0 or 1) | length of the ciphertext (4 bytes, big-endian) | ciphertext
    nonce of record i = nonce prefix (7) | i (4 bytes, big-endian) | final flag (1)
    associated data   = the 28-byte header

Every record but the last holds exactly ``chunk size`` plaintext bytes; the last one is flagged
final (possibly empty) and nothing may follow it. A record that was changed, dropped, reordered or
moved from another file fails its tag; a file cut short has no final record; both are refused.
The key is 32 random bytes in URL-safe base64 (``manage.py backup --generate-key``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "tanzim-backup"
FORMAT_VERSION = 1
MAGIC = b"TZBACKUP"
CIPHER_VERSION = 1
CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">8sBI8s7s")  # magic, version, chunk size, key id, nonce prefix
_RECORD = struct.Struct(">BI")  # final flag, ciphertext length
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
ENCRYPTED_SUFFIX = ".tzenc"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
BUCKET_DIR = "bucket"  # media.tar's directory for the objects of an S3 bucket


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- keys -----------------------------------------------------------------------------------


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise BackupError("BACKUP_ENCRYPTION_KEY is not URL-safe base64.") from exc
    if len(key) != 32:
        raise BackupError(f"BACKUP_ENCRYPTION_KEY must hold 32 bytes, it holds {len(key)}.")
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"tanzim-backup-key:" + key).digest()[:8]


# --- streams ----------------------------------------------------------------------------------


class HashingWriter:
    """Writes to a file, counting the bytes and hashing them (SHA-256)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def close(self) -> None:
        self.raw.flush()


class EncryptingWriter:
    """A writable stream that encrypts into records of ``chunk_size`` plaintext bytes (format above)."""

    def __init__(self, sink: HashingWriter | IO[bytes], key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        self.sink = sink
        self.aead = AESGCM(key)
        self.chunk_size = chunk_size
        self.header = _HEADER.pack(MAGIC, CIPHER_VERSION, chunk_size, key_id(key), secrets.token_bytes(7))
        self.prefix = self.header[-7:]
        self.counter = 0
        self.buffer = bytearray()
        self.closed = False
        sink.write(self.header)

    def _emit(self, plaintext: bytes, final: bool) -> None:
        if self.counter >= 2**32:
            raise BackupError("too many chunks for one file")
        nonce = self.prefix + struct.pack(">IB", self.counter, int(final))
        ciphertext = self.aead.encrypt(nonce, plaintext, self.header)
        self.sink.write(_RECORD.pack(int(final), len(ciphertext)))
        self.sink.write(ciphertext)
        self.counter += 1

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) > self.chunk_size:  # keep the last (maybe full) chunk for close()
            self._emit(bytes(self.buffer[: self.chunk_size]), final=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self.buffer), final=True)
            self.buffer.clear()
            self.closed = True


class DecryptingReader:
    """A readable stream over an encrypted file; every byte it returns has passed its tag."""

    def __init__(self, raw: IO[bytes], key: bytes) -> None:
        self.raw = raw
        header = raw.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise BackupError("the encrypted file is shorter than its header")
        magic, version, chunk_size, kid, prefix = _HEADER.unpack(header)
        if magic != MAGIC or version != CIPHER_VERSION:
            raise BackupError("not a Tanzim encrypted backup file (or a newer format)")
        if kid != key_id(key):
            raise BackupError("this file was encrypted with another key (key id differs)")
        self.aead = AESGCM(key)
        self.header = header
        self.chunk_size = chunk_size
        self.prefix = prefix
        self.counter = 0
        self.buffer = bytearray()
        self.finished = False

    def _next_record(self) -> None:
        head = self.raw.read(_RECORD.size)
        if len(head) != _RECORD.size:
            raise BackupError("the encrypted file was cut short (no final chunk)")
        final, length = _RECORD.unpack(head)
        if final not in (0, 1) or length > self.chunk_size + TAG_SIZE or length < TAG_SIZE:
            raise BackupError(f"chunk {self.counter} is malformed")
        ciphertext = self.raw.read(length)
        if len(ciphertext) != length:
            raise BackupError("the encrypted file was cut short (a chunk is incomplete)")
        nonce = self.prefix + struct.pack(">IB", self.counter, final)
        try:
            plaintext = self.aead.decrypt(nonce, ciphertext, self.header)
        except InvalidTag as exc:
            raise BackupError(f"chunk {self.counter} fails authentication: the file was altered") from exc
        if not final and len(plaintext) != self.chunk_size:
            raise BackupError(f"chunk {self.counter} is malformed")
        self.counter += 1
        self.buffer += plaintext
        if final:
            if self.raw.read(1):
                raise BackupError("data follows the final chunk")
            self.finished = True

    def read(self, size: int = -1) -> bytes:
        while not self.finished and (size < 0 or len(self.buffer) < size):
            self._next_record()
        if size < 0:
            size = len(self.buffer)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def drain(self) -> None:
        """Read to the end, so that the final chunk's tag is checked too."""
        while self.read(CHUNK_SIZE):
            pass


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """Where a database is, as libpq's environment variables (the password never on a command line)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    sslmode: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        if not str(settings_dict.get("ENGINE", "")).endswith("postgresql"):
            raise BackupError("backup and restore work on PostgreSQL only (DATABASE_URL)")
        options = settings_dict.get("OPTIONS") or {}
        return cls(
            name=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            sslmode=str(options.get("sslmode") or ""),
        )

    def env(self) -> dict[str, str]:
        values = {
            "PGDATABASE": self.name,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGSSLMODE": self.sslmode,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({k: v for k, v in values.items() if v})
        return env

    def connect(self) -> Any:
        import psycopg

        kwargs: dict[str, Any] = {"dbname": self.name, "connect_timeout": 10}
        for key, value in (
            ("user", self.user),
            ("password", self.password),
            ("host", self.host),
            ("port", self.port),
            ("sslmode", self.sslmode),
        ):
            if value:
                kwargs[key] = value
        return psycopg.connect(**kwargs)

    def server_major(self) -> int:
        with self.connect() as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
        return int(row[0]) // 10000

    def server_version(self) -> str:
        with self.connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0])

    def table_count(self) -> int:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
        return int(row[0])


def _binary(tool: str) -> str:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(f"{tool} is not installed: install postgresql-client-<server major version>")
    return binary


def tool_version(tool: str) -> tuple[str, int]:
    """``pg_dump --version`` → ("15.20", 15); a missing tool is a BackupError naming the package."""
    binary = _binary(tool)
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    if match is None:
        raise BackupError(f"cannot read the version of {tool}: {out!r}")
    return match.group(0), int(match.group(1))


def check_tool_matches_server(tool: str, database: Database) -> tuple[str, str]:
    version, major = tool_version(tool)
    server = database.server_major()
    if major < server:
        raise BackupError(
            f"{tool} {version} is older than the PostgreSQL {server} server: "
            f"install postgresql-client-{server} (scripts/system-deps.sh) and put it first on PATH"
        )
    return version, database.server_version()


def _stderr_tail(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read()[-2000:].decode("utf-8", "replace").strip()


# --- backup -----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    files: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def _open_sink(
    path: Path, key: bytes | None
) -> tuple[HashingWriter, EncryptingWriter | HashingWriter, IO[bytes]]:
    raw = path.open("wb")
    hashing = HashingWriter(raw)
    writer: EncryptingWriter | HashingWriter = EncryptingWriter(hashing, key) if key else hashing
    return hashing, writer, raw


def _dump_database(database: Database, path: Path, key: bytes | None) -> HashingWriter:
    hashing, writer, raw = _open_sink(path, key)
    with raw, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - pg_dump from PATH, fixed arguments
            [_binary("pg_dump"), "--format=custom", "--no-password"],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=database.env(),
        )
        assert process.stdout is not None
        while chunk := process.stdout.read(CHUNK_SIZE):
            writer.write(chunk)
        if process.wait() != 0:
            raise BackupError(f"pg_dump failed: {_stderr_tail(errors)}")
        writer.close()
    return hashing


def media_bucket() -> Any | None:
    """The people's-files storage when it is an S3 bucket (``MEDIA_STORAGE=s3``), else None."""
    from django.conf import settings

    if getattr(settings, "MEDIA_STORAGE", "filesystem") != "s3":
        return None
    from tanzim.common.storage import private_storage

    return private_storage()


def _tar_media(
    media_root: Path, path: Path, key: bytes | None, bucket: Any | None
) -> tuple[HashingWriter, int]:
    hashing, writer, raw = _open_sink(path, key)
    objects = 0
    with raw:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            if media_root.is_dir():
                for child in sorted(media_root.iterdir()):
                    tar.add(child, arcname=child.name)
            for name, size, mtime, opener in bucket.raw_files() if bucket is not None else ():
                info = tarfile.TarInfo(f"{BUCKET_DIR}/{name}")
                info.size, info.mtime, info.mode = size, mtime, 0o600
                body = opener()
                try:
                    tar.addfile(info, body)  # streamed: one chunk at a time
                finally:
                    body.close()
                objects += 1
        writer.close()
    return hashing, objects


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name").order_by("app", "name"):
        latest[app] = name
    return latest


def backup_create(
    *,
    database: Database,
    media_root: Path,
    output_dir: Path,
    key: bytes | None,
    now: datetime | None = None,
    bucket: Any | None = None,
) -> BackupResult:
    """Write a new backup directory under ``output_dir``; it gets its final name only when complete.

    ``bucket``: the S3 storage of people's files (``media_bucket()``), whose objects go in too.
    """
    pg_dump_version, server_version = check_tool_matches_server("pg_dump", database)
    now = now or datetime.now(UTC)
    name = f"tanzim-{now.strftime('%Y%m%dT%H%M%SZ')}"
    final = output_dir / name
    if final.exists():
        raise BackupError(f"{final} already exists")
    partial = output_dir / f"{name}.partial"
    output_dir.mkdir(parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)
    try:
        suffix = ENCRYPTED_SUFFIX if key else ""
        db_name, media_name = DATABASE_FILE + suffix, MEDIA_FILE + suffix
        dumped = _dump_database(database, partial / db_name, key)
        tarred, objects = _tar_media(media_root, partial / media_name, key, bucket)
        files: dict[str, dict[str, Any]] = {
            db_name: {"sha256": dumped.sha256.hexdigest(), "bytes": dumped.size},
            media_name: {"sha256": tarred.sha256.hexdigest(), "bytes": tarred.size},
        }
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "database": {
                "name": database.name,
                "server_version": server_version,
                "pg_dump_version": pg_dump_version,
            },
            "migrations": _migrations(),
            "encryption": (
                {
                    "algorithm": "AES-256-GCM",
                    "format": CIPHER_VERSION,
                    "chunk_size": CHUNK_SIZE,
                    "key_id": key_id(key).hex(),
                }
                if key
                else None
            ),
            "files": files,
        }
        if bucket is not None:
            manifest["bucket"] = {"name": bucket.bucket_name, "prefix": bucket.location, "objects": objects}
        (partial / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (partial / SUMS).write_text(
            "".join(f"{meta['sha256']}  {fname}\n" for fname, meta in files.items()), encoding="ascii"
        )
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(path=final, manifest=manifest, files={k: v["bytes"] for k, v in files.items()})


# --- restore ----------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} holds no {MANIFEST}: not a Tanzim backup, or an unfinished one")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{manifest_path} is not valid JSON") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{manifest_path} is not a version {FORMAT_VERSION} Tanzim backup manifest")
    files = manifest.get("files")
    if not isinstance(files, dict) or len(files) != 2:
        raise BackupError(f"{manifest_path} lists no files")
    for name in files:
        if not _NAME.match(name):
            raise BackupError(f"{manifest_path} names an unsafe file: {name!r}")
    return manifest


def backup_verify(path: Path) -> dict[str, Any]:
    """Every file's size and SHA-256 against the manifest (and SHA256SUMS); refuses any difference."""
    manifest = read_manifest(path)
    sums_path = path / SUMS
    listed: dict[str, str] = {}
    if sums_path.is_file():
        for line in sums_path.read_text(encoding="ascii").splitlines():
            digest, _, name = line.partition("  ")
            listed[name] = digest
    for name, meta in manifest["files"].items():
        file_path = path / name
        if not file_path.is_file():
            raise BackupError(f"{name} is missing from {path}")
        if listed and listed.get(name) != meta["sha256"]:
            raise BackupError(f"{SUMS} and {MANIFEST} disagree about {name}")
        digest, size = sha256_file(file_path)
        if size != meta["bytes"] or not secrets.compare_digest(digest, meta["sha256"]):
            raise BackupError(
                f"{name} does not match its checksum (sha256 {digest}, {size} bytes; the manifest says "
                f"{meta['sha256']}, {meta['bytes']} bytes): the copy is damaged, restore another backup"
            )
    return manifest


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    media_files: int
    media_moved_to: Path | None


def _open_source(path: Path, key: bytes | None) -> tuple[IO[bytes], DecryptingReader | None]:
    raw = path.open("rb")
    return raw, (DecryptingReader(raw, key) if key else None)


def _chunks(raw: IO[bytes], reader: DecryptingReader | None) -> Iterator[bytes]:
    source: Any = reader or raw
    while chunk := source.read(CHUNK_SIZE):
        yield chunk


def _restore_database(database: Database, path: Path, key: bytes | None, clean: bool) -> None:
    command = [
        _binary("pg_restore"),
        "--dbname",
        database.name,
        "--no-owner",
        "--no-privileges",
        "--no-password",
    ]
    command += ["--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    raw, reader = _open_source(path, key)
    with raw, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors, env=database.env())  # noqa: S603
        assert process.stdin is not None
        try:
            for chunk in _chunks(raw, reader):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass
        except BackupError:
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            raise BackupError(f"pg_restore failed (nothing was restored): {_stderr_tail(errors)}")


def _bucket_name(member: tarfile.TarInfo) -> str | None:
    """The object name of a member under ``bucket/``; None for any other member."""
    parts = member.name.replace("\\", "/").lstrip("./").split("/")
    if parts[0] != BUCKET_DIR:
        return None
    if any(part in ("", ".", "..") for part in parts[1:]):
        raise BackupError(f"media.tar holds an unsafe name: {member.name!r}")
    return "/".join(parts[1:])


def _restore_media(path: Path, key: bytes | None, media_root: Path, bucket: Any | None = None) -> int:
    raw, reader = _open_source(path, key)
    count = 0
    with raw:
        source: Any = reader or raw
        with tarfile.open(fileobj=source, mode="r|") as tar:
            for member in tar:
                object_name = _bucket_name(member)
                if object_name is None:
                    tar.extract(member, media_root, filter="data")
                    count += member.isfile()
                    continue
                if not member.isfile():
                    continue  # bucket/'s directories: a file's parents are made with it
                if bucket is not None:
                    body = tar.extractfile(member)
                    assert body is not None
                    bucket.put_raw(object_name, body)
                else:  # no bucket here: the objects are the private storage's files on disk
                    member.name = object_name
                    tar.extract(member, media_root, filter="data")
                count += 1
        if reader is not None:
            reader.drain()
    return count


def backup_restore(
    *,
    path: Path,
    database_settings: dict[str, Any],
    media_root: Path,
    key: bytes | None,
    clean: bool = False,
    bucket: Any | None = None,
) -> RestoreResult:
    """Verify the backup, then restore the database (one transaction) and the media files.

    Without ``clean`` the database must have no tables and the media directory no files; with it,
    the database's objects are dropped first and the media directory is moved aside
    (``<MEDIA_ROOT>.before-restore-<time>``), never deleted. With ``bucket`` (an S3 storage) the
    backup's ``bucket/`` objects go there: it must hold none without ``clean``; with it, objects of
    the same name are overwritten (the bucket's versioning keeps the old ones) and others are left.
    """
    manifest = backup_verify(path)
    database = Database.from_settings(database_settings)
    encryption = manifest.get("encryption")
    if encryption and key is None:
        raise BackupError("the backup is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with")
    if encryption and encryption.get("key_id") != key_id(key or b"").hex():
        raise BackupError("BACKUP_ENCRYPTION_KEY is not the key this backup was made with (key id differs)")
    if not encryption:
        key = None
    version, major = tool_version("pg_restore")
    dumped_major = int(str(manifest["database"]["pg_dump_version"]).split(".")[0])
    if major < dumped_major:
        raise BackupError(
            f"pg_restore {version} cannot read a dump of pg_dump {manifest['database']['pg_dump_version']}: "
            f"install postgresql-client-{dumped_major}"
        )
    media_busy = media_root.is_dir() and any(media_root.iterdir())
    if not clean:
        if database.table_count():
            raise BackupError(
                f"the database {database.name} is not empty: restore into a new, empty database "
                "(createdb) or pass --clean to drop its objects first"
            )
        if media_busy:
            raise BackupError(f"{media_root} is not empty: pass --clean to move it aside first")
        if bucket is not None and bucket.has_files():
            raise BackupError(
                f"the bucket {bucket.bucket_name} already holds files under {bucket.location!r}: restore "
                "into an empty bucket (or prefix), or pass --clean to write the backup's objects over them"
            )
    db_name = next(n for n in manifest["files"] if n.startswith(DATABASE_FILE))
    media_name = next(n for n in manifest["files"] if n.startswith(MEDIA_FILE))
    _restore_database(database, path / db_name, key, clean)
    moved: Path | None = None
    if media_busy:
        moved = media_root.with_name(f"{media_root.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        media_root.rename(moved)
    media_root.mkdir(parents=True, exist_ok=True)
    count = _restore_media(path / media_name, key, media_root, bucket)
    return RestoreResult(manifest=manifest, media_files=count, media_moved_to=moved)
