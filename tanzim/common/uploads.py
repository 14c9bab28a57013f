"""Checking an uploaded file by its content, not its name: PDF, JPEG or PNG only.

Every upload goes through ``inspect_upload``, which answers the bytes to store or a ``DomainError``
(never another exception, whatever the bytes: ``tanzim/common/tests/test_uploads_fuzz.py``):

- **PDF**: no encryption; no active content anywhere in the file (JavaScript, actions run on
  opening or on events, launching programs, embedded files, rich media, XFA forms, form
  submission; ``ACTIVE_NAMES``), looked for both in the raw bytes (names spelled with ``#xx``
  escapes included) and in every object pypdf reads, those inside compressed object streams too;
  an ``/OpenAction`` that only opens a page is allowed, any other is refused. The streams inflate
  to at most ``UPLOAD_PDF_MAX_INFLATED_BYTES`` in total: measured with a bounded
  ``zlib.decompressobj`` (``max_length``) that throws the output away, so a bomb is refused after
  the limit is reached and never fills memory; other filters are decoded by pypdf under the same
  limit. At most ``CASES_MAX_PAGES_PER_DOCUMENT`` pages. The PDF is stored as uploaded.
- **JPEG, PNG**: the size is read from the header and a picture over ``UPLOAD_MAX_IMAGE_PIXELS`` is
  refused before any pixel is decoded; then the picture is decoded and **re-encoded** in its own
  format: EXIF (GPS position, camera, times), XMP, comments and text chunks are dropped, and so is
  anything appended after the image. A photo's EXIF orientation is applied to the pixels first.
- Last, the file is scanned by ClamAV when ``CLAMAV_SOCKET`` is set (``antivirus.py``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader, apply_configuration, get_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from tanzim.common.antivirus import scan_upload
from tanzim.common.errors import DomainError

log = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"

# Names that make a PDF do something when it is opened or touched, or carry another file.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",  # additional actions: run on opening a page, on focus, on closing…
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/GoToE",  # go to an embedded file
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
    }
)
# Filters that only decode an image: counted at their stored size (no inflating).
_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"})
_FLATE = frozenset({"/FlateDecode", "/Fl"})
_INFLATE_CHUNK = 64 * 1024
# pypdf's limits (its Configuration) set to our budget while it reads an upload.
_DECODING_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "jbig2_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length",
    "xfa_decoding_work_maximum_length",
)
# A name token in raw PDF bytes: "/" then regular characters (PDF 32000-1, 7.2.2 and 7.3.5).
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Inspected:
    content: bytes
    content_type: str
    pages: int
    sha256: str
    size: int


def _refusal(message: Any, code: str, field_message: Any = None) -> DomainError:
    return DomainError(message, code=code, fields={"file": [field_message or message]})


def _bad_file() -> DomainError:
    return _refusal(_("This file is not a valid PDF, JPEG or PNG."), "bad_file")


def inspect_upload(upload: File[bytes]) -> Inspected:
    limit = settings.CASES_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_big(limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_big(limit)
    if not content:
        raise _bad_file()
    if content.startswith(b"%PDF-"):
        content_type = PDF
        pages = _check_pdf(content)
        stored = content
    elif content.startswith(b"\xff\xd8\xff") or content.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = JPEG if content[0] == 0xFF else PNG
        stored = _reencode_image(content, "JPEG" if content_type == JPEG else "PNG")
        pages = 1
    else:
        raise _bad_file()
    if pages < 1 or pages > settings.CASES_MAX_PAGES_PER_DOCUMENT:
        raise _too_many_pages()
    scan_upload(content)
    return Inspected(stored, content_type, pages, hashlib.sha256(stored).hexdigest(), len(stored))


# --- PDF ------------------------------------------------------------------------------------------


def _check_pdf(content: bytes) -> int:
    """The page count of a PDF without active content and within the limits; DomainError otherwise."""
    _scan_raw_names(content)
    budget = settings.UPLOAD_PDF_MAX_INFLATED_BYTES
    max_pages = settings.CASES_MAX_PAGES_PER_DOCUMENT
    limited = get_configuration().with_overwrites(
        **dict.fromkeys(_DECODING_LIMITS, budget),
        maximum_declared_stream_length=settings.CASES_MAX_UPLOAD_BYTES,
        page_tree_maximum_entries=max(1000, 20 * max_pages),
        page_tree_maximum_page_entries=max(1000, 20 * max_pages),
        jbig2dec_binary=None,
    )
    try:
        with apply_configuration(limited):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise _refusal(_("Encrypted PDF files cannot be accepted."), "encrypted_pdf")
            try:
                pages = len(reader.pages)
            except LimitReachedError as exc:
                raise _too_many_pages() from exc
            if pages > max_pages:
                raise _too_many_pages()
            _walk_objects(reader, budget)
    except DomainError:
        raise
    except LimitReachedError as exc:
        raise _too_inflated(budget) from exc
    except Exception as exc:  # a hostile file may break the parser anywhere: not a valid PDF
        log.info("PDF refused as unreadable: %s", type(exc).__name__)
        raise _bad_file() from exc
    return pages


def _scan_raw_names(content: bytes) -> None:
    """Active names anywhere in the bytes as stored, ``#xx`` escapes decoded (pypdf may skip objects)."""
    for match in _NAME.finditer(content):
        raw = match.group(1)
        if b"#" in raw:
            raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        if "/" + raw.decode("latin-1") in ACTIVE_NAMES:
            raise _active_content()


def _object_refs(reader: PdfReader) -> list[IndirectObject]:
    refs = [
        IndirectObject(idnum, generation, reader)
        for generation, table in reader.xref.items()
        for idnum in table
    ]
    refs += [IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm]
    return refs


