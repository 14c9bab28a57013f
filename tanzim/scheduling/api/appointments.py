"""Appointments over the API: list, book (with an Idempotency-Key), read, cancel, move, check in, calendar."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import DomainError
from tanzim.common.idempotency import key_from_request
from tanzim.common.jalali import format_jalali
from tanzim.scheduling import ics, selectors, services
from tanzim.scheduling.api.common import (
    AppointmentOfficeSerializer,
    AppointmentServiceSerializer,
    SchedulingErrorSerializer,
    SlotTakenErrorSerializer,
    citizen_by_code,
    service_by_code,
    slot_taken_response,
)
from tanzim.scheduling.choices import CHANGEABLE, SLOT_CHANNELS, AppointmentStatus, BookingChannel
from tanzim.scheduling.formatting import parse_day
from tanzim.scheduling.models import Appointment


class QueueTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
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
        path = reverse("api:appointment-ics", args=[appt.pk])
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
    channel = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in BookingChannel if c in SLOT_CHANNELS],
        default=BookingChannel.IN_PERSON,
    )
    case_ref = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class AppointmentMoveSerializer(serializers.Serializer):
    """A move of the appointment's status; ``expected_status`` makes a stale move a 409."""

    expected_status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)


class AppointmentCancelSerializer(AppointmentMoveSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AppointmentRescheduleSerializer(AppointmentMoveSerializer):
    slot = serializers.IntegerField(min_value=1)


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
        service = service_by_code(values["service"])
        office = selectors.office_get(code=values["office"]) if values.get("office") else None
        citizen = (
            citizen_by_code(values["citizen_national_code"]) if values.get("citizen_national_code") else None
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
        headers = {"Location": reverse("api:appointment-detail", args=[appointment.pk])}
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
            appointment=appointment,
            actor=request.user,
            reason=data.validated_data["reason"],
            expected_status=data.validated_data.get("expected_status"),
        )
        fresh = _appointment_queryset().get(pk=appointment.pk)
        return Response(AppointmentSerializer(fresh, context={"request": request}).data)


class AppointmentRescheduleView(APIView):
    @extend_schema(
        request=AppointmentRescheduleSerializer,
        responses={
            201: AppointmentSerializer,
            400: SchedulingErrorSerializer,
            404: SchedulingErrorSerializer,
            409: OpenApiResponse(
                SlotTakenErrorSerializer,
                description=_("Taken slot, with the next free times; or the appointment changed meanwhile"),
            ),
        },
    )
    def post(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        data = AppointmentRescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            new = services.appointment_reschedule(
                appointment=appointment,
                actor=request.user,
                slot_id=data.validated_data["slot"],
                expected_status=data.validated_data.get("expected_status"),
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
        request=AppointmentMoveSerializer,
        responses={
            200: QueueTicketSerializer,
            400: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        data = AppointmentMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.appointment_check_in(
            appointment=appointment,
            actor=request.user,
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(QueueTicketSerializer(ticket).data)


class AppointmentCalendarView(APIView):
    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR, 404: SchedulingErrorSerializer})
    def get(self, request, pk: int):
        appointment = selectors.appointment_get_for(actor=request.user, pk=pk)
        response = HttpResponse(ics.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ics.ics_filename(appointment)}"'
        return response
