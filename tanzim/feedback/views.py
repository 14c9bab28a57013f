"""Pages: the public survey (from the SMS link), complaints (citizen and handler), and results.

Views parse input, call one service or selector, and render. The survey page needs no login
and shows nothing about who the link was sent to; results pages show aggregates (an office its
published batches, docs/privacy.md) and the month of each comment, never a person, a time or a
complaint's reference.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tanzim.common.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from tanzim.common.files import file_redirect
from tanzim.common.http import client_ip
from tanzim.common.views import form_add_domain_error, scoped_view
from tanzim.feedback import metrics, periods, selectors, services
from tanzim.feedback.choices import DIMENSIONS, OPEN, ComplaintAction, ComplaintStatus, SurveyDimension
from tanzim.feedback.forms import AttachmentForm, ComplaintActionForm, ComplaintForm, PeriodForm, SurveyForm
from tanzim.offices.models import Office

DECISION_ACTIONS = (ComplaintAction.UPHOLD, ComplaintAction.PARTLY_UPHOLD, ComplaintAction.DISMISS)


# --- the survey (public) --------------------------------------------------------------------------


def survey(request, token: str):
    """One screen, six taps and a button. GET shows the questions, POST records the answers once."""
    try:
        link = selectors.survey_link(token=token, ip=client_ip(request))
    except NotFoundError:
        return render(request, "feedback/survey_closed.html", {"state": "invalid"}, status=404)
    except RateLimitedError as exc:
        return render(
            request, "feedback/survey_closed.html", {"state": "limited", "message": exc.message}, status=429
        )
    if link.state != "open":
        return render(request, "feedback/survey_closed.html", {"state": link.state, "office": link.office})
    form = SurveyForm(request.POST or None, questionnaire=link.questionnaire)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.survey_answer(
                    token=token,
                    answers=form.answers(),
                    comment=form.cleaned_data.get("comment") or "",
                    language=getattr(request, "LANGUAGE_CODE", "fa"),
                    ip=client_ip(request),
                    user=request.user,
                )
            except ConflictError:
                return redirect("feedback:survey", token=token)
            except RateLimitedError as exc:
                form.add_error(None, str(exc.message))
                status = 429
            except PermissionDeniedError as exc:
                return render(
                    request,
                    "feedback/survey_closed.html",
                    {"state": "staff", "message": exc.message},
                    status=403,
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = 400
            else:
                return render(
                    request, "feedback/survey_closed.html", {"state": "thanks", "office": link.office}
                )
        else:
            status = 400
    return render(
        request,
        "feedback/survey.html",
        {"form": form, "link": link, "questionnaire": link.questionnaire, "scale": range(1, 6)},
        status=status,
    )


# --- complaints -------------------------------------------------------------------------------


@scoped_view
def complaint_list(request):
    complaints = selectors.complaint_list_for(user=request.user).filter(complainant=request.user)
    page = Paginator(complaints, 20).get_page(request.GET.get("page"))
    handler = selectors.oversight_provinces_for(user=request.user).exists()
    return render(request, "feedback/complaint_list.html", {"page": page, "handler": handler})


@scoped_view
def complaint_new(request):
    offices = list(selectors.offices_visited_by(user=request.user))
    cases, visits = selectors.complaint_links_for(user=request.user)
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        offices=offices,
        cases=cases,
        appointments=visits,
        initial={"office": request.GET.get("office", "")},
    )
    key = request.POST.get("key") or uuid.uuid4().hex
    status = 200
    if request.method == "POST":
        if form.is_valid():
            code = form.chosen_office_code()
            office = Office.objects.filter(code=code).first() if code else None
            try:
                if code and office is None:
                    raise DomainError(
                        fields={"office_code": [_("No office has this code.")]}, code="unknown_office"
                    )
                complaint = services.complaint_file(
                    complainant=request.user,
                    office=office,
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    about_staff=form.cleaned_data["about_staff"],
                    staff_description=form.cleaned_data.get("staff_description") or "",
                    case_id=form.cleaned_data.get("case") or None,
                    appointment_id=form.cleaned_data.get("appointment") or None,
                    attachments=form.cleaned_data.get("attachments") or [],
                    idempotency_key=f"web-{key}"[:64],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = 429 if isinstance(exc, RateLimitedError) else 400
            else:
                messages.success(
                    request,
                    _("Your complaint was received. Its reference is %(reference)s.")
                    % {"reference": complaint.reference},
                )
                return redirect("feedback:complaint", reference=complaint.reference)
        else:
            status = 400
    return render(request, "feedback/complaint_new.html", {"form": form, "key": key}, status=status)


def _render_complaint(request, complaint, *, action_form=None, attach_form=None, status: int = 200):
    viewer = selectors.complaint_viewer(request.user, complaint)
    actions = services.complaint_available_actions(complaint=complaint, user=request.user)
    context = {
        "complaint": complaint,
        "viewer": viewer,
        "actions": [a for a in actions if a not in DECISION_ACTIONS and a != ComplaintAction.WITHDRAW],
        "decisions": [a for a in actions if a in DECISION_ACTIONS],
        "can_withdraw": ComplaintAction.WITHDRAW in actions,
        "action_labels": dict(ComplaintAction.choices),
        "events": selectors.complaint_events(complaint=complaint) if viewer != "office" else [],
        "attachments": complaint.attachments.all() if viewer != "office" else [],
        "action_form": action_form or ComplaintActionForm(),
        "attach_form": attach_form or AttachmentForm(),
        "can_attach": viewer == "complainant" and complaint.status in OPEN,
        "overdue": bool(complaint.due_at and complaint.due_at < timezone.now() and complaint.status in OPEN),
    }
    return render(request, "feedback/complaint_detail.html", context, status=status)


@scoped_view
def complaint_detail(request, reference: str):
    complaint = selectors.complaint_get_for(user=request.user, reference=reference)
    return _render_complaint(request, complaint)


@scoped_view
@require_POST
def complaint_act(request, reference: str):
    complaint = selectors.complaint_get_for(user=request.user, reference=reference)
    form = ComplaintActionForm(request.POST)
    if not form.is_valid():
        return _render_complaint(request, complaint, action_form=form, status=400)
    try:
        services.complaint_transition(
            complaint=complaint,
            actor=request.user,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
            expected_status=form.cleaned_data["expected_status"],
        )
    except ConflictError as exc:
        messages.error(
            request,
            str(exc.message)
            if exc.code != "stale_status"
            else _("Someone else moved this complaint first. Here is where it stands now."),
        )
        return redirect("feedback:complaint", reference=complaint.reference)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _render_complaint(request, complaint, action_form=form, status=400)
    messages.success(request, _("Saved."))
    return redirect("feedback:complaint", reference=complaint.reference)


@scoped_view
@require_POST
def complaint_attach(request, reference: str):
    complaint = selectors.complaint_get_for(user=request.user, reference=reference)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.complaint_attach(
                complaint=complaint, actor=request.user, upload=form.cleaned_data["file"]
            )
        except (ConflictError, DomainError) as exc:
            if isinstance(exc, NotFoundError | PermissionDeniedError):
                raise
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The file was added."))
            return redirect("feedback:complaint", reference=complaint.reference)
    return _render_complaint(request, complaint, attach_form=form, status=400)


@scoped_view
def complaint_attachment(request, reference: str, attachment_id: int):
    attachment = selectors.attachment_open_for(
        user=request.user, reference=reference, attachment_id=attachment_id
    )
    return file_redirect(
        attachment,
        user=request.user,
        content_type=attachment.content_type,
        filename=f"{reference}-{attachment.pk}{attachment.extension}",
    )


@scoped_view
def complaint_worklist(request):
    provinces = selectors.oversight_provinces_for(user=request.user)
    if not provinces.exists():
        raise PermissionDenied(_("This page is for the Kanoon's inspectors and province administrators."))
    status = request.GET.get("status") or ""
    province = provinces.filter(code=request.GET.get("province", "")[:3]).first()
    complaints = selectors.complaint_worklist_for(
        user=request.user,
        status=status if status in ComplaintStatus.values else None,
        province_id=province.pk if province else None,
        overdue=request.GET.get("overdue") == "1",
    )
    page = Paginator(complaints, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/complaint_worklist.html",
        {
            "page": page,
            "provinces": provinces,
            "province": province,
            "status": status,
            "statuses": ComplaintStatus.choices,
            "overdue": request.GET.get("overdue") == "1",
            "now": timezone.now(),
        },
    )


# --- results ----------------------------------------------------------------------------------


def _period_range(form: PeriodForm) -> tuple[int, int]:
    current = periods.period_of(timezone.now())
    first, last = periods.shift(current, -5), current
    if form.is_valid():
        if form.cleaned_data.get("period_from"):
            first = periods.parse_period(form.cleaned_data["period_from"], field="period_from")
        if form.cleaned_data.get("period_to"):
            last = periods.parse_period(form.cleaned_data["period_to"], field="period_to")
    if last < first:
        first, last = last, first
    if len(periods.months_between(first, last)) > 24:
        first = periods.shift(last, -23)
    return first, last


@scoped_view
def results(request):
    """Managers go to their office's page; the Kanoon side gets the table of offices by province."""
    provinces = selectors.oversight_provinces_for(user=request.user)
    if not provinces.exists():
        offices = list(selectors.results_offices_for(user=request.user)[:2])
        if len(offices) == 1:
            return redirect("feedback:office-results", code=offices[0].code)
        if not offices:
            raise PermissionDenied(_("This page is for office managers and the Kanoon."))
        return render(
            request,
            "feedback/results_pick.html",
            {"offices": selectors.results_offices_for(user=request.user)},
        )
    form = PeriodForm(request.GET or None, provinces=provinces)
    error = None
    try:
        first, last = _period_range(form)
    except DomainError as exc:
        error = str(exc.message)
        first = last = periods.period_of(timezone.now())
    province = None
    if form.is_valid() and form.cleaned_data.get("province"):
        province = provinces.filter(code=form.cleaned_data["province"]).first()
    elif provinces.count() == 1:
        province = provinces.first()
    table = selectors.results_table_for(
        user=request.user, period_from=first, period_to=last, province=province
    )
    rows = sorted(table.rows, key=lambda r: (r.survey.shrunk_score is None, -(r.survey.shrunk_score or 0)))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/results.html",
        {
            "form": form,
            "error": error,
            "survey": table,
            "minimum_shown": metrics.minimum_shown(),
            "page": page,
            "province": province,
            "first": first,
            "last": last,
            "first_label": periods.label(first),
            "last_label": periods.label(last),
            "first_code": periods.code(first),
            "last_code": periods.code(last),
        },
    )


