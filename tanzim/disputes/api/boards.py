"""The office board, the docket of mediators and arbitrators, the figures (scoped and public)
and the Kanoon's triage rules.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.jalali import jalali_year_month
from tanzim.disputes import metrics, selectors
from tanzim.disputes.api._common import STATUS_PARAM, _errors, _valid
from tanzim.disputes.api.serializers import DisputeSerializer
from tanzim.disputes.models import TriageRule


class DisputeTriageRuleSerializer(serializers.ModelSerializer):
    ceiling = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TriageRule
        fields = [
            "category",
            "eligible",
            "path",
            "ceiling",
            "over_ceiling_path",
            "requires_amount",
            "halves_court_fee",
            "referral_target",
            "over_ceiling_referral_target",
            "note_fa",
            "note_en",
        ]


class DisputeColumnSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class
    count = serializers.IntegerField()
    overdue = serializers.IntegerField()


class DisputeBoardSerializer(serializers.Serializer):
    columns = DisputeColumnSerializer(many=True)
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rows = DisputeSerializer(many=True)


class DisputeFiguresSerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    concluded = serializers.IntegerField()
    settled = serializers.IntegerField()
    awarded = serializers.IntegerField()
    referred = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    closed = serializers.IntegerField()
    out_of_scope = serializers.IntegerField()
    resolved = serializers.IntegerField()
    services = serializers.IntegerField()
    settlement_rate = serializers.FloatField(allow_null=True)
    kept_out_per_1000_services = serializers.FloatField(allow_null=True)
    mean_days_to_resolution = serializers.FloatField(allow_null=True)
    median_days_to_resolution = serializers.FloatField(allow_null=True)
    respondents_engaged = serializers.IntegerField()
    respondents_not_contactable = serializers.IntegerField()
    engagement_rate = serializers.FloatField(allow_null=True)
    timeliness = serializers.FloatField(allow_null=True)
    failure_reasons = serializers.DictField(child=serializers.IntegerField())


class DisputeAreaFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    figures = DisputeFiguresSerializer()


class DisputeReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    nation = DisputeFiguresSerializer()
    provinces = DisputeAreaFiguresSerializer(many=True)
    offices = DisputeAreaFiguresSerializer(many=True)


def _report_data(report: metrics.Report) -> dict:
    return {
        "start": report.start,
        "end": report.end,
        "nation": report.nation.as_dict(),
        "provinces": [{"code": p.code, "name": p.name, "figures": f.as_dict()} for p, f in report.provinces],
        "offices": [{"code": o.code, "name": o.name, "figures": f.as_dict()} for o, f in report.offices],
    }


class DisputePeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1390, max_value=1500)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    office = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    province = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class DisputeBoardQuerySerializer(serializers.Serializer):
    office = serializers.RegexField(r"^[-A-Za-z0-9_]{1,12}$", required=False, max_length=12)


class BoardView(APIView):
    @extend_schema(
        parameters=[
            STATUS_PARAM,
            OpenApiParameter(
                "office",
                str,
                required=False,
                description=_(
                    "An office's code (e.g. A0001): only that office's disputes. The office must be one "
                    "whose disputes you see; another or an unknown code is a 404, a malformed one a 400."
                ),
            ),
            OpenApiParameter("overdue", bool, required=False),
        ],
        responses={200: DisputeBoardSerializer, **_errors(400, 404)},
    )
    def get(self, request):
        code = _valid(DisputeBoardQuerySerializer, request.query_params).get("office")
        board = selectors.board_for(
            user=request.user,
            office_id=selectors.board_office_for(user=request.user, code=code) if code else None,
            status=request.query_params.get("status"),
            overdue_only=request.query_params.get("overdue") in ("1", "true"),
        )
        return Response(
            {
                "columns": [c.__dict__ for c in board.columns],
                "total": board.total,
                "overdue": board.overdue,
                "rows": DisputeSerializer(board.rows[:200], many=True, context={"user": request.user}).data,
            }
        )


class DocketView(APIView):
    @extend_schema(responses={200: DisputeSerializer(many=True)})
    def get(self, request):
        disputes = selectors.docket_for(user=request.user)[:200]
        return Response(DisputeSerializer(disputes, many=True, context={"user": request.user}).data)


def _period(request) -> tuple[int, int | None, dict]:
    data = _valid(DisputePeriodSerializer, request.query_params)
    year = data.get("year") or jalali_year_month(timezone.now())[0]
    return year, data.get("month"), data


PERIOD_PARAMS = [
    OpenApiParameter("year", int, required=False, description=_("Jalali year (default: this year)")),
    OpenApiParameter("month", int, required=False, description=_("Jalali month; empty for the whole year")),
]


class MetricsView(APIView):
    @extend_schema(
        parameters=[
            *PERIOD_PARAMS,
            OpenApiParameter("office", int, required=False),
            OpenApiParameter("province", int, required=False),
        ],
        responses={200: DisputeReportSerializer, **_errors(400, 403, 404)},
    )
    def get(self, request):
        year, month, data = _period(request)
        start, end = metrics.period_bounds(year=year, month=month)
        report = metrics.dispute_metrics(
            user=request.user,
            start=start,
            end=end,
            office_id=data.get("office"),
            province_id=data.get("province"),
        )
        return Response(_report_data(report))


class FiguresView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: DisputeReportSerializer, **_errors(400)})
    def get(self, request):
        year, month, _data = _period(request)
        return Response(_report_data(metrics.public_figures(year=year, month=month)))


class TriageRuleListView(APIView):
    @extend_schema(responses={200: DisputeTriageRuleSerializer(many=True)})
    def get(self, request):
        return Response(DisputeTriageRuleSerializer(TriageRule.objects.order_by("category"), many=True).data)
