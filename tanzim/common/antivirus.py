"""A ClamAV hook: every accepted upload is streamed to clamd (INSTREAM) when ``CLAMAV_SOCKET`` is set.

``CLAMAV_SOCKET`` is the path of clamd's Unix socket (``/run/clamav/clamd.ctl``) or ``host:port``
of its TCP socket. Unset, nothing is scanned. Set, the check **fails closed**: an infected file is
refused, and so is every upload while clamd cannot be reached or answers something unexpected
(the person is asked to try again; the operator sees a warning in the log, with no personal data).

The protocol (clamd(8), "INSTREAM"): send ``zINSTREAM\\0``, then chunks each prefixed by their
length as a 4-byte big-endian unsigned integer, then a zero-length chunk; clamd answers one
NUL-terminated line, ``stream: OK``, ``stream: <signature> FOUND`` or ``… ERROR``.
"""

from __future__ import annotations

import logging
import socket
import struct

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import DomainError

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_REPLY = 4096


class ScanUnavailable(Exception):
    """clamd is configured but could not give a verdict."""


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("/") or address.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address.removeprefix("unix:"))
        return sock
    host, _sep, port = address.removeprefix("tcp://").rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def clamd_scan(content: bytes, *, address: str, timeout: float) -> str | None:
    """The signature clamd found in ``content``, or None when clean; ScanUnavailable otherwise."""
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            view = memoryview(content)
            for start in range(0, len(view), CHUNK):
                piece = view[start : start + CHUNK]
                sock.sendall(struct.pack("!I", len(piece)) + piece)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
                received = sock.recv(MAX_REPLY)
                if not received:
                    break
                reply += received
    except (OSError, ValueError) as exc:  # refused, missing socket, timeout, bad address
        raise ScanUnavailable(type(exc).__name__) from exc
    line = reply.rstrip(b"\0\n").decode("utf-8", "replace")
    if line.endswith(" OK"):
        return None
    if line.endswith(" FOUND"):
        return line.removeprefix("stream:").removesuffix(" FOUND").strip() or "unknown"
    raise ScanUnavailable(f"unexpected answer: {line[:200]!r}")


def scan_upload(content: bytes) -> None:
    """Refuse ``content`` if clamd finds something in it or cannot be asked (when configured)."""
    address = getattr(settings, "CLAMAV_SOCKET", "")
    if not address:
        return
    try:
        found = clamd_scan(content, address=address, timeout=settings.CLAMAV_TIMEOUT_SECONDS)
    except ScanUnavailable as exc:
        # The address is the operator's own configuration; the file and its owner are not logged.
        log.warning("Antivirus scan unavailable (%s) at %s: upload refused", exc, address)
        message = _("The file could not be checked for viruses just now. Please try again in a few minutes.")
        raise DomainError(message, code="scan_unavailable", fields={"file": [message]}) from exc
    if found is not None:
        log.warning("Antivirus refused an upload: %s (%s bytes)", found, len(content))
        message = _("This file contains a virus or other malicious content and cannot be accepted.")
        raise DomainError(message, code="infected_file", fields={"file": [message]})
