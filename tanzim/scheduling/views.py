"""Pages for citizens (find, book, cancel, reschedule, check in) and offices (day view, queue, display).

Views parse input, call one service or selector and render; the rules live in services.
Every booking form carries a one-time Idempotency key, so a double click books once.
Signed-in pages are ``scoped_view``s: an appointment or ticket out of the reader's scope is a
404, another office's desk a 403, as everywhere else; every form → service → message round goes
through ``run_service``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.accounts.permissions import can_act_for_office, is_office_staff
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices
from tanzim.catalog.selectors import service_get, service_list
from tanzim.common.calendar import CONFIRMED
from tanzim.common.errors import DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date, to_jalali_date
from tanzim.common.views import domain_errors_as_http, flash_form_errors, run_service, scoped_view
from tanzim.offices.models import Counter, Office, Province
from tanzim.offices.selectors import city_list
from tanzim.scheduling import ics, metrics, selectors, services, suggestions
from tanzim.scheduling.choices import CHANGEABLE, AppointmentStatus, FlexibleRequestStatus, TicketStatus
from tanzim.scheduling.forms import BookForm, CancelForm, FindForm, MetricsForm, PolicyForm, WalkInForm
from tanzim.scheduling.models import FlexibleRequest, QueueTicket, Slot

COUNTER_SESSION_KEY = "scheduling_counter"


def _error_text(exc: DomainError) -> str:
    """A refusal of a read (suggestions, figures), shown above the results."""
    parts = [str(exc.message)] if exc.message and not exc.fields else []
    for errors in exc.fields.values():
        parts.extend(str(e) for e in (errors if isinstance(errors, list) else [errors]))
    return " ".join(parts) or str(exc.message)


def _unconfirmed_years(days: list[selectors.DayAvailability]) -> list[int]:
    """The Jalali years among ``days`` whose official holidays are not confirmed yet."""
    return sorted({to_jalali_date(d.day).year for d in days if d.holiday_table != CONFIRMED})


def _service_or_none(code: str | None):
    if not code:
        return None
    try:
        return service_get(code=code)
    except DomainError:
        return None


# --- citizens --------------------------------------------------------------------------


def find(request):
    """The suggestion page: fewer visits first, then the best offices and times."""
    services_ = list(service_list())
    form = FindForm(
        request.GET or None,
        services=services_,
        cities=city_list().order_by("province__name_fa", "-is_capital", "name_fa"),
    )
    result, error = None, None
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                service = service_get(code=data["service"])
                lat, lon = suggestions.resolve_location(
                    latitude=data.get("lat"), longitude=data.get("lon"), city=data.get("city")
                )
                result = suggestions.suggest(
                    service=service,
                    latitude=lat,
                    longitude=lon,
                    date_from=data.get("date_from"),
                    date_to=data.get("date_to"),
                    limit=5,
                )
            except DomainError as exc:
                error = _error_text(exc)
        else:
            error = _("Please correct the errors below.")
    template = "scheduling/_suggestions.html" if request.headers.get("HX-Request") else "scheduling/find.html"
    return render(request, template, {"form": form, "result": result, "error": error})


@domain_errors_as_http
def office_times(request, code: str):
    """Free times at one office for one service, a week at a time, with a book button each."""
    office = selectors.office_get(code=code)
    service = _service_or_none(request.GET.get("service"))
    services_ = [s for s in service_list() if s.in_person or s.semi_in_person]
    try:
        start = date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else None
    except ValueError:
        start = None
    today = timezone.localdate()
    start = max(start or today, today)
    days = []
    if service is not None:
        days = selectors.slot_availability(
            office=office, service=service, day_from=start, day_to=start + timedelta(days=6)
        )
    context = {
        "office": office,
        "service": service,
        "services": services_,
        "days": days,
        "unconfirmed_years": _unconfirmed_years(days),
        "start": start,
        "next_week": start + timedelta(days=7),
        "prev_week": start - timedelta(days=7) if start > today else None,
        "key": uuid.uuid4().hex,
        "reschedule": None,
        "staff": is_office_staff(request.user, office),
        "licensed": service is None or selectors.office_is_licensed(office=office, service=service, on=start),
    }
    return render(request, "scheduling/office_times.html", context)


@domain_errors_as_http
@require_POST
def book(request):
    form = BookForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    slot = Slot.objects.select_related("office").filter(pk=data["slot"]).first() if valid else None
    service = _service_or_none(data["service"]) if valid else None
    back = reverse("scheduling:find")
    if slot is not None and service is not None:
        day = tehran_date(slot.start).isoformat()
        back = (
            f"{reverse('scheduling:office-times', args=[slot.office.code])}?service={service.code}&from={day}"
        )
    if not request.user.is_authenticated:
        # Signed in by code, the citizen comes back to this office's times on that day.
        messages.info(request, _("Sign in to book; you will come back to this time."))
        return redirect(f"{reverse('web:otp-request')}?{urlencode({'next': back})}")
    if not valid:
        messages.error(request, _("This time could not be booked. Choose a time again."))
        return redirect("scheduling:find")
    if slot is None or service is None:
        raise Http404
    citizen = None
    if data.get("citizen_national_code"):
        citizen = User.objects.filter(national_code=data["citizen_national_code"], is_active=True).first()
        if citizen is None:
            messages.error(request, _("No citizen with this national code."))
            return redirect(back)
    if request.POST.get("confirm") != "1":
        # One click on a time opens the review: what, where, when, the fee; nothing is booked yet.
        return render(
            request,
            "scheduling/book_review.html",
            {
                "slot": slot,
                "office": slot.office,
                "service": service,
                "data": data,
                "citizen": citizen,
                "fee": _in_person_fee(service),
                "back": back,
            },
        )
    outcome = run_service(
        request,
        None,
        lambda: services.appointment_book(
            actor=request.user,
            citizen=citizen,
            slot_id=slot.pk,
            service=service,
            office=slot.office,
            idempotency_key=f"web-{data['key']}",
        ),
    )
    if not outcome.ok:
        return redirect(back)
    result = outcome.value
    messages.success(
        request,
        _("Booked. Your code is %(reference)s; an SMS confirms it.")
        % {"reference": result.appointment.reference},
    )
    return redirect("scheduling:detail", pk=result.appointment.pk)


def _in_person_fee(service) -> int | None:
    """What the citizen pays at the office for the service done in person (None: not offered)."""
    prices = channel_prices(service=service)
    return prices.get(ChannelKind.IN_PERSON, prices.get(ChannelKind.SEMI_IN_PERSON))


@scoped_view
def my_appointments(request):
    qs = selectors.appointment_list_for(actor=request.user, mine=True)
    now = timezone.now()
    active = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
    upcoming = [a for a in qs if a.end > now and a.status in active]
    # A cancelled or moved appointment is neither coming up nor past: listed under its own heading.
    gone = (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)
    cancelled = [a for a in qs if a.status in gone][::-1][:30]
    past = [a for a in qs if a not in upcoming and a.status not in gone][::-1][:30]
    flexible = FlexibleRequest.objects.filter(
        citizen=request.user, status=FlexibleRequestStatus.PENDING
    ).select_related("service")
    # Appointments the nightly batch placed beyond the nearby offices: say why, offer to wait.
    farther = dict(
        FlexibleRequest.objects.filter(
            citizen=request.user,
            status=FlexibleRequestStatus.ASSIGNED,
            placed_farther=True,
            appointment__in=[a.pk for a in upcoming],
        ).values_list("appointment_id", "pk")
    )
    for a in upcoming:
        a.farther_request = farther.get(a.pk)
    return render(
        request,
        "scheduling/mine.html",
        {"upcoming": upcoming, "past": past, "cancelled": cancelled, "flexible": flexible},
    )


@scoped_view
def detail(request, pk: int):
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    now = timezone.now()
    opens, closes = services.checkin_window(appointment)
    ticket = getattr(appointment, "ticket", None)
    context = {
        "a": appointment,
        "can_change": appointment.status in CHANGEABLE and appointment.start > now,
        "can_check_in": not appointment.remote
        and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW)
        and opens <= now
        and tehran_date(now) == tehran_date(appointment.start),
        "checkin_opens": opens,
        "late": now > closes,
        "ticket": ticket,
        "position": selectors.ticket_position(ticket=ticket, now=now) if ticket else None,
        "add_to_calendar": ics.add_to_calendar_url(appointment),
        "staff": is_office_staff(request.user, appointment.office),
        "cancel_form": CancelForm(),
    }
    return render(request, "scheduling/detail.html", context)


@scoped_view
def ticket_status(request, pk: int):
    """The citizen's own ticket: place in line and expected wait (polled by htmx)."""
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    ticket = getattr(appointment, "ticket", None)
    position = selectors.ticket_position(ticket=ticket) if ticket else None
    return render(
        request, "scheduling/_ticket.html", {"ticket": ticket, "position": position, "a": appointment}
    )


