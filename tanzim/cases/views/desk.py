"""The office's desk: the worklist, a walk-in client, the search."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tanzim.accounts.services import citizen_register_at_counter
from tanzim.cases import selectors, services
from tanzim.cases.choices import OFFICE_TURN, CaseStatus, ProceedingStage
from tanzim.cases.forms import (
    SearchForm,
    WalkInForm,
)
from tanzim.cases.tracking import clean_tracking_code
from tanzim.cases.views._common import WAITING_FOR_CITIZEN, WORKLIST_PAGE, _require_staff
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.selectors import service_get, service_list
from tanzim.common.identifiers import is_valid_national_code
from tanzim.common.normalize import digits_only
from tanzim.common.views import run_service, scoped_view
from tanzim.finance import services as finance_services
from tanzim.finance.forms import free_service_ground_values
from tanzim.offices.models import Office


@scoped_view
@require_GET
def worklist(request):
    """The office's turn, most urgent first; overdue cases highlighted, counts per status."""
    office_ids = _require_staff(request.user)
    offices = list(Office.objects.filter(pk__in=office_ids).order_by("code"))
    office_id = request.GET.get("office") or ""
    office_id = int(office_id) if office_id.isdigit() and int(office_id) in office_ids else None
    tab = request.GET.get("tab") or "office"
    status = request.GET.get("status") or ""
    now = timezone.now()
    if tab == "citizen":
        base = (
            selectors.case_list_for(user=request.user)
            .filter(office_id__in=[office_id] if office_id else office_ids, status__in=WAITING_FOR_CITIZEN)
            .order_by("status_changed_at", "pk")
        )
        statuses = WAITING_FOR_CITIZEN
    else:
        base = selectors.worklist_for(user=request.user, office_id=office_id)
        statuses = [s for s in CaseStatus.values if s in OFFICE_TURN]
    counts = {
        row["status"]: row
        for row in base.order_by()
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    }
    cases = base.filter(status=status) if status in statuses else base
    if request.GET.get("overdue") and tab != "citizen":
        cases = cases.filter(due_at__lt=now)
    page = Paginator(cases, WORKLIST_PAGE).get_page(request.GET.get("page"))
    rows = [(case, selectors.is_overdue(case)) for case in page]
    tabs = [
        {
            "status": s,
            "label": CaseStatus(s).label,
            "n": counts.get(s, {}).get("n", 0),
            "late": counts.get(s, {}).get("late", 0) if tab != "citizen" else 0,
        }
        for s in statuses
    ]
    return render(
        request,
        "cases/worklist.html",
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "tab": tab,
            "status": status if status in statuses else "",
            "total": sum(t["n"] for t in tabs),
            "total_late": sum(t["late"] for t in tabs),
            "offices": offices,
            "office_id": office_id,
            "overdue_only": bool(request.GET.get("overdue")),
        },
    )


@scoped_view
def walk_in(request):
    """A clerk identifies a walk-in citizen and opens a request for them, then drafts it with them."""
    office_ids = _require_staff(request.user)
    offices = list(Office.objects.filter(pk__in=office_ids).order_by("code"))
    # Filings (petitions, complaints, notices) are most of the counter's work: list them first.
    in_person = sorted(service_list().filter(in_person=True), key=lambda s: (s.category != "filing", s.name))
    missions = finance_services.missions_open_for(offices=offices)
    form = WalkInForm(
        request.POST or None, request.FILES or None, services=in_person, offices=offices, missions=missions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        office = next(o for o in offices if str(o.pk) == data["office"])

        @transaction.atomic  # no account is left behind if the request cannot be opened
        def open_request(data):
            citizen = citizen_register_at_counter(
                actor=request.user,
                national_code=data["national_code"],
                mobile=data["mobile"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            return services.case_create(
                actor=request.user,
                applicant=citizen,
                service=service_get(code=data["service"]),
                channel=ChannelKind.IN_PERSON,
                office=office,
                title=data["title"],
                proceeding=data["proceeding"] or ProceedingStage.FIRST_INSTANCE,
                free_service=data["free_service"],
                **(free_service_ground_values(data) if data["free_service"] else {}),
            )

        done = run_service(request, form, open_request)
        if done.ok:
            messages.success(
                request,
                _("Request opened for %(name)s. Tracking code: %(code)s")
                % {"name": done.value.applicant.display_name, "code": done.value.tracking_code_display},
            )
            return redirect("cases:draft", pk=done.value.pk)
    return render(request, "cases/walk_in.html", {"form": form}, status=400 if form.errors else 200)


@scoped_view
@require_GET
def search(request):
    """By tracking code (typed any way: Persian digits, dashes) or by a party's national code."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        digits = digits_only(query)
        code = clean_tracking_code(query)
        if code is None and len(digits) == 16:
            form.add_error("q", _("This tracking code has a typo: its check digit does not match."))
        elif code is None and not (len(digits) == 10 and is_valid_national_code(digits)):
            form.add_error("q", _("Enter a 16-digit tracking code or a valid 10-digit national code."))
        else:
            results = list(
                selectors.case_search_for(user=request.user, query=query).order_by("-created_at")[:50]
            )
            if code and len(results) == 1:
                return redirect("cases:detail", pk=results[0].pk)
    return render(
        request,
        "cases/search.html",
        {"form": form, "results": results},
        status=400 if form.errors else 200,
    )
