"""Ranking over the API: runs, results and explanations (scoped like the pages), policy versions,
and the public ranking of approved runs (no login)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.offices.models import Province
from tanzim.ranking import selectors, services
from tanzim.ranking.choices import IndicatorKey, Normalisation, OutlierTreatment, PeriodKind, RunStatus

# --- serializers ----------------------------------------------------------------------------------


class RankingWeightSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=IndicatorKey.choices)
    policy_weight_pct = serializers.FloatField(source="policy_pct")
    effective_weight_pct = serializers.FloatField(
        source="effective_pct",
        help_text=_("The weight the run used, after leaving out indicators with no data."),
    )
    variance_share_pct = serializers.FloatField(source="share_pct", allow_null=True)
    variance_share_monte_carlo_pct = serializers.FloatField(source="share_mc_pct", allow_null=True)
    no_data_in_network = serializers.BooleanField(source="dropped")
    flags = serializers.ListField(child=serializers.CharField())


class RankingWeightWarningSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["weight_drift", "variance_share", "variance_share_mc"],
        help_text=_("weight_drift: the weight used differs from the policy's; variance_share(_mc): the "
                    "indicator's share of the variance differs from its policy weight."),
    )  # fmt: skip
    indicator = serializers.ChoiceField(choices=IndicatorKey.choices, source="key")
    policy_weight = serializers.FloatField()
    value = serializers.FloatField()
    difference = serializers.FloatField()
    limit = serializers.FloatField()


class RankingRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    period = serializers.SerializerMethodField()
    period_label = serializers.SerializerMethodField()
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    policy_version = serializers.IntegerField(source="policy.version")
    seed = serializers.IntegerField()
    reason = serializers.CharField()
    error = serializers.CharField()
    office_count = serializers.IntegerField()
    ranked_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    tiers_from = serializers.SerializerMethodField()
    inputs_digest = serializers.CharField()
    outputs_digest = serializers.CharField()
    variance_share = serializers.SerializerMethodField()
    variance_share_monte_carlo = serializers.SerializerMethodField()
    weights = serializers.SerializerMethodField()
    weight_warnings = serializers.SerializerMethodField()
    warnings_acknowledged = serializers.BooleanField()

    def get_period(self, run) -> str:
        return selectors.period_of(run).code

    def get_period_label(self, run) -> str:
        return selectors.period_of(run).label

    def get_tiers_from(self, run) -> str | None:
        return f"{run.effective_year:04d}-{run.effective_month:02d}" if run.effective_month else None

    def get_variance_share(self, run) -> dict[str, float]:
        return (run.parameters or {}).get("variance_share", {})

    def get_variance_share_monte_carlo(self, run) -> dict[str, float]:
        return (run.parameters or {}).get("variance_share_mc", {})

    @extend_schema_field(RankingWeightSerializer(many=True))
    def get_weights(self, run) -> list[dict]:
        return list(RankingWeightSerializer(selectors.weight_report(run=run).rows, many=True).data)

    @extend_schema_field(RankingWeightWarningSerializer(many=True))
    def get_weight_warnings(self, run) -> list[dict]:
        return list(RankingWeightWarningSerializer(selectors.run_checks(run), many=True).data)


class RankingRunRequestSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=16, help_text=_("1405-03 (a month) or 1405-Q1 (a quarter)"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RankingApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    acknowledge_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Needed (with a note) to approve a run that has weight warnings."),
    )


class RankingResultSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    province = serializers.CharField(source="province.code")
    ranked = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    province_rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    median_rank = serializers.FloatField(allow_null=True)
    rank_p05 = serializers.FloatField(allow_null=True)
    rank_p95 = serializers.FloatField(allow_null=True)
    tier = serializers.CharField()
    satisfaction = serializers.FloatField(allow_null=True)
    satisfaction_responses = serializers.IntegerField()
    satisfaction_insufficient_data = serializers.BooleanField(source="satisfaction_insufficient")
    settlement_rate = serializers.FloatField(allow_null=True)
    previous_score = serializers.FloatField(allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)


class RankingIndicatorSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=IndicatorKey.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    raw = serializers.FloatField(source="value.raw", allow_null=True)
    sample = serializers.FloatField(source="value.sample")
    minimum_sample = serializers.FloatField(source="value.needed")
    insufficient_data = serializers.BooleanField(source="value.insufficient")
    shrunk = serializers.FloatField(source="value.shrunk", allow_null=True)
    normalised = serializers.FloatField(source="value.normalised")
    weight = serializers.FloatField(source="value.weight")
    points = serializers.FloatField(source="value.points")
    gain_to_top_quarter = serializers.FloatField(source="value.gain")
    top_quarter = serializers.FloatField(allow_null=True)
    network_mean = serializers.FloatField(source="prior", allow_null=True)


class RankingExplanationSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run.pk")
    period = serializers.CharField(source="period.code")
    result = RankingResultSerializer()
    score_change = serializers.FloatField(allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True)
    best_move = serializers.CharField(source="best_move.key", allow_null=True, default=None)
    indicators = RankingIndicatorSerializer(many=True, source="rows")


class RankingIndicatorSpecSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=IndicatorKey.choices)
    weight_bp = serializers.IntegerField(min_value=0, max_value=10_000)
    polarity = serializers.ChoiceField(choices=[1, -1], default=1)
    lower = serializers.FloatField()
    upper = serializers.FloatField()
    prior_weight = serializers.FloatField(min_value=0, default=0)
    min_sample = serializers.IntegerField(min_value=0, default=1)
    finite_population = serializers.BooleanField(default=False)
    half_life_days = serializers.FloatField(allow_null=True, required=False, default=None)


class RankingBandSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=["A", "B", "C", "D"])
    low = serializers.FloatField()
    high = serializers.FloatField()


class RankingPolicySerializer(serializers.Serializer):
    version = serializers.IntegerField(read_only=True)
    indicators = RankingIndicatorSpecSerializer(many=True)
    tier_bands = RankingBandSerializer(many=True)
    share_adjustments_bp = serializers.DictField(child=serializers.IntegerField())
    normalisation = serializers.ChoiceField(choices=Normalisation.choices, default=Normalisation.GOALPOSTS)
    outliers = serializers.ChoiceField(choices=OutlierTreatment.choices, default=OutlierTreatment.WINSORISE)
    winsor_pct = serializers.FloatField(default=2.5)
    mc_draws = serializers.IntegerField(default=1000)
    mc_weight_spread_pct = serializers.IntegerField(default=25)
    mc_normalisations = serializers.ListField(
        child=serializers.ChoiceField(choices=Normalisation.choices), required=False
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)


def _paged(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """The LimitOffsetPagination envelope around a list, for the schema."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