@scoped_view
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    if request.method == "GET":
        # The confirmation: what is given up, a reason, and a clear way back.
        if appointment.status not in CHANGEABLE:
            return redirect("scheduling:detail", pk=pk)
        return render(request, "scheduling/cancel_confirm.html", {"a": appointment, "form": CancelForm()})
    form = CancelForm(request.POST)
    outcome = run_service(
        request,
        form,
        lambda data: services.appointment_cancel(
            appointment=appointment, actor=request.user, reason=data["reason"]
        ),
        success=_("The appointment is cancelled. Thank you for freeing the time for someone else."),
    )
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("scheduling:detail", pk=pk)


@scoped_view
def reschedule(request, pk: int):
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            slot_id = int(request.POST.get("slot", ""))
        except ValueError:
            messages.error(request, _("Choose a time."))
        else:
            slot = Slot.objects.select_related("office").filter(pk=slot_id).first()
            if slot is not None and request.POST.get("confirm") != "1":
                return render(
                    request,
                    "scheduling/book_review.html",
                    {
                        "slot": slot,
                        "office": slot.office,
                        "service": appointment.service,
                        "reschedule": appointment,
                        "fee": _in_person_fee(appointment.service),
                        "back": reverse("scheduling:reschedule", args=[appointment.pk]),
                    },
                )
            outcome = run_service(
                request,
                None,
                lambda: services.appointment_reschedule(
                    appointment=appointment, actor=request.user, slot_id=slot_id
                ),
            )
            if outcome.ok:
                new = outcome.value
                messages.success(
                    request, _("Moved. Your new code is %(reference)s.") % {"reference": new.reference}
                )
                return redirect("scheduling:detail", pk=new.pk)
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else today
    except ValueError:
        start = today
    start = max(start, today)
    days = selectors.slot_availability(
        office=appointment.office,
        service=appointment.service,
        day_from=start,
        day_to=start + timedelta(days=6),
    )
    context = {
        "office": appointment.office,
        "service": appointment.service,
        "services": [],
        "days": days,
        "unconfirmed_years": _unconfirmed_years(days),
        "start": start,
        "next_week": start + timedelta(days=7),
        "prev_week": start - timedelta(days=7) if start > today else None,
        "reschedule": appointment,
        "licensed": True,
        "staff": False,
    }
    return render(request, "scheduling/office_times.html", context)


