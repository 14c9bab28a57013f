"""The Kanoon's interview editor: preview, refusal of a broken definition (nothing saved), new
versions, publishing; a run started on the old version keeps it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.consult import services as drafting
from tanzim.consult.models import Interview
from tanzim.consult.selectors import interview_version_for_run
from tanzim.consult.services.interview_editor import interview_version_publish, interview_version_save

pytestmark = pytest.mark.django_db


def test_the_kanoon_previews_saves_and_publishes_an_interview_version(client, personas):
    interview = Interview.objects.get(slug="brief")
    old = interview.published
    started = drafting.draft_start(version=interview_version_for_run(slug="brief"), user=personas.citizen)
    url = reverse("consult:interview-edit", args=["brief"])
    for outsider in (personas.citizen, personas.manager_a):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(reverse("consult:interview-list")).status_code == 404
    client.force_login(personas.kanoon_admin)
    assert "brief" in client.get(reverse("consult:interview-list")).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    definition = json.loads(page.context["form"].initial["definition"])

    preview = client.post(url, {"definition": json.dumps(definition), "intent": "preview"})
    assert preview.status_code == 200 and 'id="preview"' in preview.content.decode()
    broken = json.loads(json.dumps(definition))
    first = broken["pages"][0]["fields"][0]
    broken["pages"][-1]["fields"].append(dict(first))  # the same key twice
    for bad in ("{not json", json.dumps(broken), json.dumps({"pages": []})):
        refused = client.post(url, {"definition": bad, "intent": "save"})
        assert refused.status_code == 400 and 'id="definition-error"' in refused.content.decode()
    assert interview.versions.count() == 1

    definition["pages"][0]["fields"][0]["label_fa"] = "نام و نام خانوادگی نویسنده"
    saved = client.post(
        url, {"definition": json.dumps(definition), "intent": "publish", "note": "برچسب روشن‌تر"}
    )
    assert saved.status_code == 302
    interview.refresh_from_db()
    assert interview.published.number == 2 and interview.published.note == "برچسب روشن‌تر"
    assert AuditEvent.objects.filter(action="consult.interview.published").exists()
    started.refresh_from_db()
    assert started.version_id == old.pk  # a run keeps the version it started on
    back = client.post(reverse("consult:interview-publish", args=["brief", 1]))
    assert back.status_code == 302
    interview.refresh_from_db()
    assert interview.published.number == 1


def test_only_the_kanoon_saves_and_a_published_version_is_not_published_twice(personas):
    interview = Interview.objects.get(slug="brief")
    with pytest.raises(PermissionDeniedError):
        interview_version_save(
            interview=interview, actor=personas.manager_a, definition=interview.published.definition
        )
    with pytest.raises(DomainError):
        interview_version_save(interview=interview, actor=personas.kanoon_admin, definition={"pages": "x"})
    with pytest.raises(ConflictError):
        interview_version_publish(version=interview.published, actor=personas.kanoon_admin)
