"""Hand-built PDFs for the upload tests: exact objects (classic xref, or xref stream and object streams)."""

from __future__ import annotations

import struct
import zlib


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def build(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF of ``objects`` (object n is ``objects[n-1]``) with a classic cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def build_with_object_stream(plain: list[bytes], packed: list[bytes]) -> bytes:
    """Objects 1..len(plain) written as they are; the next ones packed in a compressed object stream.

    The cross-reference is a stream too (the only way to point into an object stream), so none of
    the packed objects' bytes appear uncompressed in the file.
    """
    first_packed = len(plain) + 1
    stm_number = first_packed + len(packed)
    xref_number = stm_number + 1
    header, body = b"", b""
    for index, obj in enumerate(packed):
        header += b"%d %d " % (first_packed + index, len(body))
        body += obj + b" "
    objstm = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, obj in enumerate(plain, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    offsets[stm_number] = len(out)
    out += (
        b"%d 0 obj\n" % stm_number
        + stream(b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(header)), objstm)
        + b"\nendobj\n"
    )
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        else:
            rows.append(struct.pack(">BIH", 2, stm_number, number - first_packed))
    data = b"".join(rows)
    out += (
        b"%d 0 obj\n" % xref_number
        + stream(b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1), data)
        + b"\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def pages(
    count: int = 1, *, catalog_extra: bytes = b"", page_extra: bytes = b"", content: bytes = b""
) -> list[bytes]:
    """Objects 1 (catalog), 2 (pages), 3.. (pages), last (a content stream)."""
    content_number = 3 + count
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
    ]
    for _ in range(count):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R " % content_number
            + page_extra
            + b">>"
        )
    objects.append(stream(b"", content or b"BT ET"))
    return objects


def inflating_to(size: int, *, filters: bytes = b"/FlateDecode", hex_wrap: bool = False) -> bytes:
    """A one-page PDF whose content stream inflates to ``size`` zero bytes (compressed piecewise)."""
    packer = zlib.compressobj(9)
    piece = bytes(1024 * 1024)
    compressed = bytearray()
    for _ in range(size // len(piece)):
        compressed += packer.compress(piece)
    compressed += packer.compress(bytes(size % len(piece))) + packer.flush()
    data = bytes(compressed).hex().encode() + b">" if hex_wrap else bytes(compressed)
    objects = pages(1)
    objects[-1] = stream(b"/Filter " + filters, data)
    return build(objects)