@scoped_view
@require_POST
def check_in(request, pk: int):
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    outcome = run_service(
        request, None, lambda: services.appointment_check_in(appointment=appointment, actor=request.user)
    )
    if outcome.ok:
        messages.success(
            request, _("You are in the queue with ticket %(number)s.") % {"number": outcome.value.label}
        )
    nxt = request.POST.get("next")
    if nxt and nxt.startswith("/appointments/"):
        return redirect(nxt)
    return redirect("scheduling:detail", pk=pk)


@scoped_view
def calendar_file(request, pk: int):
    appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
    response = HttpResponse(ics.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics.ics_filename(appointment)}"'
    return response


@scoped_view
@require_POST
def flexible_request(request):
    """ "Any office near me, any day in these dates": the nightly rebalancer books a time."""
    service = _service_or_none(request.POST.get("service"))
    if service is None:
        raise Http404
    try:
        latitude, longitude = float(request.POST.get("lat", "")), float(request.POST.get("lon", ""))
        earliest = date.fromisoformat(request.POST.get("date_from", ""))
        latest = date.fromisoformat(request.POST.get("date_to", ""))
    except ValueError:
        messages.error(request, _("Choose a service, a place and dates first."))
        return redirect("scheduling:find")
    outcome = run_service(
        request,
        None,
        lambda: services.flexible_request_create(
            citizen=request.user,
            service=service,
            latitude=latitude,
            longitude=longitude,
            earliest=earliest,
            latest=latest,
        ),
        success=_("Noted. We will book the best nearby time for you and send it by SMS."),
    )
    return redirect("scheduling:mine" if outcome.ok else "scheduling:find")


