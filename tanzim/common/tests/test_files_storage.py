"""People's files: ciphertext on disk, read back whole, refused if altered; keys rotate; old files migrate."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command

from tanzim.cases import services as case_services
from tanzim.cases.models import Document
from tanzim.catalog.models import Service
from tanzim.common.crypto import generate_key, key_id, parse_key
from tanzim.common.storage import SEGMENT, EncryptedFileSystemStorage, FileDecryptionError, private_storage
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, upload

SECRET = b"Confidential: the claimant's bank statement"


@pytest.fixture
def keys(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    first, second = generate_key(), generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [first]
    return first, second


def raw(storage: FileSystemStorage, name: str) -> bytes:
    with open(storage.path(name), "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17])
def test_a_file_is_ciphertext_on_disk_and_read_back_whole(keys, size):
    storage = private_storage()
    content = (SECRET * (size // len(SECRET) + 1))[:size]

    name = storage.save("t/secret.pdf", ContentFile(content))

    on_disk = raw(storage, name)
    # A byte or two of plaintext turns up in random ciphertext by chance; eight never do.
    assert size < 8 or content[:32] not in on_disk
    assert on_disk.startswith(b"TZF1")
    assert storage.size(name) == size
    with storage.open(name) as opened:
        assert opened.read() == content
        opened.seek(size // 2)
        assert opened.read(7) == content[size // 2 : size // 2 + 7]


def test_an_altered_or_cut_file_is_refused_never_read_wrong(keys):
    storage = private_storage()
    name = storage.save("t/secret.pdf", ContentFile(SECRET * 5000))
    path = storage.path(name)
    data = bytearray(raw(storage, name))

    data[-100] ^= 1
    with open(path, "wb") as handle:
        handle.write(data)
    with pytest.raises(FileDecryptionError), storage.open(name) as opened:
        opened.read()

    data[-100] ^= 1
    with open(path, "wb") as handle:  # cut after the first segment: that segment is not the last
        handle.write(data[: 79 + SEGMENT + 16])
    with pytest.raises(FileDecryptionError), storage.open(name) as opened:
        opened.read()


def test_after_a_rotation_old_files_still_open_and_the_command_moves_them_to_the_new_key(
    keys, settings, personas
):
    first, second = keys
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    document = case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1))
    )
    storage = document.file.storage
    assert isinstance(storage, EncryptedFileSystemStorage)
    assert storage.stored_key_id(document.file.name) == key_id(parse_key(first))

    settings.FIELD_ENCRYPTION_KEYS = [second, first]
    with document.file.open("rb") as opened:
        assert opened.read() == pdf_bytes(1)
    with pytest.raises(SystemExit):
        call_command("encrypt_stored_files", "--check")
    call_command("encrypt_stored_files")

    assert storage.stored_key_id(document.file.name) == key_id(parse_key(second))
    settings.FIELD_ENCRYPTION_KEYS = [second]
    with Document.objects.get(pk=document.pk).file.open("rb") as opened:
        assert opened.read() == pdf_bytes(1)
    call_command("encrypt_stored_files", "--check")  # nothing left: no exit 1


def test_files_stored_in_plain_before_are_encrypted_in_place_once(keys, personas, capsys):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    document = case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(2))
    )
    plain_storage = FileSystemStorage()
    os.remove(plain_storage.path(document.file.name))
    plain_storage.save(document.file.name, ContentFile(pdf_bytes(2)))  # as a deployment before this change
    assert raw(plain_storage, document.file.name).startswith(b"%PDF")
    with document.file.open("rb") as opened:  # read as it is meanwhile
        assert opened.read() == pdf_bytes(2)

    call_command("encrypt_stored_files")
    first = capsys.readouterr().out
    call_command("encrypt_stored_files")
    second = capsys.readouterr().out

    assert raw(plain_storage, document.file.name).startswith(b"TZF1")
    with Document.objects.get(pk=document.pk).file.open("rb") as opened:
        assert opened.read() == pdf_bytes(2)
    assert "cases.document.file: 1 files, 1 plain encrypted, 0 re-keyed" in first
    assert "cases.document.file: 1 files, 0 plain encrypted, 0 re-keyed" in second


def test_every_upload_field_of_a_person_uses_the_encrypted_storage():
    from tanzim.common.management.commands.encrypt_stored_files import encrypted_file_fields

    labels = {f"{model._meta.label_lower}.{field.name}" for model, field in encrypted_file_fields()}

    assert labels >= {
        "cases.document.file",
        "feedback.complaintattachment.file",
        "disputes.disputedocument.file",
        "disputes.settlement.pdf",
        "disputes.award.pdf",
        "finance.freeservicegrant.document",
        "inspections.inspectionevidence.file",
        "inspections.correctiveaction.evidence",
    }


pytestmark = pytest.mark.django_db
