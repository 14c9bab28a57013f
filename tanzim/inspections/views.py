"""Pages: the Kanoon's overview and plans, the inspector's tablet checklist, findings, corrective
actions, referrals, and the office manager's results.

Views parse input, call services and selectors, and render. An office's manager only ever
reaches completed inspections of their own office; anything else is a 404.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.files import file_redirect
from tanzim.common.jalali import JalaliMonth, parse_jalali
from tanzim.common.views import run_service, scoped_view
from tanzim.inspections import selectors, services
from tanzim.inspections.choices import (
    CORRECTIVE_ACTION_MOVES,
    INSPECTION_ACTIONS,
    REFERABLE,
    ActionStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    SampleVerdict,
    Severity,
)
from tanzim.inspections.forms import SampleVerdictForm
from tanzim.inspections.models import Finding


def _texts(exc: DomainError) -> list[str]:
    texts = [str(exc.message)]
    for errors in exc.fields.values():
        texts.extend(str(e) for e in (errors if isinstance(errors, list) else [errors]))
    return texts


def _flash(request, exc: DomainError) -> None:
    messages.error(request, " ".join(dict.fromkeys(_texts(exc))))


def _parse_day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_jalali(text)
    except Exception as exc:
        raise DomainError(
            fields={"date": [_("Enter a date such as 1405/03/15.")]}, code="invalid_date"
        ) from exc


def _inspectors_for(user) -> list[User]:
    provinces = selectors.oversight_provinces_for(user=user)
    from django.db.models import Q

    return list(
        User.objects.filter(roles__role=Role.INSPECTOR)
        .filter(
            Q(roles__province__isnull=True, roles__office__isnull=True) | Q(roles__province__in=provinces)
        )
        .distinct()
        .order_by("username")[:200]
    )


# --- overview -------------------------------------------------------------------------------------


@scoped_view
def index(request):
    provinces = selectors.oversight_provinces_for(user=request.user)
    inspections = selectors.inspection_list_for(user=request.user)
    oversight = provinces.exists()
    if not oversight and not selectors.managed_office_ids(request.user):
        raise PermissionDenied(_("This page is for the Kanoon's inspectors and for office managers."))
    status = request.GET.get("status", "")
    if status in InspectionStatus.values:
        inspections = inspections.filter(status=status)
    elif oversight:
        inspections = inspections.filter(status__in=[InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS])
    province = provinces.filter(code=request.GET.get("province", "")[:3]).first() if oversight else None
    if province:
        inspections = inspections.filter(office__province=province)
    if request.GET.get("mine") == "1":
        inspections = inspections.filter(inspector=request.user)
    inspections = inspections.order_by("-priority", "scheduled_for", "-completed_at", "-pk")
    page = Paginator(inspections, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "oversight": oversight,
        "provinces": provinces,
        "province": province,
        "status": status,
        "statuses": InspectionStatus.choices,
        "overview": selectors.status_counts_by_province(user=request.user) if oversight else [],
        "open_actions": selectors.corrective_action_list_for(
            user=request.user, status=ActionStatus.OPEN
        ).count(),
        "submitted_actions": selectors.corrective_action_list_for(
            user=request.user, status=ActionStatus.SUBMITTED
        ).count(),
    }
    return render(request, "inspections/index.html", context)


@scoped_view
def plan(request):
    provinces = selectors.oversight_provinces_for(user=request.user)
    if not provinces.exists():
        raise PermissionDenied(_("This page is for the Kanoon's inspectors and administrators."))
    code = request.POST.get("province") or request.GET.get("province") or ""
    province = provinces.filter(code=code[:3]).first() or (
        provinces.first() if provinces.count() == 1 else None
    )
    if request.method == "POST":
        try:
            inspector = None
            if request.POST.get("inspector"):
                inspector = User.objects.filter(username=request.POST["inspector"]).first()
                if inspector is None:
                    raise DomainError(fields={"inspector": [_("Unknown inspector.")]})
            created = services.inspection_plan_create(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                province=province,
                count=int(request.POST.get("count") or 10)
                if (request.POST.get("count") or "10").isdigit()
                else 0,
                scheduled_for=_parse_day(request.POST.get("scheduled_for")),
                inspector=inspector,
                name=request.POST.get("name", ""),
                note=request.POST.get("note", ""),
            )
        except ValueError:
            messages.error(request, _("Choose periodic or risk-based."))
        except DomainError as exc:
            if isinstance(exc, NotFoundError | PermissionDeniedError):
                raise
            _flash(request, exc)
        else:
            count = created.inspections.count()
            text = ngettext(
                "Plan “%(name)s” created with %(n)s inspection.",
                "Plan “%(name)s” created with %(n)s inspections.",
                count,
            )
            messages.success(request, text % {"name": created.name, "n": count})
            return redirect(f"{request.path}?province={province.code if province else ''}")
    risks = selectors.office_risks(user=request.user, province=province) if province else []
    due = selectors.periodic_due(user=request.user, province=province) if province else []
    return render(
        request,
        "inspections/plan.html",
        {
            "provinces": provinces,
            "province": province,
            "risks": risks[:100],
            "due": due[:100],
            "inspectors": _inspectors_for(request.user),
            "kinds": [
                (InspectionKind.RISK_BASED, InspectionKind.RISK_BASED.label),
                (InspectionKind.PERIODIC, InspectionKind.PERIODIC.label),
            ],
        },
    )


# --- one inspection -------------------------------------------------------------------------------


def _detail_context(request, inspection) -> dict:
    viewer = selectors.inspection_viewer(request.user, inspection)
    findings = list(inspection.findings.select_related("item").prefetch_related("actions"))
    order = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
    findings.sort(key=lambda f: (order.get(f.severity, 3), f.pk))
    return {
        "inspection": inspection,
        "viewer": viewer,
        "rows": selectors.inspection_items(inspection=inspection),
        "findings": findings,
        "referable": [f for f in findings if f.severity in REFERABLE],
        "referral": getattr(inspection, "referral", None),
        "can_perform": services.can_perform(request.user, inspection),
        "is_manager": services.is_office_manager(request.user, inspection.office),
        "severities": Severity.choices,
        "today": timezone.localdate(),
        "sample_months": selectors.free_service_sample_months(user=request.user, office=inspection.office)
        if viewer == "oversight"
        else [],
    }


@scoped_view
def detail(request, pk: int):
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    return render(request, "inspections/detail.html", _detail_context(request, inspection))


@scoped_view
@require_POST
def transition(request, pk: int):
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    if action not in INSPECTION_ACTIONS:
        raise Http404
    try:
        services.inspection_transition(
            inspection=inspection,
            actor=request.user,
            action=action,
            note=request.POST.get("note", ""),
            expected_status=request.POST.get("expected_status") or None,
        )
    except ConflictError as exc:
        _flash(request, exc)
    except DomainError as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        _flash(request, exc)
        if action == "complete":
            return _render_perform(request, inspection, errors=exc.fields, status=400)
    return redirect("inspections:perform" if action == "start" else "inspections:detail", pk=inspection.pk)


def _render_perform(request, inspection, *, errors=None, status: int = 200):
    rows = selectors.inspection_items(inspection=inspection)
    errors = errors or {}
    answered = sum(1 for r in rows if r.answer)
    return render(
        request,
        "inspections/perform.html",
        {
            "inspection": inspection,
            "rows": [(r, errors.get(f"item_{r.item.pk}", [])) for r in rows],
            "results": ItemResult.choices,
            "answered": answered,
            "total": len(rows),
        },
        status=status,
    )


@scoped_view
def perform(request, pk: int):
    """The tablet page: every item on one page, large choices, a note and evidence per item."""
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    if not services.can_perform(request.user, inspection):
        if selectors.inspection_viewer(request.user, inspection) == "office":
            raise Http404
        raise PermissionDenied(_("Only the inspector assigned to this inspection can fill it in."))
    if request.method == "POST":
        errors = _save_items(request, inspection)
        if errors:
            messages.error(request, _("Some items were not saved; see below."))
            return _render_perform(request, inspection, errors=errors, status=400)
        if request.POST.get("complete"):
            return transition(request, pk)
        messages.success(request, _("Saved."))
        return redirect("inspections:perform", pk=inspection.pk)
    return _render_perform(request, inspection)


def _save_items(request, inspection) -> dict[str, list]:
    """Save every item the form carries: results and notes, then any evidence files."""
    errors: dict[str, list] = {}
    for item in inspection.checklist.items.all():
        key = f"item_{item.pk}"
        result = request.POST.get(f"result_{item.pk}")
        note = request.POST.get(f"note_{item.pk}", "")
        upload = request.FILES.get(f"evidence_{item.pk}")
        try:
            if result:
                services.inspection_answer(
                    inspection=inspection, actor=request.user, item_id=item.pk, result=result, note=note
                )
            if upload is not None:
                services.inspection_evidence_add(
                    inspection=inspection, actor=request.user, item_id=item.pk, upload=upload
                )
        except DomainError as exc:
            if isinstance(exc, NotFoundError | PermissionDeniedError):
                raise
            errors[key] = list(dict.fromkeys(_texts(exc)))[-1:]
    return errors


@scoped_view
@require_POST
def item_save(request, pk: int, item_id: int):
    """Autosave of one item from the tablet page (htmx); 204 on success, the message on failure."""
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    try:
        services.inspection_answer(
            inspection=inspection,
            actor=request.user,
            item_id=item_id,
            result=request.POST.get(f"result_{item_id}", ""),
            note=request.POST.get(f"note_{item_id}", ""),
        )
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return HttpResponse(
            " ".join(_texts(exc)), status=exc.status, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse(status=204)


@scoped_view
def evidence(request, pk: int):
    file = selectors.evidence_open_for(user=request.user, pk=pk)
    return file_redirect(
        file,
        user=request.user,
        content_type=file.content_type,
        filename=f"evidence-{file.pk}{file.extension}",
    )


@scoped_view
@require_POST
def finding_add(request, pk: int):
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    try:
        services.finding_add(
            inspection=inspection,
            actor=request.user,
            severity=request.POST.get("severity", ""),
            description=request.POST.get("description", ""),
        )
    except DomainError as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        _flash(request, exc)
    else:
        messages.success(request, _("Finding recorded."))
    return redirect("inspections:detail", pk=inspection.pk)


@scoped_view
@require_POST
def action_add(request, finding_id: int):
    finding = Finding.objects.filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    inspection = selectors.inspection_get_for(user=request.user, pk=finding.inspection_id)
    try:
        services.corrective_action_add(
            finding=finding,
            actor=request.user,
            description=request.POST.get("description", ""),
            due_date=_parse_day(request.POST.get("due_date")),
        )
    except DomainError as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        _flash(request, exc)
    else:
        messages.success(request, _("Corrective action set."))
    return redirect("inspections:detail", pk=inspection.pk)


@scoped_view
@require_POST
def refer(request, pk: int):
    inspection = selectors.inspection_get_for(user=request.user, pk=pk)
    try:
        if request.POST.get("board_decision") is not None and getattr(inspection, "referral", None):
            services.referral_record_decision(
                referral=inspection.referral,
                actor=request.user,
                board_reference=request.POST.get("board_reference", ""),
                board_decision=request.POST.get("board_decision", ""),
            )
        else:
            services.referral_create(
                inspection=inspection,
                actor=request.user,
                summary=request.POST.get("summary", ""),
                finding_ids=request.POST.getlist("findings"),
            )
    except DomainError as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        _flash(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("inspections:detail", pk=inspection.pk)


# --- corrective actions ---------------------------------------------------------------------------


@scoped_view
def actions(request):
    status = request.GET.get("status", "")
    items = selectors.corrective_action_list_for(
        user=request.user,
        status=status if status in ActionStatus.values else None,
        overdue=request.GET.get("overdue") == "1",
    )
    if not status and request.GET.get("overdue") != "1":
        items = items.filter(status__in=[ActionStatus.OPEN, ActionStatus.SUBMITTED])
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/actions.html",
        {
            "page": page,
            "status": status,
            "statuses": ActionStatus.choices,
            "today": timezone.localdate(),
            "oversight": selectors.oversight_provinces_for(user=request.user).exists(),
        },
    )


@scoped_view
@require_POST
def action_act(request, pk: int):
    action = selectors.corrective_action_get_for(user=request.user, pk=pk)
    move = request.POST.get("action", "")
    if move not in CORRECTIVE_ACTION_MOVES:
        raise Http404
    try:
        services.corrective_action_transition(
            action=action,
            actor=request.user,
            move=move,
            note=request.POST.get("note", ""),
            upload=request.FILES.get("file"),
            expected_status=request.POST.get("expected_status") or None,
        )
    except DomainError as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        _flash(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect(
        request.POST.get("back")
        if request.POST.get("back", "").startswith("/inspections/")
        else "inspections:actions"
    )


# --- free services sampled for the inspectors (note to art. 505 CPC) --------------------------------


def _month_from(text: str | None, default: JalaliMonth) -> JalaliMonth:
    if not text:
        return default
    try:
        return JalaliMonth.parse(text, field="month")
    except (DomainError, ValueError):
        return default


def _sample_month(key: int) -> JalaliMonth:
    try:
        return JalaliMonth.from_key(key)
    except (DomainError, ValueError) as exc:
        raise Http404 from exc


@scoped_view
def free_services(request):
    """The month's free services of the offices this person oversees: cap, sample, verdicts."""
    if not selectors.oversight_provinces_for(user=request.user).exists():
        raise Http404
    month = _month_from(request.GET.get("month"), JalaliMonth.of(timezone.now()).previous())
    rows = selectors.free_service_overview(user=request.user, month=month)
    if request.GET.get("capped") == "1":
        rows = [row for row in rows if row.cap_reached]
    return render(
        request,
        "inspections/free_services.html",
        {
            "month": month,
            "month_label": month.label(translation.get_language() or "fa"),
            "previous": month.previous(),
            "next": month.next() if month < JalaliMonth.of(timezone.now()) else None,
            "rows": rows,
            "capped": request.GET.get("capped") == "1",
        },
    )


