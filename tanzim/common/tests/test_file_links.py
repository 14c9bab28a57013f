"""The signed links under /files/: the one way a stored file leaves, for one person, for a few minutes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.audit.models import ConfidentialRead
from tanzim.cases import services as case_services
from tanzim.cases.models import Document
from tanzim.catalog.models import Service
from tanzim.common.files import FILE_LINK_SECONDS
from tanzim.testing.cases import make_draft
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def document(media, personas):
    draft = make_draft(personas, Service.objects.get(code="civil_petition"))
    return case_services.document_add(
        case=draft, actor=personas.citizen, upload=upload("a.pdf", pdf_bytes(1))
    )


def page_url(document: Document) -> str:
    return reverse("cases:document", args=[document.case_id, document.pk])


def link_for(client, document: Document) -> str:
    response = client.get(page_url(document))
    assert response.status_code == 303
    return response["Location"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_of(response) -> str:
    """A 404 page less what differs on every answer: its CSRF token, request id and own address."""
    text = body(response).decode().replace(response["X-Request-ID"], "")
    text = re.sub(r"[A-Za-z0-9]{64}", "CSRF", text)
    return re.sub(r"/files/[^\"'<\s]*", "/files/…", text)


def test_the_link_serves_the_file_once_and_the_read_is_logged_when_it_is_granted(client, personas, document):
    client.force_login(personas.citizen)
    location = link_for(client, document)
    served = client.get(location)

    assert location.startswith("/files/") and location.endswith(
        f"/{document.case.tracking_code}-{document.pk}.pdf"
    )
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith('attachment; filename="')
    assert served["Content-Security-Policy"] == "sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"
    assert body(served).startswith(b"%PDF")
    reads = ConfidentialRead.objects.filter(object_type="cases.document", object_id=str(document.pk))
    assert list(reads.values_list("actor_id", "purpose")) == [(personas.citizen.pk, "page")]


def test_someone_out_of_scope_gets_no_link_only_the_404_of_a_missing_document(client, personas, document):
    client.force_login(personas.other_citizen)
    theirs = client.get(page_url(document))
    missing = client.get(reverse("cases:document", args=[document.case_id, document.pk + 1000]))

    assert theirs.status_code == missing.status_code == 404
    assert "Location" not in theirs


def test_a_forged_an_altered_an_expired_and_a_stale_link_answer_like_a_missing_file(
    client, personas, document
):
    client.force_login(personas.citizen)
    location = link_for(client, document)
    prefix, token, name = location.rsplit("/", 2)
    payload = signing.loads(token, salt="tanzim.common.files.link")
    forged = signing.dumps({**payload, "k": str(document.pk + 1)}, salt="another salt", compress=True)
    flipped = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    answers = {
        "missing": client.get(f"{prefix}/{flipped[:20]}/{name}"),
        "forged": client.get(f"{prefix}/{forged}/{name}"),
        "altered": client.get(f"{prefix}/{flipped}/{name}"),
        "renamed": client.get(f"{prefix}/{token}/other.pdf"),
    }
    with time_machine.travel(timezone.now() + timedelta(seconds=FILE_LINK_SECONDS + 1)):
        answers["expired"] = client.get(location)
    replaced = case_services.document_add(
        case=document.case, actor=personas.citizen, upload=upload("b.pdf", pdf_bytes(2))
    )
    Document.objects.filter(pk=document.pk).update(file=replaced.file.name)
    answers["stale"] = client.get(location)  # the row now holds another file

    assert {what: r.status_code for what, r in answers.items()} == dict.fromkeys(answers, 404)
    assert len({page_of(r) for r in answers.values()}) == 1


def test_a_deleted_document_s_link_is_a_404(client, personas, document):
    client.force_login(personas.citizen)
    location = link_for(client, document)
    Document.objects.filter(pk=document.pk).delete()

    assert client.get(location).status_code == 404


def test_a_link_is_bound_to_the_person_who_asked(client, personas, document):
    client.force_login(personas.citizen)
    location = link_for(client, document)

    client.force_login(personas.clerk_a)  # may read the document too, but the link is not theirs
    assert client.get(location).status_code == 404
    client.force_login(personas.other_citizen)
    assert client.get(location).status_code == 404
    client.logout()  # no session at all (the cookie-less files host, an API client): the link alone
    assert client.get(location).status_code == 200
    client.force_login(personas.citizen)
    assert client.get(location).status_code == 200


def test_an_api_client_follows_the_303_to_the_file(personas, document):
    api = APIClient()
    api.force_authenticate(personas.clerk_a)
    response = api.get(reverse("api:document-detail", args=[document.pk]), follow=True)

    assert response.redirect_chain[0][1] == 303
    assert response.status_code == 200 and body(response).startswith(b"%PDF")
    assert ConfidentialRead.objects.filter(actor_id=personas.clerk_a.pk, purpose="api").count() == 1


def test_with_files_origin_the_link_is_absolute_and_only_that_host_serves_it(
    client, personas, document, settings
):
    settings.FILES_ORIGIN = "https://files.example.ir"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "files.example.ir"]
    client.force_login(personas.citizen)
    location = link_for(client, document)
    path = location.removeprefix("https://files.example.ir")

    on_the_site = client.get(path)
    client.logout()
    on_the_files_host = client.get(path, HTTP_HOST="files.example.ir", secure=True)

    assert location.startswith("https://files.example.ir/files/")
    assert on_the_site.status_code == 404
    assert on_the_files_host.status_code == 200 and body(on_the_files_host).startswith(b"%PDF")
