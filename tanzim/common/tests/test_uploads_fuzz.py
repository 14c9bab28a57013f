"""Property-based fuzz of inspect_upload: whatever the bytes, a result or a DomainError, nothing else."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tanzim.common.errors import DomainError
from tanzim.common.tests import pdfs
from tanzim.common.uploads import inspect_upload
from tanzim.testing.files import pdf_bytes, upload

FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (12, 16), (30, 90, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


SEEDS = [
    pdf_bytes(2),
    pdfs.build(pdfs.pages(2, catalog_extra=b"/OpenAction [3 0 R /Fit] ")),
    pdfs.build_with_object_stream(pdfs.pages(1), [b"<< /Producer (x) >>", b"[1 2 3]"]),
    pdfs.inflating_to(200_000),
    _jpeg(),
    _png(),
]


def check(content: bytes) -> None:
    try:
        checked = inspect_upload(upload("fuzz", content))
    except DomainError as refused:
        assert "file" in refused.fields
        return
    assert checked.content and checked.pages >= 1 and checked.size == len(checked.content)


PDF_TOKENS = [
    b"/JavaScript",
    b" 0 R",
    b"<<",
    b">>",
    b"[",
    b"stream\n",
    b"endobj",
    b"/Filter /FlateDecode",
    b"\0" * 8,
]
SIGNATURES = [b"%PDF-", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid seed file with bytes flipped, cut, repeated or inserted."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 4096))]
        elif action == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b"/JavaScript",
                        b" 0 R",
                        b"<<",
                        b">>",
                        b"[",
                        b"stream\n",
                        b"endobj",
                        b"/Filter /FlateDecode",
                        b"\0" * 8,
                    ]
                )
                | st.binary(max_size=32)
            )
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 512))] * draw(st.integers(1, 4))
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused_cleanly(content):
    check(content)


@FUZZ
@given(
    st.sampled_from([b"%PDF-", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]),
    st.binary(max_size=4096),
)
def test_random_bytes_behind_an_accepted_signature_are_refused_cleanly(magic, rest):
    check(magic + rest)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mutated())
def test_mutated_pdfs_and_images_give_a_result_or_a_domain_error(content):
    check(content)
