"""Guided drafting: a run is saved page by page (resumable by its token), checked as typed and
against earlier answers, reviewed, and finished into a document and a case draft in ``cases``.

The answers a definition marks ``profile`` are kept on the citizen's profile and fill the next
interview; the answers carried from a diagnosis (its dates) fill the fields they name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit.services import record
from tanzim.cases import services as case_services
from tanzim.cases.choices import PartyKind, PartyRole
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.consult import documents, interviews
from tanzim.consult.models import CitizenProfile, DraftRun, Interview, InterviewVersion

DATA = Path(__file__).resolve().parents[1] / "data" / "interviews"


def interviews_load(*, path: Path = DATA) -> int:
    """Create each seed interview that does not exist yet (idempotent)."""
    made = 0
    for file in sorted(path.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if Interview.objects.filter(slug=data["slug"]).exists():
            continue
        with transaction.atomic():
            interview = Interview.objects.create(
                slug=data["slug"],
                title_fa=data["title_fa"],
                title_en=data.get("title_en", ""),
                service_code=data["service_code"],
                position=data.get("position", 100),
            )
            version = InterviewVersion.objects.create(
                interview=interview,
                number=1,
                definition=data["definition"],
                note="seed",
                published_at=timezone.now(),
            )
            interview.published = version
            interview.save(update_fields=["published"])
        made += 1
    return made


def profile_answers(user: Any) -> dict[str, str]:
    if not getattr(user, "is_authenticated", False):
        return {}
    profile = CitizenProfile.objects.filter(user=user).first()
    return dict(profile.data) if profile else {}


def _prefill(definition: dict[str, Any], user: Any, facts: dict[str, str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    saved = profile_answers(user)
    for key, field in interviews.fields_of(definition).items():
        name = field.get("profile")
        if name and saved.get(name):
            answers[key] = saved[name]
    for fact, key in (definition.get("from_facts") or {}).items():
        if facts.get(fact):
            answers[key] = facts[fact]
    return answers


@transaction.atomic
def draft_start(
    *, version: InterviewVersion, user: Any = None, facts: dict[str, str] | None = None, source_tree: str = ""
) -> DraftRun:
    signed_in = getattr(user, "is_authenticated", False)
    run = DraftRun.objects.create(
        version=version,
        user=user if signed_in else None,
        answers=_prefill(version.definition, user, facts or {}),
        source_tree=source_tree[:60],
    )
    record(
        actor=user if signed_in else None,
        action="consult.draft.started",
        obj=run,
        data={"interview": version.interview.slug, "from_tree": source_tree},
    )
    return run


def _check_open(run: DraftRun) -> None:
    if run.finished_at is not None:
        raise ConflictError(_("This draft is finished: start a new one to change it."), code="draft_finished")


@transaction.atomic
def draft_save_page(*, run: DraftRun, page: int, data: dict[str, Any]) -> DraftRun:
    """Check a page's answers as typed and against the earlier ones; nothing is saved on a refusal."""
    run = DraftRun.objects.select_for_update().get(pk=run.pk)
    _check_open(run)
    pages = run.version.definition["pages"]
    if not 0 <= page < len(pages):
        raise NotFoundError(_("Page not found."))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    answers = dict(run.answers)
    for field in pages[page].get("fields", []):
        key = field["key"]
        try:
            answers[key] = interviews.clean_value(field, data.get(key, ""), today=today)
        except ValidationError as exc:
            errors[key] = [str(m) for m in exc.messages]
    on_page = {f["key"] for f in pages[page].get("fields", [])}
    for key, messages in interviews.check_rules(run.version.definition, answers).items():
        if key in on_page and key not in errors:
            errors[key] = messages
        elif key not in on_page:
            # The contradiction is with a later page's answer: the field typed now carries it.
            rule_fields = _rule_partners(run.version.definition, key) & on_page
            for partner in rule_fields:
                errors.setdefault(partner, []).extend(messages)
    if errors:
        raise DomainError(_("Please correct the errors below."), code="draft_invalid", fields=errors)
    run.answers = answers
    run.page = max(run.page, page + 1)
    run.save(update_fields=["answers", "page", "updated_at"])
    return run


def _rule_partners(definition: dict[str, Any], key: str) -> set[str]:
    partners: set[str] = set()
    for rule in definition.get("rules", []):
        names = {rule.get("first"), rule.get("then"), rule.get("a"), rule.get("b")} - {None}
        if key in names:
            partners |= {str(n) for n in names}
    return partners - {key}