@scoped_view
@require_POST
def flexible_wait_nearer(request, pk: int):
    """The citizen declines an office placed farther away and waits for a nearer time."""
    row = FlexibleRequest.objects.filter(pk=pk, citizen=request.user).first()
    if row is None:
        raise Http404
    run_service(
        request,
        None,
        lambda: services.flexible_request_wait_nearer(request=row, actor=request.user),
        success=_("Cancelled. We will look for a time at a nearby office and send it by SMS."),
    )
    return redirect("scheduling:mine")


@scoped_view
@require_POST
def choose_channel(request):
    """The citizen took the remote (or semi-in-person) offer: count the visit avoided."""
    service = _service_or_none(request.POST.get("service"))
    if service is None:
        raise Http404
    office = Office.objects.filter(code=request.POST.get("office") or "").first()
    outcome = run_service(
        request,
        None,
        lambda: services.visit_avoided_record(
            citizen=request.user, service=service, channel=request.POST.get("channel", ""), office=office
        ),
    )
    if not outcome.ok:
        return redirect("scheduling:find")
    channel = request.POST.get("channel", "")
    if channel == "remote":
        messages.success(request, _("Good choice: no visit needed. Choose the office that will handle it."))
    else:
        messages.success(
            request, _("Prepare the request online; book the one verification visit when asked.")
        )
    # Straight on to the request's next step, with the place the citizen searched from: the
    # office list suggests the best office for them (not a dead end at the desk).
    query = {k: request.POST[k] for k in ("lat", "lon") if request.POST.get(k)}
    url = reverse("cases:office", args=[service.code, channel])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


# --- offices ---------------------------------------------------------------------------


def _day_param(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@scoped_view
def office_day(request, code: str):
    """One day at an office: each time with its bookings, and what each counter did."""
    office = selectors.staff_office_get(actor=request.user, code=code)
    day = _day_param(request)
    listed = selectors.appointment_list_for(actor=request.user, office=office, day=day)
    # flexible_request: an appointment the nightly batch placed from farther away says so.
    appointments = list(listed.select_related("flexible_request"))
    slots = list(
        Slot.objects.filter(
            office=office, start__gte=_day_start(day), start__lt=_day_start(day) + timedelta(days=1)
        )
    )
    counters = list(Counter.objects.filter(office=office).order_by("number"))
    tickets = list(
        QueueTicket.objects.filter(office=office, day=day, called_at__isnull=False).select_related("counter")
    )
    rows = []
    step = selectors.unit()
    for slot in slots:
        cells: dict[int, list[QueueTicket]] = {c.number: [] for c in counters}
        for t in tickets:
            if t.counter and t.called_at and slot.start <= t.called_at < slot.start + step:
                cells[t.counter.number].append(t)
        rows.append(
            {
                "slot": slot,
                "appointments": [a for a in appointments if a.start == slot.start and not a.remote],
                "counters": [cells[c.number] for c in counters],
            }
        )
    policy = services.policy_for(office)
    is_manager = can_act_for_office(request.user, office, Role.OFFICE_MANAGER)
    context = {
        "office": office,
        "day": day,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "rows": rows,
        "counters": counters,
        "appointments": appointments,
        "closed_with_bookings": [
            a
            for a in appointments
            if a.slot is not None and a.slot.status == "closed" and a.status in ("booked",)
        ],
        # Consultation calls at a consultant's own time: no slot row, listed on their own.
        "calls": [a for a in appointments if a.remote],
        "walk_in_form": WalkInForm(services=[s for s in service_list() if s.in_person or s.semi_in_person]),
        "is_manager": is_manager,
        "policy_form": PolicyForm(
            initial={
                "appointment_share_pct": policy.appointment_share_pct,
                "overbooking_enabled": policy.overbooking_enabled,
                "overbooking_risk_pct": policy.overbooking_risk_pct,
                "show_rate_pct": policy.show_rate_pct,
            }
        ),
        "today": timezone.localdate(),
    }
    return render(request, "scheduling/office_day.html", context)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TEHRAN)


