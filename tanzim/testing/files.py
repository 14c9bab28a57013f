"""Small files for upload tests: a blank PDF, a PNG, a JPEG photo, wrapped as uploads."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    """A valid PDF of ``pages`` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(colour=(10, 160, 90)) -> SimpleUploadedFile:
    """A small JPEG, as an inspector's phone would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
