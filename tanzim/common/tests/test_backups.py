"""The backup format: AES-256-GCM in authenticated chunks, and the SHA-256 manifest restore checks."""

from __future__ import annotations

import hashlib
import io
import json
import struct
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tanzim.common import backups
from tanzim.common.backups import BackupError, DecryptingReader, EncryptingWriter, backup_verify, parse_key

KEY = parse_key(backups.generate_key())


def _encrypt(data: bytes, key: bytes = KEY, chunk_size: int = 64) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size=chunk_size)
    for i in range(0, len(data), 10):  # written in pieces smaller than a chunk
        writer.write(data[i : i + 10])
    writer.close()
    return out.getvalue()


def _decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(blob), key)
    data = reader.read()
    reader.drain()
    return data


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 640, 1000])
def test_an_encrypted_file_decrypts_to_exactly_what_was_written(size):
    data = bytes(range(256)) * 4
    blob = _encrypt(data[:size])
    if size >= 16:
        assert data[:size] not in blob
    assert _decrypt(blob) == data[:size]


def test_reading_in_small_pieces_gives_the_same_bytes():
    data = hashlib.sha256(b"x").digest() * 50
    reader = DecryptingReader(io.BytesIO(_encrypt(data)), KEY)
    pieces = []
    while piece := reader.read(7):
        pieces.append(piece)
    assert b"".join(pieces) == data


def test_a_changed_byte_anywhere_is_refused():
    blob = bytearray(_encrypt(b"a" * 300))
    header = struct.calcsize(">8sBI8s7s")
    for position in (header + 5 + 3, len(blob) - 1, 2, header - 1):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(BackupError):
            _decrypt(bytes(damaged))


def test_a_file_cut_short_is_refused_even_at_a_chunk_boundary():
    blob = _encrypt(b"b" * 640)
    record = 5 + 64 + 16
    header = struct.calcsize(">8sBI8s7s")
    whole_chunks = blob[: header + 3 * record]  # three full chunks, no final one
    with pytest.raises(BackupError, match="cut short"):
        _decrypt(whole_chunks)
    with pytest.raises(BackupError):
        _decrypt(blob[:-1])


def test_reordered_chunks_and_trailing_data_are_refused():
    blob = _encrypt(b"0" * 64 + b"1" * 64 + b"2" * 10)
    header = struct.calcsize(">8sBI8s7s")
    record = 5 + 64 + 16
    first, second = blob[header : header + record], blob[header + record : header + 2 * record]
    swapped = blob[:header] + second + first + blob[header + 2 * record :]
    with pytest.raises(BackupError, match="authentication"):
        _decrypt(swapped)
    with pytest.raises(BackupError, match="follows the final"):
        _decrypt(blob + b"\x00")


def test_another_key_is_named_as_the_reason_before_any_decryption():
    other = parse_key(backups.generate_key())
    with pytest.raises(BackupError, match="another key"):
        _decrypt(_encrypt(b"secret"), key=other)


@pytest.mark.parametrize("text", ["not base64 at all!", "c2hvcnQ="])
def test_a_malformed_key_is_refused(text):
    with pytest.raises(BackupError):
        parse_key(text)


def _backup_dir(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "tanzim-20261203T000000Z"
    path.mkdir()
    listed = {}
    for name, data in files.items():
        (path / name).write_bytes(data)
        listed[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {"format": backups.FORMAT, "version": backups.FORMAT_VERSION, "files": listed}
    (path / backups.MANIFEST).write_text(json.dumps(manifest))
    (path / backups.SUMS).write_text("".join(f"{m['sha256']}  {n}\n" for n, m in listed.items()))
    return path


def test_verification_accepts_files_that_match_their_checksums(tmp_path):
    path = _backup_dir(tmp_path, {"database.dump": b"PGDMP...", "media.tar": b"\0" * 1024})
    assert set(backup_verify(path)["files"]) == {"database.dump", "media.tar"}


def test_restore_refuses_a_file_whose_checksum_does_not_match_before_touching_anything(tmp_path):
    path = _backup_dir(tmp_path, {"database.dump": b"PGDMP...", "media.tar": b"\0" * 1024})
    (path / "media.tar").write_bytes(b"\0" * 1023 + b"\1")  # same size, one bit flipped
    with pytest.raises(BackupError, match="does not match its checksum"):
        backup_verify(path)
    # The command refuses before it looks at the database (SQLite here: it would refuse that next).
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(path), stdout=io.StringIO())


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(tmp_path):
    path = _backup_dir(tmp_path, {"database.dump": b"x", "media.tar": b"y"})
    manifest = json.loads((path / backups.MANIFEST).read_text())
    manifest["files"]["../etc.tar"] = manifest["files"].pop("media.tar")
    (path / backups.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="unsafe"):
        backup_verify(path)


def test_an_unfinished_backup_directory_is_not_a_backup(tmp_path):
    (tmp_path / "tanzim-x.partial").mkdir()
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        backup_verify(tmp_path / "tanzim-x.partial")
