"""Scheduling figures for an office, a province or the nation."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.scheduling import metrics
from tanzim.scheduling.api.common import SchedulingErrorSerializer, day_param


class SchedulingFiguresSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
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
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
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
        day_from = day_param(params, "from") or today - timedelta(days=29)
        day_to = day_param(params, "to") or today
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