def _walk_objects(reader: PdfReader, budget: int) -> None:
    """Every object of the file, those in object streams too: active names, and the streams' sizes."""
    inflated = 0
    stack: list[Any] = [reader.trailer]
    for ref in _object_refs(reader):
        stack.append(reader.get_object(ref))
        while stack:
            item = stack.pop()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if key in ACTIVE_NAMES:
                        raise _active_content()
                    if key == "/OpenAction":
                        _check_open_action(value)
                    stack.append(value)
                if isinstance(item, StreamObject):
                    inflated += _decoded_size(item, budget - inflated)
                    if inflated > budget:
                        raise _too_inflated(budget)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
            elif isinstance(item, NameObject) and item in ACTIVE_NAMES:
                raise _active_content()


def _check_open_action(value: Any) -> None:
    """Opening at a page (a destination array, or a GoTo action) is harmless; any other action is not."""
    action = value.get_object() if isinstance(value, IndirectObject) else value
    if isinstance(action, ArrayObject) or action is None:
        return
    if isinstance(action, DictionaryObject) and action.get("/S") == "/GoTo" and "/Next" not in action:
        return
    raise _active_content()


def _filters(stream: StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if value is None:
        return []
    if isinstance(value, ArrayObject):
        return [str(v.get_object() if isinstance(v, IndirectObject) else v) for v in value]
    return [str(value)]


def _decoded_size(stream: StreamObject, budget: int) -> int:
    """How many bytes the stream decodes to, never holding more than a chunk of an inflated stream."""
    data: bytes = stream._data or b""
    filters = _filters(stream)
    if not filters:
        return len(data)
    if len(filters) == 1 and filters[0] in _FLATE:
        return _inflated_size(data, budget)
    if len(filters) == 1 and filters[0] in _IMAGE_FILTERS:
        return len(data)
    try:
        return len(stream.get_data())  # a chain or a rare filter: pypdf, under the same limits
    except LimitReachedError:
        raise
    except Exception:  # a viewer cannot decode it either: counted as stored
        return len(data)


def _inflated_size(data: bytes, budget: int) -> int:
    """The size of ``data`` inflated, counting at most ``budget + 1`` bytes; the output is discarded."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while not inflater.eof:
            out = inflater.decompress(pending, _INFLATE_CHUNK)
            total += len(out)
            if total > budget:
                raise _too_inflated(settings.UPLOAD_PDF_MAX_INFLATED_BYTES)
            pending = inflater.unconsumed_tail
            if not out and not pending:
                break
    except zlib.error:
        pass  # a broken stream: what inflated before the error is counted
    return total


def _active_content() -> DomainError:
    return _refusal(
        _(
            "This PDF contains active content (scripts, automatic actions, embedded files or forms) "
            "and cannot be accepted. Print it to a new PDF or scan it, then upload that."
        ),
        "pdf_active_content",
        _("PDFs with scripts, automatic actions or embedded files are not accepted."),
    )


def _too_inflated(budget: int) -> DomainError:
    return _refusal(
        _("This PDF expands to more than %(mb)s MB when opened and cannot be accepted.")
        % {"mb": budget // (1024 * 1024)},
        "pdf_too_large_inflated",
    )


def _too_many_pages() -> DomainError:
    return DomainError(
        _("A document may have at most %(max)s pages.") % {"max": settings.CASES_MAX_PAGES_PER_DOCUMENT},
        code="too_many_pages",
        fields={"file": [_("Too many pages.")]},
    )


# --- images ---------------------------------------------------------------------------------------


def _reencode_image(content: bytes, format_: str) -> bytes:
    """The picture re-encoded in ``format_`` with no metadata and nothing appended.

    At most ``UPLOAD_MAX_IMAGE_PIXELS`` pixels, checked from the header before any decoding: a PNG
    of a few hundred bytes may declare 30000 × 30000 pixels (a decompression bomb).
    """
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[format_]) as image:
                width, height = image.size
                if width * height > limit:
                    raise _image_too_large(limit)
                _load_whole(image)
                return _encode_clean(image, format_)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _image_too_large(limit) from exc
    except Exception as exc:  # a hostile file may break the decoder anywhere: not valid
        log.info("Image refused as unreadable: %s", type(exc).__name__)
        raise _bad_file() from exc


def _load_whole(image: Image.Image) -> None:
    """Decode every pixel; a truncated image is refused even though WeasyPrint, once imported,
    sets Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` (our own PDFs embed only our images)."""
    loading_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = loading_truncated


def _encode_clean(image: Image.Image, format_: str) -> bytes:
    orientation = image.getexif().get(0x0112, 1)
    transparency = image.info.get("transparency")
    icc_profile = image.info.get("icc_profile")
    options: dict[str, Any] = {}
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
    if format_ == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        # The same quantisation as uploaded when the pixels are unchanged (no loss of quality).
        options["quality"] = "keep" if orientation == 1 and image.format == "JPEG" else 90
    elif transparency is not None and image.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    if icc_profile:
        options["icc_profile"] = icc_profile  # colours, not metadata about the person or the camera
    image.info = {}  # Pillow would otherwise write the comment (and other read metadata) back
    out = io.BytesIO()
    image.save(out, format=format_, **options)
    return out.getvalue()


def _image_too_large(limit: int) -> DomainError:
    message = _("The image is larger than %(mp)s megapixels.") % {"mp": limit // 1_000_000}
    return DomainError(message, code="image_too_large", fields={"file": [message]})


def _too_big(limit: int) -> DomainError:
    message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
    return DomainError(message, code="file_too_large", fields={"file": [message]})
