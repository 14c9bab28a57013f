"""Suggestions (fewer visits first), availability at one office, and the citizen's channel choice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.calendar import CONFIRMED, ESTIMATED, MISSING
from tanzim.common.errors import DomainError
from tanzim.common.jalali import format_jalali
from tanzim.scheduling import selectors, services, suggestions
from tanzim.scheduling.api.common import (
    AppointmentOfficeSerializer,
    AppointmentServiceSerializer,
    FreeSlotSerializer,
    SchedulingErrorSerializer,
    day_param,
    float_param,
    service_by_code,
)


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
    tier = serializers.CharField()
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
        service = service_by_code(params["service"])
        lat, lon = float_param(params, "lat"), float_param(params, "lon")
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
            date_from=day_param(params, "date_from"),
            date_to=day_param(params, "date_to"),
            limit=limit,
        )
        return Response(SuggestionsSerializer(result).data)


class AvailabilityDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    day_jalali = serializers.SerializerMethodField()
    slots = FreeSlotSerializer(many=True)
    holiday_table = serializers.ChoiceField(
        choices=[CONFIRMED, ESTIMATED, MISSING],
        help_text=_(
            "Whether the official holidays of the day's Jalali year are confirmed; on a day of an "
            "estimated or missing year the office may yet close."
        ),
    )

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
        service = service_by_code(params["service"])
        today = timezone.localdate()
        day_from = day_param(params, "date_from") or today
        day_to = day_param(params, "date_to") or day_from + timedelta(days=6)
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
            service=service_by_code(values["service"]),
            channel=values["channel"],
            office=office,
        )
        return Response({"visits_saved": row.visits_saved}, status=status.HTTP_201_CREATED)
