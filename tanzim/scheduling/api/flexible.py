"""Flexible requests: "any office near me, any day in these dates"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.scheduling import services
from tanzim.scheduling.api.common import SchedulingErrorSerializer
from tanzim.scheduling.choices import FlexibleRequestStatus
from tanzim.scheduling.formatting import parse_day
from tanzim.scheduling.models import FlexibleRequest


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


class FlexibleRequestWithdrawSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(choices=FlexibleRequestStatus.choices, required=False)


class FlexibleRequestWithdrawView(APIView):
    @extend_schema(
        request=FlexibleRequestWithdrawSerializer,
        responses={
            200: FlexibleRequestSerializer,
            404: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        row = FlexibleRequest.objects.filter(pk=pk, citizen=request.user).select_related("service").first()
        if row is None:
            raise NotFoundError(code="request_not_found")
        data = FlexibleRequestWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.flexible_request_withdraw(
            request=row, actor=request.user, expected_status=data.validated_data.get("expected_status")
        )
        return Response(FlexibleRequestSerializer(row).data)
