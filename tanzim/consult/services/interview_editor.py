"""The Kanoon edits a drafting interview: a new version after validation (unique question keys,
known types, rules naming known questions), published now or later; a run keeps its version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.services import record
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.consult.interviews import validate_definition
from tanzim.consult.models import Interview, InterviewVersion


def _require_kanoon(actor: Any) -> None:
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon edits interviews."), code="not_kanoon")


@transaction.atomic
def interview_version_save(
    *, interview: Interview, actor: Any, definition: Any, note: str = "", publish: bool = False
) -> InterviewVersion:
    _require_kanoon(actor)
    problems = validate_definition(definition)
    if problems:
        raise DomainError(
            _("The interview was not saved."),
            code="interview_invalid",
            fields={"definition": [str(p) for p in problems]},
        )
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    number = (interview.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = InterviewVersion.objects.create(
        interview=interview, number=number, definition=definition, note=note[:300], created_by=actor
    )
    record(
        actor=actor,
        action="consult.interview.version_saved",
        obj=version,
        data={"interview": interview.slug, "number": number},
    )
    if publish:
        interview_version_publish(version=version, actor=actor)
        version.refresh_from_db()
    return version


@transaction.atomic
def interview_version_publish(*, version: InterviewVersion, actor: Any) -> InterviewVersion:
    _require_kanoon(actor)
    interview = Interview.objects.select_for_update().get(pk=version.interview_id)
    if interview.published_id == version.pk:
        raise ConflictError(_("This version is already published."), code="already_published")
    InterviewVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
        published_at=timezone.now()
    )
    interview.published = version
    interview.save(update_fields=["published", "updated_at"])
    record(actor=actor, action="consult.interview.published", obj=interview, data={"number": version.number})
    return version