@scoped_view
def office_results(request, code: str):
    office = selectors.results_office_get_for(user=request.user, code=code)
    form = PeriodForm(request.GET or None)
    error = None
    try:
        first, last = _period_range(form)
    except DomainError as exc:
        error = str(exc.message)
        first = last = periods.period_of(timezone.now())
    result = selectors.office_results_for(user=request.user, office=office, period_from=first, period_to=last)
    comment_period = first
    if request.GET.get("comments"):
        try:
            comment_period = periods.parse_period(request.GET["comments"])
        except DomainError:
            comment_period = last
    else:
        shown = [m.period for m in result.months if m.shown]
        comment_period = shown[0] if shown else last
    comments = selectors.office_comments_for(user=request.user, office=office, period=comment_period)
    labels = dict(SurveyDimension.choices)
    months = [
        {
            "code": periods.code(m.period),
            "label": periods.label(m.period),
            "shown": m.shown,
            "f": m.figures,
            "published_at": m.published_at,
            "items": [m.figures.item_means[d] for d in DIMENSIONS],
        }
        for m in result.months
    ]
    return render(
        request,
        "feedback/office_results.html",
        {
            "office": office,
            "result": result,
            "form": form,
            "error": error,
            "dimension_labels": [labels[d] for d in DIMENSIONS],
            "total_items": [(labels[d], result.total.item_means[d]) for d in DIMENSIONS],
            "months": months,
            "comments": comments,
            "comment_label": periods.label(comment_period),
            "first_code": periods.code(first),
            "last_code": periods.code(last),
        },
    )
