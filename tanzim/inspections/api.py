"""Checklists, inspection plans, performing an inspection, findings, corrective actions,
referrals and the latest scores over the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.models import User
from tanzim.accounts.permissions import is_kanoon
from tanzim.common.api import PAGE_PARAMETERS, paginated
from tanzim.common.errors import DomainError, NotFoundError, PermissionDeniedError
from tanzim.inspections import selectors, services
from tanzim.inspections.choices import (
    CORRECTIVE_ACTION_MOVES,
    INSPECTION_ACTIONS,
    ActionStatus,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    Severity,
)
from tanzim.inspections.models import Checklist, CorrectiveAction, Finding, Inspection
from tanzim.offices.models import Office

# --- serializers ----------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    guidance = serializers.CharField()
    weight = serializers.IntegerField()
    critical = serializers.BooleanField()
    evidence_required = serializers.BooleanField()


class ChecklistSerializer(serializers.ModelSerializer):
    title = serializers.CharField()
    items = ChecklistItemSerializer(many=True, source="items.all")

    class Meta:
        model = Checklist
        fields = ["id", "code", "version", "title", "status", "published_at", "items"]


class CorrectiveActionSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code")
    inspection = serializers.IntegerField(source="finding.inspection_id")
    overdue = serializers.SerializerMethodField()
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "office",
            "inspection",
            "finding",
            "description",
            "due_date",
            "status",
            "response_note",
            "review_note",
            "has_evidence",
            "overdue",
            "created_at",
            "status_changed_at",
        ]

    def get_overdue(self, action: CorrectiveAction) -> bool:
        from django.utils import timezone

        return action.status == ActionStatus.OPEN and action.due_date < timezone.localdate()

    def get_has_evidence(self, action: CorrectiveAction) -> bool:
        return bool(action.evidence)


class FindingSerializer(serializers.ModelSerializer):
    actions = CorrectiveActionSerializer(many=True, source="actions.all")

    class Meta:
        model = Finding
        fields = ["id", "item", "severity", "description", "created_at", "actions"]


class InspectionItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.id")
    position = serializers.IntegerField(source="item.position")
    text = serializers.CharField(source="item.text")
    weight = serializers.IntegerField(source="item.weight")
    critical = serializers.BooleanField(source="item.critical")
    evidence_required = serializers.BooleanField(source="item.evidence_required")
    result = serializers.CharField(source="answer.result", allow_null=True, default=None)
    note = serializers.CharField(source="answer.note", allow_null=True, default=None)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, row) -> list[dict]:
        return [{"id": e.pk, "name": e.name, "content_type": e.content_type} for e in row.evidence]


class InspectionOfficeSerializer(serializers.ModelSerializer):
    """The office's manager's view: the result of a completed inspection."""

    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    checklist = serializers.CharField(source="checklist.__str__")
    inspector = serializers.CharField(source="inspector.display_name", allow_null=True, default=None)
    findings = FindingSerializer(many=True, source="findings.all")
    items = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "office",
            "office_name",
            "checklist",
            "kind",
            "status",
            "inspector",
            "started_at",
            "completed_at",
            "score",
            "critical_failures",
            "summary",
            "items",
            "findings",
        ]

    def get_items(self, inspection: Inspection) -> list[dict]:
        return list(
            InspectionItemSerializer(selectors.inspection_items(inspection=inspection), many=True).data
        )


class InspectionSerializer(InspectionOfficeSerializer):
    """The Kanoon side's view, with why the inspection was planned."""

    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    referral = serializers.SerializerMethodField()

    class Meta(InspectionOfficeSerializer.Meta):
        fields = [
            *InspectionOfficeSerializer.Meta.fields,
            "plan",
            "priority",
            "reasons",
            "complaint_refs",
            "scheduled_for",
            "created_at",
            "referral",
        ]

    def get_referral(self, inspection: Inspection) -> dict | None:
        referral = getattr(inspection, "referral", None)
        if referral is None:
            return None
        return {
            "status": referral.status,
            "summary": referral.summary,
            "findings": sorted(referral.findings.values_list("pk", flat=True)),
            "referred_at": referral.referred_at,
            "board_reference": referral.board_reference,
            "board_decision": referral.board_decision,
        }


class InspectionListSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    province = serializers.CharField(source="office.province.code")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "office",
            "office_name",
            "province",
            "kind",
            "status",
            "scheduled_for",
            "completed_at",
            "score",
        ]


