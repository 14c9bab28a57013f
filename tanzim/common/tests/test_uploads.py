"""inspect_upload: active PDFs refused, inflation and pages capped, images re-encoded without metadata."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image

from tanzim.common.errors import DomainError
from tanzim.common.tests import pdfs
from tanzim.common.uploads import JPEG, PDF, PNG, inspect_upload
from tanzim.testing.files import pdf_bytes, png_bytes, upload


def refused(content: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        inspect_upload(upload("file", content))
    assert "file" in caught.value.fields
    return caught.value


# --- active content -------------------------------------------------------------------------------


def test_an_ordinary_pdf_is_accepted_as_it_was_uploaded():
    content = pdf_bytes(2)

    checked = inspect_upload(upload("a.pdf", content))

    assert (checked.content_type, checked.pages, checked.content) == (PDF, 2, content)


def test_a_pdf_running_javascript_when_opened_is_refused():
    objects = pdfs.pages(1, catalog_extra=b"/OpenAction 5 0 R ")
    objects.append(b"<< /Type /Action /S /JavaScript /JS (app.alert('hello')) >>")

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_a_pdf_with_a_document_level_script_in_its_names_is_refused():
    objects = pdfs.pages(1, catalog_extra=b"/Names << /JavaScript 5 0 R >> ")
    objects.append(b"<< /Names [(x) << /S /JavaScript /JS (this.print()) >>] >>")

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_a_pdf_whose_open_action_launches_a_program_is_refused():
    objects = pdfs.pages(1, catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> ")

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_a_pdf_whose_open_action_only_opens_the_first_page_is_accepted():
    objects = pdfs.pages(1, catalog_extra=b"/OpenAction [3 0 R /Fit] ")

    assert inspect_upload(upload("a.pdf", pdfs.build(objects))).pages == 1


def test_a_page_with_additional_actions_is_refused():
    objects = pdfs.pages(1, page_extra=b"/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >> ")

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_a_pdf_with_an_embedded_file_is_refused():
    objects = pdfs.pages(1, catalog_extra=b"/Names << /EmbeddedFiles 5 0 R >> ")
    objects.append(b"<< /Names [(a.exe) << /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>] >>")
    objects.append(pdfs.stream(b"/Type /EmbeddedFile", b"MZ\x90\x00"))

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_an_xfa_form_and_a_rich_media_annotation_are_refused():
    xfa = pdfs.pages(1, catalog_extra=b"/AcroForm << /Fields [] /XFA 5 0 R >> ")
    xfa.append(pdfs.stream(b"", b"<xdp:xdp/>"))
    rich = pdfs.pages(1, page_extra=b"/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>] ")

    assert refused(pdfs.build(xfa)).code == "pdf_active_content"
    assert refused(pdfs.build(rich)).code == "pdf_active_content"


def test_a_script_name_spelled_with_hex_escapes_is_still_found():
    objects = pdfs.pages(1, catalog_extra=b"/OpenAction 5 0 R ")
    objects.append(b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert(1)) >>")

    assert refused(pdfs.build(objects)).code == "pdf_active_content"


def test_a_script_hidden_in_a_compressed_object_stream_is_found():
    plain = pdfs.pages(1, catalog_extra=b"/OpenAction 5 0 R ")
    content = pdfs.build_with_object_stream(plain, [b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"])
    assert b"JavaScript" not in content  # nothing to see without inflating

    assert refused(content).code == "pdf_active_content"


def test_an_innocent_object_stream_is_accepted():
    plain = pdfs.pages(1, catalog_extra=b"/Metadata 5 0 R ")
    content = pdfs.build_with_object_stream(plain, [b"<< /Producer (Tanzim test) >>"])

    assert inspect_upload(upload("a.pdf", content)).pages == 1


# --- decompression and page caps ------------------------------------------------------------------


def test_a_pdf_inflating_to_200_mb_is_refused_without_holding_200_mb():
    bomb = pdfs.inflating_to(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    tracemalloc.start()
    try:
        error = refused(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert error.code == "pdf_too_large_inflated"
    assert "50" in str(error.message)
    assert peak < 16 * 1024 * 1024  # a few chunks of 64 KiB and the file, never the inflated streams


def test_the_inflation_limit_is_a_setting_and_counts_every_stream(settings):
    settings.UPLOAD_PDF_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    objects = pdfs.pages(2)
    packed = zlib.compress(bytes(1024 * 1024 + 1))
    objects[-1] = pdfs.stream(b"/Filter /FlateDecode", packed)
    objects.append(pdfs.stream(b"/Filter /FlateDecode", packed))

    assert refused(pdfs.build(objects)).code == "pdf_too_large_inflated"
    assert inspect_upload(upload("a.pdf", pdfs.inflating_to(1024 * 1024))).pages == 1


def test_a_bomb_behind_a_chain_of_filters_is_refused_too(settings):
    settings.UPLOAD_PDF_MAX_INFLATED_BYTES = 2 * 1024 * 1024
    bomb = pdfs.inflating_to(8 * 1024 * 1024, filters=b"[/ASCIIHexDecode /FlateDecode]", hex_wrap=True)

    assert refused(bomb).code == "pdf_too_large_inflated"


def test_a_bomb_named_with_an_escaped_filter_is_still_measured(settings):
    settings.UPLOAD_PDF_MAX_INFLATED_BYTES = 2 * 1024 * 1024

    assert (
        refused(pdfs.inflating_to(8 * 1024 * 1024, filters=b"/Fl#61teDecode")).code
        == "pdf_too_large_inflated"
    )


def test_too_many_pages_are_refused(settings):
    settings.CASES_MAX_PAGES_PER_DOCUMENT = 5

    assert inspect_upload(upload("a.pdf", pdf_bytes(5))).pages == 5
    assert refused(pdf_bytes(6)).code == "too_many_pages"


def test_a_page_tree_declaring_a_million_pages_is_refused_as_too_many():
    kids = b" ".join(b"3 0 R" for _ in range(200_000))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids[: 5 * 99_999] + b"] /Count 1000000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
    ]

    assert refused(pdfs.build(objects)).code == "too_many_pages"


def test_an_encrypted_pdf_is_still_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(1))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)

    assert refused(out.getvalue()).code == "encrypted_pdf"


# --- images ---------------------------------------------------------------------------------------


def _gps_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 10.0), 3: "E", 4: (51.0, 23.0, 5.0)}
    return exif.tobytes()


def test_a_photo_comes_out_without_its_gps_position_camera_comment_or_appended_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(
        buffer, "JPEG", exif=_gps_exif(), comment=b"home address", xmp=b"<x:xmpmeta>secret</x:xmpmeta>"
    )
    original = buffer.getvalue() + b"PK\x03\x04 appended archive"
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    checked = inspect_upload(upload("p.jpg", original, JPEG))

    assert checked.content_type == JPEG and checked.content != original
    for secret in (b"PhoneMaker", b"home address", b"secret", b"PK\x03\x04", b"Exif"):
        assert secret not in checked.content
    image = Image.open(io.BytesIO(checked.content))
    assert image.size == (40, 30) and not image.getexif() and "comment" not in image.info
    assert len(checked.sha256) == 64 and checked.size == len(checked.content)


def test_a_photo_taken_sideways_is_turned_upright_before_its_exif_is_dropped():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buffer, "JPEG", exif=_gps_exif(orientation=6))

    checked = inspect_upload(upload("p.jpg", buffer.getvalue(), JPEG))

    assert Image.open(io.BytesIO(checked.content)).size == (30, 40)


def test_a_png_loses_its_text_and_exif_chunks_and_keeps_its_transparency():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone's name")
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=_gps_exif(), transparency=0)

    checked = inspect_upload(upload("p.png", buffer.getvalue() + b"trailing", PNG))

    assert b"Someone" not in checked.content and b"PhoneMaker" not in checked.content
    assert not checked.content.endswith(b"trailing")
    again = Image.open(io.BytesIO(checked.content))
    assert again.info.get("transparency") == 0 and again.getpixel((0, 0)) == 1


def test_the_same_picture_always_gives_the_same_bytes():
    assert (
        inspect_upload(upload("a.png", png_bytes(), PNG)).sha256
        == inspect_upload(upload("b.png", png_bytes(), PNG)).sha256
    )


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_png_declaring_30000_by_30000_pixels_is_refused_before_decoding():
    assert refused(png_declaring(30_000, 30_000)).code == "image_too_large"


def test_a_truncated_image_is_a_bad_file_even_after_weasyprint_let_pillow_load_truncated_images():
    import weasyprint  # noqa: F401  (sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True for the process)
    from PIL import ImageFile

    photo = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(photo, "JPEG")
    png = io.BytesIO()
    Image.effect_noise((64, 64), 60).save(png, "PNG")

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    assert refused(png.getvalue()[: len(png.getvalue()) // 2]).code == "bad_file"
    assert refused(photo.getvalue()[: len(photo.getvalue()) // 2]).code == "bad_file"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it


def test_other_types_are_refused_by_their_content_whatever_their_name():
    assert refused(b"GIF89a....").code == "bad_file"
    assert refused(b"<html><script>alert(1)</script>").code == "bad_file"
