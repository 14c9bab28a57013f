"""Consultation pages: booking and paying (citizen), the consultant's inbox, docket and
availability, the consultation itself (answer, outcome), and the managers' figures."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.common.errors import DomainError
from tanzim.common.views import run_service, scoped_view
from tanzim.consult import selectors
from tanzim.consult.choices import ConsultationMode, ConsultationStatus, Outcome, ReviewVerdict
from tanzim.consult.services import consultations as services
from tanzim.consult.services.support import OPEN_FOR_FILES
from tanzim.consult.views.diagnosis import CARRY_KEY
from tanzim.finance.services import payment_start


@scoped_view
def book(request: HttpRequest) -> HttpResponse:
    consultants = selectors.consultants_available()
    chosen = next(
        (
            c
            for c in consultants
            if str(c.pk) == (request.POST.get("consultant") or request.GET.get("consultant"))
        ),
        None,
    )
    draft_token = request.POST.get("draft") or request.GET.get("draft") or ""
    draft = selectors.draft_get(token=draft_token, user=request.user) if draft_token else None
    carry = request.session.get(CARRY_KEY) or {}
    summary = carry.get("summary") or []
    initial_question = "\n".join(f"{q}: {a}" for q, a in summary)
    raw_minutes = request.POST.get("minutes") or request.GET.get("minutes") or str(services.SLOT_MINUTES)
    minutes = (
        int(raw_minutes) if raw_minutes in {str(m) for m in services.DURATIONS} else services.SLOT_MINUTES
    )
    times = services.open_times(consultant=chosen, minutes=minutes) if chosen else []
    errors: dict[str, list[str]] = {}
    typed = {
        "mode": request.POST.get("mode", ConsultationMode.VIDEO),
        "question": request.POST.get("question", initial_question),
        "starts_at": request.POST.get("starts_at", ""),
    }
    if request.method == "POST" and chosen is not None:
        starts_at = None
        if typed["starts_at"]:
            try:
                starts_at = datetime.fromisoformat(typed["starts_at"])
            except ValueError:
                errors["starts_at"] = [_("Choose a time.")]
        if not errors:
            try:
                consultation = services.consultation_book(
                    citizen=request.user,
                    consultant=chosen,
                    mode=typed["mode"],
                    question=typed["question"],
                    starts_at=starts_at if typed["mode"] != ConsultationMode.WRITTEN else None,
                    facts=[list(pair) for pair in summary],
                    draft=draft,
                    minutes=minutes,
                )
            except DomainError as exc:
                errors = {
                    k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.fields.items()
                }
                if not errors:
                    errors["__all__"] = [str(exc.message)]
            else:
                request.session.pop(CARRY_KEY, None)
                return redirect("consult:consultation", reference=consultation.reference)
    price = None
    try:
        code = services.service_code_for(mode=ConsultationMode.VIDEO, minutes=minutes, draft=draft)
        price = services.price_for(service_code=code)[1].client_total
    except DomainError:
        price = None
    return render(
        request,
        "consult/book.html",
        {
            "consultants": consultants,
            "chosen": chosen,
            "times": times,
            "typed": typed,
            "errors": errors,
            "modes": ConsultationMode.choices,
            "price": price,
            "carried": bool(summary),
            "draft": draft,
            "minutes": minutes,
            "durations": [] if draft is not None else list(services.DURATIONS),
        },
        status=400 if errors else 200,
    )


@scoped_view
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    return render(request, "consult/consultation.html", detail_context(request, consultation))


def detail_context(request: HttpRequest, consultation: Any, **extra: Any) -> dict[str, Any]:
    """What the consultation page shows; ``extra`` carries a refused form back onto it."""
    from tanzim.accounts.permissions import is_office_staff
    from tanzim.consult.views.support import FreeGroundForm

    is_consultant = consultation.consultant.user_id == request.user.pk
    is_citizen = consultation.citizen_id == request.user.pk
    may_waive = consultation.status == ConsultationStatus.AWAITING_PAYMENT and is_office_staff(
        request.user, consultation.office
    )
    context: dict[str, Any] = {
        "c": consultation,
        "is_citizen": is_citizen,
        "is_consultant": is_consultant,
        "outcomes": Outcome.choices,
        "verdicts": ReviewVerdict.choices,
        "events": consultation.events.order_by("created_at"),
        "documents": list(consultation.documents.select_related("uploaded_by")),
        "may_attach": (is_citizen or is_consultant) and consultation.status in OPEN_FOR_FILES,
        "may_waive": may_waive,
        "free_form": FreeGroundForm(office=consultation.office) if may_waive else None,
    }
    context.update(extra)
    return context


@require_POST
@scoped_view
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    if consultation.citizen_id != request.user.pk:
        raise Http404()
    done = run_service(
        request,
        None,
        lambda: payment_start(
            payment=services.consultation_payment_open(consultation=consultation, actor=request.user)
        ),
    )
    return redirect(done.value) if done.ok else redirect("consult:consultation", reference=reference)


@require_POST
@scoped_view
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    run_service(
        request,
        None,
        lambda: services.consultation_answer(
            consultation=consultation,
            actor=request.user,
            advice=request.POST.get("advice", ""),
            verdict=request.POST.get("verdict", ""),
            expected_status=request.POST.get("expected_status") or None,
        ),
        success=_("Your advice is sent."),
    )
    return redirect("consult:consultation", reference=reference)


@require_POST
@scoped_view
def close(request: HttpRequest, reference: str) -> HttpResponse:
    consultation = selectors.consultation_get_for(user=request.user, reference=reference)
    run_service(
        request,
        None,
        lambda: services.consultation_close(
            consultation=consultation,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            expected_status=request.POST.get("expected_status") or None,
        ),
        success=_("The consultation is closed."),
    )
    return redirect("consult:consultation", reference=reference)


@scoped_view
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consult/my_consultations.html",
        {"consultations": selectors.consultation_list_for_citizen(user=request.user)[:100]},
    )


@scoped_view
def desk(request: HttpRequest) -> HttpResponse:
    consultant = selectors.consultant_for(user=request.user)
    if consultant is None:
        return render(request, "consult/not_consultant.html")
    from tanzim.consult.workflows import may_advise

    return render(
        request,
        "consult/desk.html",
        {
            "consultant": consultant,
            "may_advise": may_advise(consultant),
            **selectors.consultant_desk(consultant=consultant),
        },
    )


WEEKDAYS_SHOWN = 5  # rows on the availability form


@scoped_view
def availability(request: HttpRequest) -> HttpResponse:
    consultant = selectors.consultant_for(user=request.user)
    if consultant is None:
        return render(request, "consult/not_consultant.html")
    error = ""
    if request.method == "POST":
        windows = []
        for i in range(WEEKDAYS_SHOWN):
            day, start, end = (request.POST.get(f"{name}-{i}", "") for name in ("weekday", "from", "to"))
            if not day:
                continue
            try:
                windows.append((int(day), time.fromisoformat(start), time.fromisoformat(end)))
            except ValueError:
                error = _("Each window needs a weekday and an end after its start.")
        if not error:
            outcome = run_service(
                request,
                None,
                lambda: services.availability_set(consultant=consultant, actor=request.user, windows=windows),
                success=_("Your availability is saved."),
            )
            if outcome.ok:
                return redirect("consult:availability")
    rows = list(consultant.availability.all())
    slots = [rows[i] if i < len(rows) else None for i in range(max(WEEKDAYS_SHOWN, len(rows)))]
    return render(
        request,
        "consult/availability.html",
        {"consultant": consultant, "slots": slots, "error": error},
        status=400 if error else 200,
    )


@scoped_view
def figures(request: HttpRequest) -> HttpResponse:
    rows = selectors.consultation_figures(user=request.user)
    return render(
        request,
        "consult/figures.html",
        {
            "rows": rows,
            "from_diagnosis": sum(
                r["requests"] for r in selectors.requests_from_diagnosis(user=request.user)
            ),
            "statuses": ConsultationStatus,
        },
    )