def inspection_data(inspection: Inspection, request) -> dict:
    if selectors.inspection_viewer(request.user, inspection) == "oversight":
        return InspectionSerializer(inspection).data
    return InspectionOfficeSerializer(inspection).data


class InspectionScheduleSerializer(serializers.Serializer):
    office = serializers.CharField(max_length=12)
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    scheduled_for = serializers.DateField(required=False, allow_null=True)
    inspector = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text=_("Username")
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class InspectionPlanRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[InspectionKind.PERIODIC, InspectionKind.RISK_BASED])
    province = serializers.CharField(max_length=3, required=False, allow_blank=True)
    count = serializers.IntegerField(min_value=1, max_value=500, default=10)
    scheduled_for = serializers.DateField(required=False, allow_null=True)
    inspector = serializers.CharField(max_length=150, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class InspectionPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    inspections = InspectionListSerializer(many=True, source="inspections.all")


class InspectionTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(INSPECTION_ACTIONS))
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    expected_status = serializers.ChoiceField(
        choices=InspectionStatus.choices,
        required=False,
        help_text=_("The status you saw: a stale move is refused with 409"),
    )


class InspectionItemAnswerSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ItemResult.choices)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class FindingCreateRequestSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField(max_length=4000)
    item = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CorrectiveActionCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=4000)
    due_date = serializers.DateField(required=False, allow_null=True)


class CorrectiveActionTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(CORRECTIVE_ACTION_MOVES))
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    expected_status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        help_text=_("The status you saw: a stale move is refused with 409"),
    )
    file = serializers.FileField(required=False)


class ViolationReferralRequestSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=4000)
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=100
    )


class ViolationReferralDecisionSerializer(serializers.Serializer):
    board_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    board_decision = serializers.CharField(max_length=4000)


class OfficeRiskSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    score = serializers.IntegerField()
    shrunk_satisfaction = serializers.FloatField(allow_null=True)
    responses = serializers.IntegerField()
    complaints = serializers.IntegerField()
    upheld = serializers.IntegerField()
    overdue_cases = serializers.IntegerField()
    days_since_inspection = serializers.IntegerField(allow_null=True)
    last_score = serializers.FloatField(allow_null=True)
    open_inspection = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class LatestInspectionScoreSerializer(serializers.Serializer):
    office = serializers.CharField()
    inspection = serializers.IntegerField()
    score = serializers.FloatField()
    completed_at = serializers.DateTimeField()
    critical_failures = serializers.IntegerField()


# --- helpers ----------------------------------------------------------------------------------------