def draft_problems(run: DraftRun) -> dict[str, list[str]]:
    """What still stops finishing: required answers missing, contradictions between answers."""
    definition = run.version.definition
    problems: dict[str, list[str]] = {}
    for key, field in interviews.fields_of(definition).items():
        if field.get("required", True) and not run.answers.get(key):
            problems[key] = [str(_("This field is required."))]
    for key, messages in interviews.check_rules(definition, run.answers).items():
        problems.setdefault(key, []).extend(messages)
    return problems


@transaction.atomic
def draft_claim(*, run: DraftRun, user: Any) -> DraftRun:
    """A run started without an account becomes the signed-in citizen's."""
    run = DraftRun.objects.select_for_update().get(pk=run.pk)
    if run.user_id is not None and run.user_id != user.pk:
        raise NotFoundError(_("Draft not found."), code="draft_not_found")
    if run.user_id is None:
        run.user = user
        run.save(update_fields=["user", "updated_at"])
        record(actor=user, action="consult.draft.claimed", obj=run)
    return run


def profile_save(*, user: Any, definition: dict[str, Any], answers: dict[str, str]) -> CitizenProfile:
    profile, _created = CitizenProfile.objects.select_for_update().get_or_create(user=user)
    data = dict(profile.data)
    for key, field in interviews.fields_of(definition).items():
        name = field.get("profile")
        if name and answers.get(key):
            data[name] = answers[key]
    profile.data = data
    profile.save(update_fields=["data", "updated_at"])
    return profile


def _party(spec: dict[str, str], answers: dict[str, str], role: str) -> dict[str, Any]:
    return {
        "role": role,
        "kind": PartyKind.NATURAL,
        "name": answers.get(spec.get("name", ""), ""),
        "national_code": answers.get(spec.get("national_code", ""), ""),
        "phone": answers.get(spec.get("phone", ""), ""),
        "address": answers.get(spec.get("address", ""), ""),
    }


@transaction.atomic
def draft_finish(*, run: DraftRun, actor: Any, office: Any) -> DraftRun:
    """Make the document and the case draft (parties, claim, amount, the document attached)."""
    run = draft_claim(run=run, user=actor)
    run = DraftRun.objects.select_for_update().select_related("version__interview").get(pk=run.pk)
    _check_open(run)
    problems = draft_problems(run)
    if problems:
        raise DomainError(
            _("Some answers are missing or contradict each other."), code="draft_incomplete", fields=problems
        )
    definition = run.version.definition
    answers = dict(run.answers)
    service = Service.objects.filter(code=run.version.interview.service_code).first()
    if service is None:
        raise NotFoundError(_("This service is not in the catalogue."), code="no_service")
    channel = ChannelKind.REMOTE if ChannelKind.REMOTE in service.channels else service.channels[0]
    spec = definition.get("case", {})
    amount_key = spec.get("amount")
    case = case_services.case_create(
        actor=actor,
        service=service,
        channel=channel,
        office=office,
        title=interviews.title(definition, answers)[:200],
        claim_text="\n\n".join(interviews.body(definition, answers)),
        claim_amount=int(answers[amount_key]) if amount_key and answers.get(amount_key) else None,
    )
    # case_create names the applicant as claimant from their account; the interview's answers
    # are fuller (address, the person actually claiming), so they replace it.
    for party in list(case.parties.all()):
        case_services.party_remove(party=party, actor=actor)
    case_services.party_add(
        case=case, actor=actor, **_party(spec.get("claimant", {}), answers, PartyRole.CLAIMANT)
    )
    if spec.get("respondent"):
        case_services.party_add(
            case=case, actor=actor, **_party(spec["respondent"], answers, PartyRole.RESPONDENT)
        )
    pdf = documents.document_pdf(definition, answers)
    upload = ContentFile(pdf, name=f"{run.version.interview.slug}.pdf")
    case_services.document_add(
        case=case, actor=actor, upload=upload, title=interviews.title(definition, answers)[:200]
    )
    profile_save(user=actor, definition=definition, answers=answers)
    now = timezone.now()
    DraftRun.objects.filter(pk=run.pk).update(finished_at=now, case=case, updated_at=now)
    record(
        actor=actor,
        action="consult.draft.finished",
        obj=run,
        office=office,
        data={"case": case.pk, "interview": run.version.interview.slug, "from_tree": run.source_tree},
    )
    run.refresh_from_db()
    return run
