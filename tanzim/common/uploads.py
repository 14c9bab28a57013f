"""Checking an uploaded file by its content, not its name: PDF, JPEG or PNG only."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tanzim.common.errors import DomainError

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"


@dataclass(frozen=True)
class Inspected:
    content: bytes
    content_type: str
    pages: int
    sha256: str
    size: int


def _bad_file() -> DomainError:
    return DomainError(
        _("This file is not a valid PDF, JPEG or PNG."),
        code="bad_file",
        fields={"file": [_("This file is not a valid PDF, JPEG or PNG.")]},
    )


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
        try:
            reader = PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                raise DomainError(
                    _("Encrypted PDF files cannot be accepted."),
                    code="encrypted_pdf",
                    fields={"file": [_("Encrypted PDF files cannot be accepted.")]},
                )
            pages = len(reader.pages)
        except (PdfReadError, ValueError, KeyError, OSError, TypeError, RecursionError) as exc:
            raise _bad_file() from exc
    elif content.startswith(b"\xff\xd8\xff") or content.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = JPEG if content[0] == 0xFF else PNG
        _check_image(content)
        pages = 1
    else:
        raise _bad_file()
    if pages < 1 or pages > settings.CASES_MAX_PAGES_PER_DOCUMENT:
        raise DomainError(
            _("A document may have at most %(max)s pages.") % {"max": settings.CASES_MAX_PAGES_PER_DOCUMENT},
            code="too_many_pages",
            fields={"file": [_("Too many pages.")]},
        )
    return Inspected(content, content_type, pages, hashlib.sha256(content).hexdigest(), len(content))


def _check_image(content: bytes) -> None:
    """A readable image of at most ``UPLOAD_MAX_IMAGE_PIXELS`` pixels, checked before any decoding.

    A PNG of a few hundred bytes may declare 30000 × 30000 pixels (a decompression bomb): the size
    is read from the header and refused before the pixels are ever inflated.
    """
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > limit:
                    raise _image_too_large(limit)
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _image_too_large(limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise _bad_file() from exc


def _image_too_large(limit: int) -> DomainError:
    message = _("The image is larger than %(mp)s megapixels.") % {"mp": limit // 1_000_000}
    return DomainError(message, code="image_too_large", fields={"file": [message]})


def _too_big(limit: int) -> DomainError:
    message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
    return DomainError(message, code="file_too_large", fields={"file": [message]})