@scoped_view
@require_POST
def office_policy(request, code: str):
    office = selectors.staff_office_get(actor=request.user, code=code)
    form = PolicyForm(request.POST)
    outcome = run_service(
        request,
        form,
        lambda data: services.scheduling_policy_set(
            actor=request.user,
            office=office,
            appointment_share_pct=data["appointment_share_pct"],
            overbooking_enabled=data["overbooking_enabled"],
            overbooking_risk_pct=data["overbooking_risk_pct"],
            show_rate_pct=data.get("show_rate_pct"),
            clear_show_rate=data.get("show_rate_pct") is None,
        ),
        success=_("The booking policy is saved and applied to the open times."),
    )
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("scheduling:office-day", code=code)


@scoped_view
@require_POST
def walk_in(request, code: str):
    office = selectors.staff_office_get(actor=request.user, code=code)
    form = WalkInForm(request.POST, services=list(service_list()))

    def issue(data):
        citizen = None
        if data.get("citizen_national_code"):
            citizen = User.objects.filter(national_code=data["citizen_national_code"]).first()
        return services.ticket_issue_walk_in(
            office=office, actor=request.user, service=_service_or_none(data.get("service")), citizen=citizen
        )

    outcome = run_service(request, form, issue)
    if outcome.ok:
        messages.success(request, _("Ticket %(number)s issued.") % {"number": outcome.value.label})
    else:
        flash_form_errors(request, form)
    nxt = request.POST.get("next") or ""
    return redirect(nxt if nxt.startswith("/appointments/") else reverse("scheduling:queue", args=[code]))


def _queue_context(request, office: Office) -> dict:
    now = timezone.now()
    counters = list(Counter.objects.filter(office=office, active=True).order_by("number"))
    chosen = request.session.get(COUNTER_SESSION_KEY, {}).get(str(office.pk))
    counter = next((c for c in counters if c.pk == chosen), counters[0] if counters else None)
    figures = selectors.queue_figures(office=office, now=now)
    called = list(
        QueueTicket.objects.filter(office=office, day=tehran_date(now), status=TicketStatus.CALLED)
        .select_related("counter", "citizen", "service", "appointment")
        .order_by("counter__number")
    )
    return {
        "office": office,
        "counters": counters,
        "counter": counter,
        "mine": next((t for t in called if counter and t.counter_id == counter.pk), None),
        "called": called,
        "line": selectors.queue_waiting_with_estimates(office=office, now=now, figures=figures),
        "figures": figures,
        "walk_in_form": WalkInForm(services=[s for s in service_list() if s.in_person or s.semi_in_person]),
    }


@scoped_view
def queue(request, code: str):
    """Queue control for a clerk at a counter: call next, serve, no-show, recall."""
    office = selectors.staff_office_get(actor=request.user, code=code)
    if request.GET.get("counter"):
        counter = Counter.objects.filter(office=office, number=request.GET["counter"]).first()
        if counter is not None:
            chosen = request.session.get(COUNTER_SESSION_KEY, {})
            chosen[str(office.pk)] = counter.pk
            request.session[COUNTER_SESSION_KEY] = chosen
    template = (
        "scheduling/_queue_panel.html" if request.headers.get("HX-Request") else "scheduling/queue.html"
    )
    return render(request, template, _queue_context(request, office))