RankingRunPage = _paged("RankingRunPage", RankingRunSerializer)
RankingResultPage = _paged("RankingResultPage", RankingResultSerializer)
RankingPolicyPage = _paged("RankingPolicyPage", RankingPolicySerializer)

# --- views ----------------------------------------------------------------------------------------


def _page(request, view, queryset, serializer):
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


PROVINCE = OpenApiParameter("province", str, description=_("Province code"), required=False)


class RankingRunListView(APIView):
    """Runs this person may see; the Kanoon starts a run for an ended month or quarter."""

    @extend_schema(responses={200: RankingRunPage}, operation_id="ranking_runs_list")
    def get(self, request):
        return _page(request, self, selectors.run_list_for(user=request.user), RankingRunSerializer)

    @extend_schema(request=RankingRunRequestSerializer, responses={202: RankingRunSerializer})
    def post(self, request):
        data = RankingRunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.run_request(actor=request.user, **data.validated_data)
        services.run_enqueue(run)
        return Response(RankingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RankingRunDetailView(APIView):
    @extend_schema(responses={200: RankingRunSerializer})
    def get(self, request, pk: int):
        return Response(RankingRunSerializer(selectors.run_get_for(user=request.user, pk=pk)).data)


class RankingRunApproveView(APIView):
    @extend_schema(request=RankingApproveSerializer, responses={200: RankingRunSerializer})
    def post(self, request, pk: int):
        run = selectors.run_get_for(user=request.user, pk=pk)
        data = RankingApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.run_approve(
            run=run,
            actor=request.user,
            note=data.validated_data["note"],
            acknowledge_warnings=data.validated_data["acknowledge_warnings"],
        )
        return Response(RankingRunSerializer(run).data)


def _province(request) -> Province | None:
    code = str(request.query_params.get("province", ""))[:3]
    return Province.objects.filter(code=code).first() if code else None


class RankingResultListView(APIView):
    @extend_schema(
        parameters=[PROVINCE], responses={200: RankingResultPage}, operation_id="ranking_runs_results_list"
    )
    def get(self, request, pk: int):
        run = selectors.run_get_for(user=request.user, pk=pk)
        results = selectors.results_for(user=request.user, run=run, province=_province(request))
        return _page(request, self, results, RankingResultSerializer)


class RankingExplanationView(APIView):
    @extend_schema(responses={200: RankingExplanationSerializer})
    def get(self, request, pk: int, code: str):
        run = selectors.run_get_for(user=request.user, pk=pk)
        result = selectors.result_get_for(user=request.user, run=run, code=code)
        return Response(RankingExplanationSerializer(selectors.explanation_for(result=result)).data)


class RankingPolicyListView(APIView):
    """Policy versions, newest first (the Kanoon's side); the Kanoon saves a new version."""

    @extend_schema(responses={200: RankingPolicyPage})
    def get(self, request):
        if not selectors.is_oversight(request.user):
            raise PermissionDeniedError()
        services.policy_current()
        return _page(request, self, selectors.policy_list(), RankingPolicySerializer)

    @extend_schema(request=RankingPolicySerializer, responses={201: RankingPolicySerializer})
    def post(self, request):
        data = RankingPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        policy = services.policy_create(actor=request.user, **values)
        return Response(RankingPolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class RankingPublicRunListView(APIView):
    """Approved rankings, newest first: open to everyone."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: RankingRunPage}, auth=[])
    def get(self, request):
        return _page(request, self, selectors.public_runs().select_related("policy"), RankingRunSerializer)


class RankingPublicResultListView(APIView):
    """The public table of one approved ranking: offices, tiers, scores, satisfaction, settlement rate."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[PROVINCE], responses={200: RankingResultPage}, auth=[])
    def get(self, request, pk: int):
        run = selectors.public_run_get(pk=pk)
        if run is None:
            raise NotFoundError(_("No approved ranking with this number."), code="run_not_found")
        return _page(
            request,
            self,
            selectors.public_results(run=run, province=_province(request)),
            RankingResultSerializer,
        )