def _inspector(username: str | None, office: Office | None = None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None or (office is not None and not services.is_inspector_for(user, office)):
        raise DomainError(
            fields={"inspector": [_("No inspector with this username covers the office.")]},
            code="not_an_inspector",
        )
    return user


def _province(user, code: str | None):
    if not code:
        return None
    province = selectors.oversight_provinces_for(user=user).filter(code=code[:3]).first()
    if province is None:
        raise DomainError(fields={"province": [_("Unknown province.")]}, code="unknown_province")
    return province


def _require_oversight_role(user) -> None:
    if not selectors.oversight_provinces_for(user=user).exists():
        raise PermissionDeniedError()


# --- views ------------------------------------------------------------------------------------------


class ChecklistListView(APIView):
    @extend_schema(responses={200: ChecklistSerializer(many=True)})
    def get(self, request):
        _require_oversight_role(request.user)
        return Response(ChecklistSerializer(Checklist.objects.prefetch_related("items"), many=True).data)


class ChecklistActionView(APIView):
    """``new-version`` (a draft copy) or ``publish`` (a draft; retires the published one). Kanoon only."""

    @extend_schema(request=None, responses={200: ChecklistSerializer, 201: ChecklistSerializer})
    def post(self, request, pk: int, action: str):
        if not is_kanoon(request.user):
            # Before the lookup: a refusal must not tell a checklist that exists from one that does not.
            raise PermissionDeniedError()
        checklist = Checklist.objects.filter(pk=pk).first()
        if checklist is None:
            raise NotFoundError()
        if action == "publish":
            return Response(
                ChecklistSerializer(services.checklist_publish(checklist=checklist, actor=request.user)).data
            )
        draft = services.checklist_new_version(checklist=checklist, actor=request.user)
        return Response(ChecklistSerializer(draft).data, status=status.HTTP_201_CREATED)


class InspectionListCreateView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=InspectionStatus.values),
            OpenApiParameter("kind", str, required=False, enum=InspectionKind.values),
            OpenApiParameter("province", str, required=False),
            OpenApiParameter("office", str, required=False),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(InspectionListSerializer(many=True), "PaginatedInspectionList")},
        operation_id="v1_inspections_list",
    )
    def get(self, request):
        inspections = selectors.inspection_list_for(user=request.user)
        params = request.query_params
        if params.get("status"):
            if params["status"] not in InspectionStatus.values:
                raise DomainError(fields={"status": [_("Unknown status.")]})
            inspections = inspections.filter(status=params["status"])
        if params.get("kind"):
            if params["kind"] not in InspectionKind.values:
                raise DomainError(fields={"kind": [_("Unknown kind.")]})
            inspections = inspections.filter(kind=params["kind"])
        if params.get("province"):
            inspections = inspections.filter(office__province__code=params["province"][:3])
        if params.get("office"):
            inspections = inspections.filter(office__code=params["office"][:12])
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            inspections.order_by("-priority", "-created_at", "-pk"), request, view=self
        )
        return paginator.get_paginated_response(InspectionListSerializer(page, many=True).data)

    @extend_schema(request=InspectionScheduleSerializer, responses={201: InspectionSerializer})
    def post(self, request):
        data = InspectionScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        office = selectors.oversight_offices_for(user=request.user).filter(code=values["office"]).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]}, code="unknown_office")
        inspection = services.inspection_schedule(
            actor=request.user,
            office=office,
            kind=values["kind"],
            scheduled_for=values.get("scheduled_for"),
            inspector=_inspector(values.get("inspector"), office),
            reasons=[values["reason"]] if values["reason"] else [],
        )
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class PlanCreateView(APIView):
    @extend_schema(request=InspectionPlanRequestSerializer, responses={201: InspectionPlanSerializer})
    def post(self, request):
        data = InspectionPlanRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        plan = services.inspection_plan_create(
            actor=request.user,
            kind=values["kind"],
            province=_province(request.user, values.get("province")),
            count=values["count"],
            scheduled_for=values.get("scheduled_for"),
            inspector=_inspector(values.get("inspector")),
            name=values["name"],
            note=values["note"],
        )
        return Response(InspectionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class RiskView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("province", str, required=True)],
        responses={200: OfficeRiskSerializer(many=True)},
    )
    def get(self, request):
        _require_oversight_role(request.user)
        province = _province(request.user, request.query_params.get("province"))
        if province is None:
            raise DomainError(fields={"province": [_("Choose a province.")]}, code="province_required")
        return Response(
            OfficeRiskSerializer(selectors.office_risks(user=request.user, province=province), many=True).data
        )


class LatestScoresView(APIView):
    """The latest completed inspection score of each office the caller oversees (for ranking)."""

    @extend_schema(
        parameters=[OpenApiParameter("province", str, required=False)],
        responses={200: LatestInspectionScoreSerializer(many=True)},
    )
    def get(self, request):
        _require_oversight_role(request.user)
        offices = selectors.oversight_offices_for(
            user=request.user, province=_province(request.user, request.query_params.get("province"))
        )
        codes = dict(offices.values_list("pk", "code"))
        latest = selectors.latest_inspection_scores(office_ids=list(codes))
        return Response(
            [
                {
                    "office": codes[row.office_id],
                    "inspection": row.inspection_id,
                    "score": row.score,
                    "completed_at": row.completed_at,
                    "critical_failures": row.critical_failures,
                }
                for row in sorted(latest.values(), key=lambda r: codes[r.office_id])
            ]
        )


class InspectionDetailView(APIView):
    @extend_schema(responses={200: InspectionSerializer})
    def get(self, request, pk: int):
        return Response(inspection_data(selectors.inspection_get_for(user=request.user, pk=pk), request))


