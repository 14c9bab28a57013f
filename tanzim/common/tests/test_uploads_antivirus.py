"""The ClamAV hook against a small clamd speaking the real INSTREAM protocol on a Unix socket."""

from __future__ import annotations

import logging
import os
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.utils import translation

from tanzim.common.errors import DomainError
from tanzim.common.tests import pdfs
from tanzim.common.uploads import inspect_upload
from tanzim.testing.files import pdf_bytes, png_bytes, upload

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass
class FakeClamd:
    """clamd's side of INSTREAM: reads the command and the length-prefixed chunks, then answers."""

    path: str
    received: list[bytes] = field(default_factory=list)
    answer_nothing: bool = False

    def serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += conn.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    (length,) = struct.unpack("!I", self._exactly(conn, 4))
                    if length == 0:
                        break
                    data += self._exactly(conn, length)
                self.received.append(data)
                if self.answer_nothing:
                    continue
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    @staticmethod
    def _exactly(conn: socket.socket, size: int) -> bytes:
        out = b""
        while len(out) < size:
            piece = conn.recv(size - len(out))
            if not piece:
                raise ConnectionError("closed")
            out += piece
        return out


@pytest.fixture
def clamd(settings) -> Iterator[FakeClamd]:
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    fake = FakeClamd(path)
    thread = threading.Thread(target=fake.serve, args=(server,), daemon=True)
    thread.start()
    settings.CLAMAV_SOCKET = path
    settings.CLAMAV_TIMEOUT_SECONDS = 5
    yield fake
    server.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the serving thread
    server.close()
    thread.join(timeout=5)
    os.unlink(path)
    os.rmdir(directory)


def test_a_clean_file_is_scanned_whole_and_accepted(clamd):
    content = pdf_bytes(40)  # more than one 64 KiB chunk? a few; the whole file arrives either way

    checked = inspect_upload(upload("a.pdf", content))

    assert checked.pages == 40
    assert clamd.received == [content]


def test_an_infected_file_is_refused(clamd, caplog):
    objects = pdfs.pages(1)
    objects.append(pdfs.stream(b"", EICAR))  # a stream nothing refers to: only the scanner looks
    content = pdfs.build(objects)

    with (
        caplog.at_level(logging.WARNING, logger="tanzim.common.antivirus"),
        pytest.raises(DomainError) as refused,
    ):
        inspect_upload(upload("a.pdf", content))

    assert refused.value.code == "infected_file" and "file" in refused.value.fields
    assert "Eicar-Test-Signature" in caplog.text


def test_an_image_is_scanned_as_uploaded(clamd):
    content = png_bytes()

    inspect_upload(upload("a.png", content, "image/png"))

    assert clamd.received == [content]


def test_an_unreachable_clamd_refuses_the_upload_and_asks_to_try_again(settings, caplog, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")

    with (
        caplog.at_level(logging.WARNING, logger="tanzim.common.antivirus"),
        translation.override("en"),
        pytest.raises(DomainError) as refused,
    ):
        inspect_upload(upload("a.pdf", pdf_bytes(1), "application/pdf"))

    assert refused.value.code == "scan_unavailable"
    with translation.override("en"):
        assert "try again" in str(refused.value.message)
    with translation.override("fa"):
        assert "دوباره تلاش کنید" in str(refused.value.message)
    assert "unavailable" in caplog.text and "a.pdf" not in caplog.text


def test_a_clamd_that_hangs_up_without_a_verdict_fails_closed(clamd):
    clamd.answer_nothing = True

    with pytest.raises(DomainError) as refused:
        inspect_upload(upload("a.pdf", pdf_bytes(1)))

    assert refused.value.code == "scan_unavailable"


def test_a_tcp_address_that_refuses_connections_fails_closed(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMAV_SOCKET = f"127.0.0.1:{port}"

    with pytest.raises(DomainError) as refused:
        inspect_upload(upload("a.pdf", pdf_bytes(1)))

    assert refused.value.code == "scan_unavailable"


def test_without_clamav_configured_nothing_is_scanned(settings):
    settings.CLAMAV_SOCKET = ""

    assert inspect_upload(upload("a.pdf", pdf_bytes(1))).pages == 1