@scoped_view
@require_POST
def queue_call(request, code: str):
    office = selectors.staff_office_get(actor=request.user, code=code)
    counter = Counter.objects.filter(office=office, pk=request.POST.get("counter") or 0).first()
    if counter is None:
        messages.error(request, _("Choose your counter first."))
        return redirect("scheduling:queue", code=code)
    outcome = run_service(
        request,
        None,
        lambda: services.ticket_call_next(office=office, counter=counter, actor=request.user),
    )
    if outcome.ok:
        ticket = outcome.value
        chosen = request.session.get(COUNTER_SESSION_KEY, {})
        chosen[str(office.pk)] = counter.pk
        request.session[COUNTER_SESSION_KEY] = chosen
        if ticket is None:
            messages.info(request, _("Nobody is waiting."))
        else:
            messages.success(
                request,
                _("Ticket %(number)s called to counter %(counter)s.")
                % {"number": ticket.label, "counter": counter.number},
            )
    return redirect("scheduling:queue", code=code)


TICKET_PAGE_ACTIONS = {
    "serve": (services.ticket_serve, _("Ticket %(number)s served.")),
    "no-show": (services.ticket_no_show, _("Ticket %(number)s marked as not present.")),
    "recall": (services.ticket_recall, _("Ticket %(number)s called again.")),
    "requeue": (services.ticket_requeue, _("Ticket %(number)s is waiting again.")),
    "leave": (services.ticket_leave, _("Ticket %(number)s left the queue.")),
}


@scoped_view
@require_POST
def ticket_action(request, pk: int, action: str):
    if action not in TICKET_PAGE_ACTIONS:
        raise Http404
    ticket = selectors.ticket_get_for_staff(actor=request.user, pk=pk)
    func, done = TICKET_PAGE_ACTIONS[action]
    outcome = run_service(request, None, lambda: func(ticket=ticket, actor=request.user))
    if outcome.ok:
        messages.success(request, done % {"number": ticket.label})
    return redirect("scheduling:queue", code=ticket.office.code)


@domain_errors_as_http
def display(request, code: str):
    """The waiting-room screen: public, ticket numbers and counters only; refreshes itself."""
    office = selectors.office_get(code=code)
    board = selectors.display_board(office=office)
    template = "scheduling/_board.html" if request.headers.get("HX-Request") else "scheduling/display.html"
    return render(request, template, {"office": office, "board": board})


@scoped_view
def metrics_page(request):
    allowed = metrics.metrics_levels_for(request.user)
    if not (allowed["nation"] or allowed["provinces"] or allowed["offices"]):
        raise PermissionDeniedError(_("You cannot see these figures."))
    initial_level = "nation" if allowed["nation"] else ("province" if allowed["provinces"] else "office")
    initial_code = ""
    if initial_level == "office":
        initial_code = (
            Office.objects.filter(pk__in=allowed["offices"])
            .order_by("code")
            .values_list("code", flat=True)
            .first()
            or ""
        )
    elif initial_level == "province":
        initial_code = (
            Province.objects.filter(pk__in=allowed["provinces"]).values_list("code", flat=True).first() or ""
        )
    form = MetricsForm(request.GET or {"level": initial_level, "code": initial_code})
    report, error = None, None
    if form.is_valid():
        data = form.cleaned_data
        today = timezone.localdate()
        try:
            report = metrics.metrics_report(
                actor=request.user,
                level=data["level"],
                code=data.get("code") or None,
                day_from=data.get("date_from") or today - timedelta(days=29),
                day_to=data.get("date_to") or today,
            )
        except (NotFoundError, PermissionDeniedError):
            raise  # another area's figures: 403, as over the API
        except DomainError as exc:
            error = _error_text(exc)
    else:
        error = _("Please correct the errors below.")
    return render(request, "scheduling/metrics.html", {"form": form, "report": report, "error": error})
