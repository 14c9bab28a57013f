"""Appointments, suggestions, availability, the office queue and metrics over the API."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.models import User
from tanzim.catalog.models import Service
from tanzim.catalog.selectors import service_get
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.idempotency import key_from_request
from tanzim.common.identifiers import clean_national_code
from tanzim.common.jalali import format_jalali
from tanzim.offices.models import Counter
from tanzim.scheduling import ics, metrics, selectors, services, suggestions
from tanzim.scheduling.choices import CHANGEABLE, AppointmentStatus, BookingChannel
from tanzim.scheduling.formatting import parse_day
from tanzim.scheduling.models import Appointment, FlexibleRequest, QueueTicket, Slot


class SchedulingErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()


class AppointmentOfficeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField(source="city.name")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class AppointmentServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    duration_minutes = serializers.IntegerField()


class FreeSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    office = serializers.CharField(source="office.code")
    start = serializers.DateTimeField()
    start_jalali = serializers.SerializerMethodField()
    free = serializers.IntegerField()

    def get_start_jalali(self, slot: Slot) -> str:
        return format_jalali(slot.start, with_time=True, persian_digits=False)


class QueueTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    counter = serializers.IntegerField(source="counter.number", allow_null=True, default=None)
    joined_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)


class AppointmentSerializer(serializers.ModelSerializer):
    office = AppointmentOfficeSerializer()
    service = AppointmentServiceSerializer()
    start_jalali = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    citizen_name = serializers.CharField(source="citizen.display_name")
    ticket = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    add_to_calendar_url = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "reference",
            "office",
            "service",
            "start",
            "end",
            "start_jalali",
            "status",
            "status_display",
            "channel",
            "case_ref",
            "citizen_name",
            "late",
            "checked_in_at",
            "rescheduled_from",
            "created_at",
            "ticket",
            "can_change",
            "calendar_url",
            "add_to_calendar_url",
        ]

    def get_start_jalali(self, appt: Appointment) -> str:
        return format_jalali(appt.start, with_time=True, persian_digits=False)

    def get_ticket(self, appt: Appointment) -> dict | None:
        if appt.checked_in_at is None:
            return None  # a ticket exists only after check-in
        ticket = getattr(appt, "ticket", None)
        return QueueTicketSerializer(ticket).data if ticket else None

    def get_can_change(self, appt: Appointment) -> bool:
        return appt.status in CHANGEABLE and appt.start > timezone.now()

    def get_calendar_url(self, appt: Appointment) -> str:
        request = self.context.get("request")
        path = f"/api/v1/appointments/{appt.pk}/calendar.ics"
        return request.build_absolute_uri(path) if request else path

    def get_add_to_calendar_url(self, appt: Appointment) -> str:
        return ics.add_to_calendar_url(appt)


class AppointmentBookSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)
    service = serializers.SlugField(max_length=40)
    office = serializers.CharField(
        max_length=12, required=False, help_text=_("Office code, checked against the slot")
    )
    citizen_national_code = serializers.CharField(
        max_length=20, required=False, help_text=_("Staff only: book on behalf of this citizen")
    )
    channel = serializers.ChoiceField(choices=BookingChannel.choices, default=BookingChannel.IN_PERSON)
    case_ref = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class SlotTakenErrorSerializer(SchedulingErrorSerializer):
    alternatives = FreeSlotSerializer(many=True)


class AppointmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AppointmentRescheduleSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)


SERVICE_CACHE_SECONDS = 60
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _service(code: str) -> Service:
    """The active service with this code; cached a minute (the catalogue changes rarely)."""
    unknown = DomainError(fields={"service": [_("Unknown service.")]}, code="unknown_service")
    if not SLUG.fullmatch(code or ""):
        raise unknown  # never a cache key made of arbitrary input
    key = f"scheduling:service:{code}"
    service = cache.get(key)
    if service is None:
        try:
            service = service_get(code=code)
        except NotFoundError:
            raise unknown from None
        cache.set(key, service, SERVICE_CACHE_SECONDS)
    return service


def _citizen_by_code(code: str) -> User:
    try:
        national_code = clean_national_code(code)
    except DjangoValidationError as exc:
        raise DomainError(
            fields={"citizen_national_code": exc.messages}, code="invalid_national_code"
        ) from None
    citizen = User.objects.filter(national_code=national_code, is_active=True).first()
    if citizen is None:
        raise NotFoundError(_("No citizen with this national code."), code="citizen_not_found")
    return citizen


def slot_taken_response(exc: DomainError, *, slot_id: int, service: Service, request) -> Response:
    """409 in the usual envelope, plus the next free times at the same office."""
    slot = Slot.objects.select_related("office").filter(pk=slot_id).first()
    alternatives = []
    if slot is not None:
        alternatives = selectors.slot_alternatives(office=slot.office, service=service, after=slot.start)
    return Response(
        {
            "code": exc.code,
            "message": str(exc.message),
            "fields": {},
            "alternatives": FreeSlotSerializer(alternatives, many=True).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _appointment_queryset():
    return Appointment.objects.select_related(
        "office", "office__city", "service", "citizen", "ticket", "ticket__counter"
    )


class AppointmentListCreateView(APIView):
    """Your appointments (staff: their office's), and booking a slot."""

    @extend_schema(
        parameters=[
            OpenApiParameter("office", str, required=False, description=_("Office code (staff)")),
            OpenApiParameter("date", str, required=False, description=_("Day, Jalali or ISO")),
            OpenApiParameter("status", str, required=False, enum=AppointmentStatus.values),
            OpenApiParameter("upcoming", bool, required=False),
        ],
        responses={200: AppointmentSerializer(many=True)},
    )
    def get(self, request):
        params = request.query_params
        office = selectors.office_get(code=params["office"]) if params.get("office") else None
        try:
            day = parse_day(params.get("date"))
        except DjangoValidationError as exc:
            raise DomainError(fields={"date": exc.messages}) from None
        status_filter = params.get("status")
        if status_filter and status_filter not in AppointmentStatus.values:
            raise DomainError(fields={"status": [_("Unknown status.")]})
        upcoming = {"true": True, "false": False}.get((params.get("upcoming") or "").lower())
        qs = selectors.appointment_list_for(
            actor=request.user,
            office=office,
            day=day,
            statuses=[status_filter] if status_filter else None,
            upcoming=upcoming,
        ).select_related("office__city", "ticket__counter")
        return Response(AppointmentSerializer(qs[:500], many=True, context={"request": request}).data)

    @extend_schema(
        request=AppointmentBookSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=_("A repeated request with the same key returns the same appointment."),
            )
        ],
        responses={
            201: AppointmentSerializer,
            400: SchedulingErrorSerializer,
            403: SchedulingErrorSerializer,
            404: SchedulingErrorSerializer,
            409: OpenApiResponse(
                SlotTakenErrorSerializer, description=_("Taken slot, with the next free times")
            ),
        },
    )
    def post(self, request):
        key = key_from_request(request)
        data = AppointmentBookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        service = _service(values["service"])
        office = selectors.office_get(code=values["office"]) if values.get("office") else None
        citizen = (
            _citizen_by_code(values["citizen_national_code"]) if values.get("citizen_national_code") else None
        )
        try:
            result = services.appointment_book(
                actor=request.user,
                citizen=citizen,
                slot_id=values["slot"],
                service=service,
                office=office,
                channel=values["channel"],
                case_ref=values.get("case_ref") or "",
                idempotency_key=key,
            )
        except DomainError as exc:
            if exc.code in ("slot_taken", "slot_closed"):
                return slot_taken_response(exc, slot_id=values["slot"], service=service, request=request)
            raise
        # A new booking is serialised as it is (no ticket yet); a replay is read back in full.
        appointment = (
            result.appointment if result.created else _appointment_queryset().get(pk=result.appointment.pk)
        )
        headers = {"Location": f"/api/v1/appointments/{appointment.pk}/"}
        if not result.created:
            headers["Idempotent-Replayed"] = "true"
        body = AppointmentSerializer(appointment, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class AppointmentDetailView(APIView):
    @extend_schema(responses={200: AppointmentSerializer, 404: SchedulingErrorSerializer})
    def get(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        return Response(AppointmentSerializer(appointment, context={"request": request}).data)


class AppointmentCancelView(APIView):
    @extend_schema(
        request=AppointmentCancelSerializer,
        responses={
            200: AppointmentSerializer,
            404: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        data = AppointmentCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.appointment_cancel(
            appointment=appointment, actor=request.user, reason=data.validated_data["reason"]
        )
        fresh = _appointment_queryset().get(pk=appointment.pk)
        return Response(AppointmentSerializer(fresh, context={"request": request}).data)


class AppointmentRescheduleView(APIView):
    @extend_schema(
        request=AppointmentRescheduleSerializer,
        responses={201: AppointmentSerializer, 404: SchedulingErrorSerializer, 409: SlotTakenErrorSerializer},
    )
    def post(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        data = AppointmentRescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            new = services.appointment_reschedule(
                appointment=appointment, actor=request.user, slot_id=data.validated_data["slot"]
            )
        except DomainError as exc:
            if exc.code in ("slot_taken", "slot_closed"):
                return slot_taken_response(
                    exc, slot_id=data.validated_data["slot"], service=appointment.service, request=request
                )
            raise
        fresh = _appointment_queryset().get(pk=new.pk)
        return Response(
            AppointmentSerializer(fresh, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class AppointmentCheckInView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: QueueTicketSerializer,
            400: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        ticket = services.appointment_check_in(appointment=appointment, actor=request.user)
        return Response(QueueTicketSerializer(ticket).data)


class AppointmentCalendarView(APIView):
    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR, 404: SchedulingErrorSerializer})
    def get(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        response = HttpResponse(ics.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ics.ics_filename(appointment)}"'
        return response


# --- suggestions and availability ------------------------------------------------------


class SuggestionChannelOfferSerializer(serializers.Serializer):
    channel = serializers.CharField()
    price = serializers.IntegerField(allow_null=True)
    saving = serializers.IntegerField(allow_null=True)
    visits = serializers.IntegerField()
    message = serializers.CharField()


class SuggestionOptionSerializer(serializers.Serializer):
    office = AppointmentOfficeSerializer()
    slot = serializers.IntegerField(source="slot_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    start_jalali = serializers.SerializerMethodField()
    distance_km = serializers.FloatField()
    travel_minutes = serializers.FloatField()
    days_until = serializers.FloatField()
    queue_wait_minutes = serializers.FloatField()
    tier_bonus = serializers.FloatField()
    cost = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())

    def get_start_jalali(self, option) -> str:
        return format_jalali(option.start, with_time=True, persian_digits=False)


class SuggestionsSerializer(serializers.Serializer):
    service = AppointmentServiceSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    in_person_price = serializers.IntegerField(allow_null=True)
    bookable = serializers.BooleanField()
    offers = SuggestionChannelOfferSerializer(many=True)
    options = SuggestionOptionSerializer(many=True)


def _day_param(params, name: str):
    try:
        return parse_day(params.get(name))
    except DjangoValidationError as exc:
        raise DomainError(fields={name: exc.messages}) from None


def _float_param(params, name: str) -> float | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise DomainError(fields={name: [_("Enter a number.")]}) from None


class SuggestionsView(APIView):
    """Fewer visits first: remote and semi-in-person offers, then the best (office, time) pairs."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("service", str, required=True),
            OpenApiParameter("lat", float, required=False),
            OpenApiParameter("lon", float, required=False),
            OpenApiParameter("city", str, required=False, description=_("City code, instead of coordinates")),
            OpenApiParameter("date_from", str, required=False, description=_("Jalali or ISO date")),
            OpenApiParameter("date_to", str, required=False, description=_("Jalali or ISO date")),
            OpenApiParameter("limit", int, required=False),
        ],
        responses={200: SuggestionsSerializer, 400: SchedulingErrorSerializer},
    )
    def get(self, request):
        params = request.query_params
        if not params.get("service"):
            raise DomainError(fields={"service": [_("This field is required.")]})
        service = _service(params["service"])
        lat, lon = _float_param(params, "lat"), _float_param(params, "lon")
        latitude, longitude = suggestions.resolve_location(
            latitude=lat, longitude=lon, city=params.get("city")
        )
        try:
            limit = int(params.get("limit") or 5)
        except ValueError:
            raise DomainError(fields={"limit": [_("Enter a whole number.")]}) from None
        result = suggestions.suggest(
            service=service,
            latitude=latitude,
            longitude=longitude,
            date_from=_day_param(params, "date_from"),
            date_to=_day_param(params, "date_to"),
            limit=limit,
        )
        return Response(SuggestionsSerializer(result).data)


class AvailabilityDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    day_jalali = serializers.SerializerMethodField()
    slots = FreeSlotSerializer(many=True)

    def get_day_jalali(self, day) -> str:
        return format_jalali(day.day, persian_digits=False)


class AvailabilityView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("office", str, required=True),
            OpenApiParameter("service", str, required=True),
            OpenApiParameter("date_from", str, required=False),
            OpenApiParameter("date_to", str, required=False),
        ],
        responses={
            200: AvailabilityDaySerializer(many=True),
            400: SchedulingErrorSerializer,
            404: SchedulingErrorSerializer,
        },
    )
    def get(self, request):
        params = request.query_params
        missing = {
            name: [_("This field is required.")] for name in ("office", "service") if not params.get(name)
        }
        if missing:
            raise DomainError(fields=missing)
        office = selectors.office_get(code=params["office"])
        service = _service(params["service"])
        today = timezone.localdate()
        day_from = _day_param(params, "date_from") or today
        day_to = _day_param(params, "date_to") or day_from + timedelta(days=6)
        if day_to < day_from:
            raise DomainError(fields={"date_to": [_("The last date must not be before the first.")]})
        days = selectors.slot_availability(office=office, service=service, day_from=day_from, day_to=day_to)
        return Response(AvailabilityDaySerializer(days, many=True).data)


class ChannelChoiceSerializer(serializers.Serializer):
    service = serializers.SlugField(max_length=40)
    channel = serializers.ChoiceField(choices=[("remote", "remote"), ("semi_in_person", "semi_in_person")])
    office = serializers.CharField(max_length=12, required=False, help_text=_("The top suggested office"))


class ChannelChoiceView(APIView):
    """Record that the citizen took the remote or semi-in-person offer (visits avoided)."""

    @extend_schema(
        request=ChannelChoiceSerializer,
        responses={
            201: inline_serializer("VisitAvoidedResult", {"visits_saved": serializers.IntegerField()})
        },
    )
    def post(self, request):
        data = ChannelChoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        office = selectors.office_get(code=values["office"]) if values.get("office") else None
        row = services.visit_avoided_record(
            citizen=request.user,
            service=_service(values["service"]),
            channel=values["channel"],
            office=office,
        )
        return Response({"visits_saved": row.visits_saved}, status=status.HTTP_201_CREATED)


# --- flexible requests -------------------------------------------------------------------


class FlexibleRequestSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", queryset=Service.objects.filter(active=True))
    earliest = serializers.CharField()
    latest = serializers.CharField()

    class Meta:
        model = FlexibleRequest
        fields = [
            "id",
            "service",
            "latitude",
            "longitude",
            "earliest",
            "latest",
            "status",
            "appointment",
            "created_at",
        ]
        read_only_fields = ["id", "status", "appointment", "created_at"]

    def validate_earliest(self, value):
        return parse_day(value)

    def validate_latest(self, value):
        return parse_day(value)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["earliest"], data["latest"] = instance.earliest.isoformat(), instance.latest.isoformat()
        return data


class FlexibleRequestListCreateView(APIView):
    @extend_schema(responses={200: FlexibleRequestSerializer(many=True)})
    def get(self, request):
        rows = (
            FlexibleRequest.objects.filter(citizen=request.user)
            .select_related("service")
            .order_by("-created_at")
        )
        return Response(FlexibleRequestSerializer(rows[:100], many=True).data)

    @extend_schema(
        request=FlexibleRequestSerializer,
        responses={201: FlexibleRequestSerializer, 409: SchedulingErrorSerializer},
    )
    def post(self, request):
        data = FlexibleRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.flexible_request_create(citizen=request.user, **data.validated_data)
        return Response(FlexibleRequestSerializer(row).data, status=status.HTTP_201_CREATED)


class FlexibleRequestWithdrawView(APIView):
    @extend_schema(request=None, responses={200: FlexibleRequestSerializer, 404: SchedulingErrorSerializer})
    def post(self, request, pk: int):
        row = FlexibleRequest.objects.filter(pk=pk, citizen=request.user).select_related("service").first()
        if row is None:
            raise NotFoundError(code="request_not_found")
        row = services.flexible_request_withdraw(request=row, actor=request.user)
        return Response(FlexibleRequestSerializer(row).data)


# --- the office queue ------------------------------------------------------------------


class QueueStaffTicketSerializer(QueueTicketSerializer):
    citizen_name = serializers.CharField(source="citizen.display_name", allow_null=True, default=None)
    service = serializers.CharField(source="service.code", allow_null=True, default=None)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    sort_at = serializers.DateTimeField()


class QueueWaitingEntrySerializer(serializers.Serializer):
    ticket = QueueStaffTicketSerializer()
    ahead = serializers.IntegerField()
    minutes = serializers.FloatField()


class QueueStateSerializer(serializers.Serializer):
    office = serializers.CharField()
    counters = serializers.IntegerField()
    busy = serializers.IntegerField()
    waiting = serializers.IntegerField()
    service_minutes = serializers.FloatField()
    expected_wait_minutes = serializers.FloatField(allow_null=True)
    called = QueueStaffTicketSerializer(many=True)
    line = QueueWaitingEntrySerializer(many=True)


def _queue_state(office) -> dict:
    now = timezone.now()
    figures = selectors.queue_figures(office=office, now=now)
    called = (
        QueueTicket.objects.filter(office=office, day=timezone.localdate(), status="called")
        .select_related("counter", "citizen", "service")
        .order_by("counter__number")
    )
    line = selectors.queue_waiting_with_estimates(office=office, now=now, figures=figures)
    return {
        "office": office.code,
        "counters": figures.counters,
        "busy": figures.busy,
        "waiting": figures.waiting,
        "service_minutes": round(figures.service_minutes, 1),
        "expected_wait_minutes": round(figures.expected_wait, 1)
        if figures.expected_wait is not None
        else None,
        "called": called,
        "line": line,
    }


class QueueStateView(APIView):
    @extend_schema(
        responses={200: QueueStateSerializer, 403: SchedulingErrorSerializer, 404: SchedulingErrorSerializer}
    )
    def get(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        return Response(QueueStateSerializer(_queue_state(office)).data)


class QueueWalkInSerializer(serializers.Serializer):
    service = serializers.SlugField(max_length=40, required=False)
    citizen_national_code = serializers.CharField(max_length=20, required=False)


class WalkInView(APIView):
    @extend_schema(
        request=QueueWalkInSerializer,
        responses={201: QueueStaffTicketSerializer, 403: SchedulingErrorSerializer},
    )
    def post(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        data = QueueWalkInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = services.ticket_issue_walk_in(
            office=office,
            actor=request.user,
            service=_service(values["service"]) if values.get("service") else None,
            citizen=_citizen_by_code(values["citizen_national_code"])
            if values.get("citizen_national_code")
            else None,
        )
        return Response(QueueStaffTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class QueueCallNextSerializer(serializers.Serializer):
    counter = serializers.IntegerField(min_value=1, help_text=_("Counter number at this office"))


class CallNextView(APIView):
    @extend_schema(
        request=QueueCallNextSerializer,
        responses={
            200: QueueStaffTicketSerializer,
            204: None,
            403: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        data = QueueCallNextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counter = Counter.objects.filter(office=office, number=data.validated_data["counter"]).first()
        if counter is None:
            raise DomainError(fields={"counter": [_("Unknown counter.")]}, code="unknown_counter")
        ticket = services.ticket_call_next(office=office, counter=counter, actor=request.user)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(QueueStaffTicketSerializer(ticket).data)


TICKET_ACTIONS = {
    "serve": services.ticket_serve,
    "no-show": services.ticket_no_show,
    "recall": services.ticket_recall,
    "requeue": services.ticket_requeue,
    "leave": services.ticket_leave,
}


class TicketActionView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: QueueStaffTicketSerializer,
            404: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int, action: str):
        if action not in TICKET_ACTIONS:
            raise NotFoundError()
        if action == "leave":
            ticket = QueueTicket.objects.select_related("office").filter(pk=pk).first()
            if ticket is None:
                raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
        else:
            ticket = selectors.ticket_get_for_staff(actor=request.user, pk=pk)
        ticket = TICKET_ACTIONS[action](ticket=ticket, actor=request.user)
        return Response(QueueStaffTicketSerializer(ticket).data)


class QueueDisplayRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    counter = serializers.IntegerField(source="counter__number", allow_null=True)
    status = serializers.CharField()
    announced_at = serializers.DateTimeField(allow_null=True)


class QueueDisplaySerializer(serializers.Serializer):
    now_serving = QueueDisplayRowSerializer(many=True)
    recent = QueueDisplayRowSerializer(many=True)
    waiting = serializers.IntegerField()
    expected_wait = serializers.FloatField(allow_null=True)
    counters = serializers.IntegerField()
    updated = serializers.DateTimeField()


class DisplayView(APIView):
    """The waiting-room screen's data: ticket numbers and counters, never names. Public."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: QueueDisplaySerializer, 404: SchedulingErrorSerializer})
    def get(self, request, code: str):
        office = selectors.office_get(code=code)
        return Response(QueueDisplaySerializer(selectors.display_board(office=office)).data)


class SchedulingPolicySerializer(serializers.Serializer):
    appointment_share_pct = serializers.IntegerField(min_value=1, max_value=100, required=False)
    overbooking_enabled = serializers.BooleanField(required=False)
    overbooking_risk_pct = serializers.IntegerField(min_value=1, max_value=50, required=False)
    show_rate_pct = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)


class PolicyView(APIView):
    @extend_schema(
        request=SchedulingPolicySerializer,
        responses={200: SchedulingPolicySerializer, 403: SchedulingErrorSerializer},
    )
    def patch(self, request, code: str):
        office = selectors.office_get(code=code)
        data = SchedulingPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        clear = "show_rate_pct" in values and values["show_rate_pct"] is None
        if clear:
            values.pop("show_rate_pct")
        policy = services.scheduling_policy_set(
            actor=request.user, office=office, clear_show_rate=clear, **values
        )
        return Response(SchedulingPolicySerializer(policy).data)


# --- metrics -------------------------------------------------------------------------------


class SchedulingFiguresSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    appointments = serializers.IntegerField()
    attended = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    walk_ins = serializers.IntegerField()
    served = serializers.IntegerField()
    visits_avoided = serializers.IntegerField()
    remote_uptake = serializers.FloatField(allow_null=True)
    mean_wait_minutes = serializers.FloatField(allow_null=True)
    p90_wait_minutes = serializers.FloatField(allow_null=True)
    no_show_rate = serializers.FloatField(allow_null=True)
    slot_utilisation = serializers.FloatField(allow_null=True)
    counter_utilisation = serializers.FloatField(allow_null=True)


class SchedulingMetricsSerializer(serializers.Serializer):
    level = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    day_from = serializers.DateField()
    day_to = serializers.DateField()
    total = serializers.DictField()
    rows = serializers.ListField(child=serializers.DictField())


class MetricsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("level", str, required=True, enum=["office", "province", "nation"]),
            OpenApiParameter("code", str, required=False, description=_("Office or province code")),
            OpenApiParameter("from", str, required=False),
            OpenApiParameter("to", str, required=False),
        ],
        responses={
            200: SchedulingMetricsSerializer,
            400: SchedulingErrorSerializer,
            403: SchedulingErrorSerializer,
        },
    )
    def get(self, request):
        params = request.query_params
        today = timezone.localdate()
        day_from = _day_param(params, "from") or today - timedelta(days=29)
        day_to = _day_param(params, "to") or today
        report = metrics.metrics_report(
            actor=request.user,
            level=params.get("level") or "",
            code=params.get("code"),
            day_from=day_from,
            day_to=day_to,
        )
        return Response(
            {
                "level": report.level,
                "key": report.key,
                "label": report.label,
                "day_from": report.day_from,
                "day_to": report.day_to,
                "total": report.total.as_dict(),
                "rows": [row.as_dict() for row in report.rows],
            }
        )
