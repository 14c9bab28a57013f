from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from tanzim.cases import services
from tanzim.cases.choices import PartyRole
from tanzim.catalog.models import Service


def pdf_bytes(pages: int = 1) -> bytes:
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


@pytest.fixture
def petition(db) -> Service:
    return Service.objects.get(code="civil_petition")


@pytest.fixture
def formal_notice(db) -> Service:
    return Service.objects.get(code="formal_notice")


RESPONDENT_CODE = "0499370899"


def make_draft(personas, service, *, channel="semi_in_person", actor=None, applicant=None):
    actor = actor or personas.citizen
    case = services.case_create(
        actor=actor,
        applicant=applicant,
        service=service,
        channel=channel,
        office=personas.office_a,
        title="مطالبه وجه",
    )
    services.party_add(
        case=case,
        actor=actor,
        role=PartyRole.RESPONDENT,
        kind="natural",
        name="بهرام بهرامی",
        national_code=RESPONDENT_CODE,
    )
    return case


@pytest.fixture
def draft(personas, petition):
    return make_draft(personas, petition)