def _render_samples(request, office, month, *, failed=None, status: int = 200):
    rows = selectors.free_service_samples_for(user=request.user, office=office, month=month)
    cards = []
    for row in rows:
        bound = failed if failed is not None and failed.prefix == f"s{row.sample.pk}" else None
        cards.append((row, bound or SampleVerdictForm(prefix=f"s{row.sample.pk}")))
    return render(
        request,
        "inspections/free_service_office.html",
        {
            "office": office,
            "month": month,
            "month_label": month.label(translation.get_language() or "fa"),
            "cards": cards,
            "failed": failed,
            "pending": sum(1 for row in rows if row.sample.verdict == SampleVerdict.PENDING),
            "inspection": selectors.inspection_list_for(user=request.user)
            .filter(office=office, status__in=[InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS])
            .first(),
        },
        status=status,
    )


@scoped_view
def free_service_office(request, code: str, month: int):
    """The inspector's page: one office's sampled free services of a month, a verdict on each."""
    office = selectors.free_service_office_get_for(user=request.user, code=code)
    return _render_samples(request, office, _sample_month(month))


@scoped_view
@require_POST
def free_service_check(request, pk: int):
    sample = selectors.free_service_sample_get_for(user=request.user, pk=pk)
    form = SampleVerdictForm(request.POST, prefix=f"s{sample.pk}")
    done = run_service(
        request,
        form,
        lambda data: services.free_service_sample_check(
            sample=sample,
            actor=request.user,
            holds=data["verdict"] == SampleVerdict.HOLDS,
            note=data["note"],
        ),
        success=_("Verdict recorded."),
    )
    month = JalaliMonth.from_key(sample.month)
    if not done.ok:
        sample.refresh_from_db(fields=["verdict"])
        stale = sample.verdict != SampleVerdict.PENDING  # checked meanwhile, by someone else
        return _render_samples(request, sample.office, month, failed=form, status=409 if stale else 400)
    if done.value.finding_id:
        messages.warning(
            request, _("The evidence does not hold: recorded as a major finding of the inspection.")
        )
    elif done.value.verdict == SampleVerdict.FAILS:
        messages.warning(
            request,
            _(
                "The evidence does not hold. No inspection of this office is in progress:"
                " record the finding when it starts."
            ),
        )
    page = reverse("inspections:free-service-office", args=[sample.office.code, sample.month])
    return redirect(f"{page}#sample-{sample.pk}")


@scoped_view
@require_GET
def free_service_document(request, pk: int):
    """The confirmation document of a sampled free service, as a download (a logged confidential read)."""
    grant = selectors.free_service_document_open_for(user=request.user, sample_pk=pk)
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        grant.document_type, ""
    )
    return file_redirect(
        grant,
        user=request.user,
        field="document",
        content_type=grant.document_type,
        filename=f"free-service-{pk}-confirmation{extension}",
    )
