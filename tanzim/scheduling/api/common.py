"""What the scheduling API's modules share: the error envelope, office and service shapes, input lookups."""

from __future__ import annotations

import re

from django.core.cache import caches
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.response import Response

from tanzim.accounts.models import User
from tanzim.catalog.models import Service
from tanzim.catalog.selectors import service_get
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.identifiers import clean_national_code
from tanzim.common.jalali import format_jalali
from tanzim.scheduling import selectors
from tanzim.scheduling.formatting import parse_day
from tanzim.scheduling.models import Slot


class SchedulingErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class


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


class SlotTakenErrorSerializer(SchedulingErrorSerializer):
    alternatives = FreeSlotSerializer(
        many=True,
        required=False,
        help_text=_(
            "When the slot was taken or closed (code slot_taken or slot_closed): the next free times "
            "for the same service at the same office, soonest first. Absent from other conflicts."
        ),
    )


SERVICE_CACHE_SECONDS = 60
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def service_by_code(code: str) -> Service:
    """The active service with this code; cached a minute in the process (the catalogue changes
    rarely; every booking reads it, and Redis's round trip and unpickling cost more than the rest
    of the lookup)."""
    unknown = DomainError(fields={"service": [_("Unknown service.")]}, code="unknown_service")
    if not SLUG.fullmatch(code or ""):
        raise unknown  # never a cache key made of arbitrary input
    key = f"scheduling:service:{code}"
    service = caches["local"].get(key)
    if service is None:
        try:
            service = service_get(code=code)
        except NotFoundError:
            raise unknown from None
        caches["local"].set(key, service, SERVICE_CACHE_SECONDS)
    return service


def citizen_by_code(code: str) -> User:
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
    slot = getattr(exc, "slot", None) or Slot.objects.select_related("office").filter(pk=slot_id).first()
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


def day_param(params, name: str):
    try:
        return parse_day(params.get(name))
    except DjangoValidationError as exc:
        raise DomainError(fields={name: exc.messages}) from None


def float_param(params, name: str) -> float | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise DomainError(fields={name: [_("Enter a number.")]}) from None