class InspectionTransitionView(APIView):
    @extend_schema(request=InspectionTransitionSerializer, responses={200: InspectionSerializer})
    def post(self, request, pk: int):
        data = InspectionTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        moved = services.inspection_transition(
            inspection=inspection,
            actor=request.user,
            action=data.validated_data["action"],
            note=data.validated_data["note"],
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(inspection_data(moved, request))


class ItemAnswerView(APIView):
    @extend_schema(request=InspectionItemAnswerSerializer, responses={200: InspectionItemSerializer})
    def put(self, request, pk: int, item_id: int):
        data = InspectionItemAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        services.inspection_answer(
            inspection=inspection, actor=request.user, item_id=item_id, **data.validated_data
        )
        row = next(r for r in selectors.inspection_items(inspection=inspection) if r.item.pk == item_id)
        return Response(InspectionItemSerializer(row).data)


class ItemEvidenceView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: InspectionItemSerializer}
    )
    def post(self, request, pk: int, item_id: int):
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        services.inspection_evidence_add(
            inspection=inspection, actor=request.user, item_id=item_id, upload=data.validated_data["file"]
        )
        row = next(r for r in selectors.inspection_items(inspection=inspection) if r.item.pk == item_id)
        return Response(InspectionItemSerializer(row).data, status=status.HTTP_201_CREATED)


class FindingCreateView(APIView):
    @extend_schema(request=FindingCreateRequestSerializer, responses={201: FindingSerializer})
    def post(self, request, pk: int):
        data = FindingCreateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        finding = services.finding_add(
            inspection=inspection,
            actor=request.user,
            severity=data.validated_data["severity"],
            description=data.validated_data["description"],
            item_id=data.validated_data.get("item"),
        )
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class ActionCreateView(APIView):
    @extend_schema(request=CorrectiveActionCreateSerializer, responses={201: CorrectiveActionSerializer})
    def post(self, request, pk: int):
        data = CorrectiveActionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = Finding.objects.select_related("inspection").filter(pk=pk).first()
        if finding is None:
            raise NotFoundError()
        selectors.inspection_get_for(user=request.user, pk=finding.inspection_id)
        action = services.corrective_action_add(
            finding=finding,
            actor=request.user,
            description=data.validated_data["description"],
            due_date=data.validated_data.get("due_date"),
        )
        return Response(CorrectiveActionSerializer(action).data, status=status.HTTP_201_CREATED)


class ActionListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=ActionStatus.values),
            OpenApiParameter("overdue", bool, required=False),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(CorrectiveActionSerializer(many=True), "PaginatedCorrectiveActionList")},
        operation_id="v1_corrective_actions_list",
    )
    def get(self, request):
        wanted = request.query_params.get("status")
        if wanted and wanted not in ActionStatus.values:
            raise DomainError(fields={"status": [_("Unknown status.")]})
        actions = selectors.corrective_action_list_for(
            user=request.user,
            status=wanted or None,
            overdue=request.query_params.get("overdue") in ("1", "true"),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(actions, request, view=self)
        return paginator.get_paginated_response(CorrectiveActionSerializer(page, many=True).data)


class ActionTransitionView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": CorrectiveActionTransitionSerializer,
            "multipart/form-data": CorrectiveActionTransitionSerializer,
        },
        responses={200: CorrectiveActionSerializer},
    )
    def post(self, request, pk: int):
        data = CorrectiveActionTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = selectors.corrective_action_get_for(user=request.user, pk=pk)
        moved = services.corrective_action_transition(
            action=action,
            actor=request.user,
            move=data.validated_data["action"],
            note=data.validated_data["note"],
            upload=data.validated_data.get("file"),
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(CorrectiveActionSerializer(moved).data)


class ReferralView(APIView):
    @extend_schema(request=ViolationReferralRequestSerializer, responses={201: InspectionSerializer})
    def post(self, request, pk: int):
        data = ViolationReferralRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        services.referral_create(
            inspection=inspection,
            actor=request.user,
            summary=data.validated_data["summary"],
            finding_ids=data.validated_data["findings"],
        )
        inspection.refresh_from_db()
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class ReferralDecisionView(APIView):
    @extend_schema(request=ViolationReferralDecisionSerializer, responses={200: InspectionSerializer})
    def post(self, request, pk: int):
        data = ViolationReferralDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = selectors.inspection_get_for(user=request.user, pk=pk)
        referral = getattr(inspection, "referral", None)
        if referral is None:
            raise NotFoundError(_("This inspection was not referred."), code="not_referred")
        services.referral_record_decision(referral=referral, actor=request.user, **data.validated_data)
        inspection.refresh_from_db()
        return Response(InspectionSerializer(inspection).data)
