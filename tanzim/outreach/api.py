"""Outreach API: missions (plan, team, transitions, report, reimburse), the field sync, missions near me."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.models import User
from tanzim.common.errors import DomainError
from tanzim.common.idempotency import HEADER, key_from_request
from tanzim.offices.models import City, Office, Province
from tanzim.outreach import selectors, services
from tanzim.outreach.choices import MissionAction, MissionStatus, ServiceKind, SyncOutcome
from tanzim.outreach.models import Mission

# --- serializers ------------------------------------------------------------------------------

# The mission's status as plain text: its values listed here (an enum named by a hash otherwise).
STATUS_HELP = "One of: " + ", ".join(MissionStatus.values)


class TeamMemberSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    user = serializers.IntegerField(source="user_id", allow_null=True)
    confirmed = serializers.BooleanField()


class MissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    province = serializers.CharField(source="province.code")
    county = serializers.CharField(source="county.code")
    place = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    distance_km = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    services = serializers.ListField(child=serializers.ChoiceField(choices=ServiceKind.choices))
    expected_demand = serializers.IntegerField()
    people_served = serializers.IntegerField()


class MissionDetailSerializer(MissionSerializer):
    team = TeamMemberSerializer(many=True)
    field_services = serializers.IntegerField()


class PublicMissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    province = serializers.CharField(source="province.code")
    county = serializers.CharField(source="county.code")
    place = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    services = serializers.ListField(child=serializers.ChoiceField(choices=ServiceKind.choices))


class MissionPlanSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    county = serializers.CharField(max_length=8)
    place = serializers.CharField(max_length=200)
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceKind.choices), max_length=10
    )
    expected_demand = serializers.IntegerField(min_value=0, max_value=1_000_000)


def _known_status(value: str) -> str:
    if value not in MissionStatus.values:
        raise serializers.ValidationError(_("Unknown status."))
    return value


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=MissionAction.choices)
    expected_status = serializers.CharField(max_length=12, required=False, help_text=STATUS_HELP)

    def validate_expected_status(self, value: str) -> str:
        return _known_status(value)


class TeamAssignSerializer(serializers.Serializer):
    office = serializers.CharField(max_length=12)
    user = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReportSerializer(serializers.Serializer):
    people_served = serializers.IntegerField(min_value=0, max_value=1_000_000)
    note = serializers.CharField(max_length=4000)
    expected_status = serializers.CharField(max_length=12, required=False, help_text=STATUS_HELP)

    def validate_expected_status(self, value: str) -> str:
        return _known_status(value)


class SyncItemSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=64)
    kind = serializers.CharField(max_length=20)
    beneficiary_name = serializers.CharField(max_length=120, allow_blank=True)
    national_code = serializers.CharField(max_length=20, allow_blank=True)
    served_on = serializers.CharField(max_length=20)
    recorded_at = serializers.CharField(max_length=40, required=False, allow_blank=True)
    # A free service on a Kanoon decision: its number and date (ISO), and a photo of it.
    ground = serializers.CharField(max_length=20, required=False, allow_blank=True)
    decision_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    decision_date = serializers.CharField(max_length=20, required=False, allow_blank=True)
    # A photo of the evidence as a data URL (JPEG or PNG, at most 1 MB); checked item by item.
    photo = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class SyncSerializer(serializers.Serializer):
    items = serializers.ListField(child=SyncItemSerializer(), max_length=services.field.MAX_ITEMS)


class SyncResultSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    outcome = serializers.ChoiceField(choices=SyncOutcome.choices)
    message = serializers.CharField()
    field_errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    service_id = serializers.IntegerField(allow_null=True)


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)


class ReimbursementSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    services = serializers.IntegerField()
    services_rials = serializers.IntegerField()
    excluded = serializers.IntegerField()
    per_diem_rials = serializers.IntegerField()
    travel_rials = serializers.IntegerField()
    total = serializers.IntegerField()


def mission_data(mission: Mission, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": mission.pk,
        "title": mission.title,
        "status": mission.status,
        "province": mission.province.code,
        "county": mission.county.code,
        "place": mission.place,
        "latitude": mission.latitude,
        "longitude": mission.longitude,
        "distance_km": mission.distance_km,
        "starts_on": mission.starts_on,
        "ends_on": mission.ends_on,
        "services": list(mission.services),
        "expected_demand": mission.expected_demand,
        "people_served": mission.people_served,
    }
    if detail:
        data["team"] = [
            {"office": m.office.code, "user": m.user_id, "confirmed": m.confirmed_at is not None}
            for m in mission.team.select_related("office")
        ]
        data["field_services"] = mission.field_services.count()
    return data


# --- views ------------------------------------------------------------------------------------


class MissionListView(APIView):
    @extend_schema(responses={200: MissionSerializer(many=True)}, operation_id="v1_outreach_missions_list")
    def get(self, request):
        missions = selectors.mission_list_for(user=request.user)[:200]
        return Response([mission_data(m) for m in missions])

    @extend_schema(
        request=MissionPlanSerializer,
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={201: MissionDetailSerializer, 200: MissionDetailSerializer},
    )
    def post(self, request):
        key = key_from_request(request)
        data = MissionPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        county = City.objects.filter(code=values["county"]).first()
        if county is None:
            raise DomainError(fields={"county": [_("Unknown county.")]}, code="unknown_county")
        existed = bool(key) and Mission.objects.filter(planned_by=request.user, idempotency_key=key).exists()
        mission = services.mission_plan(
            actor=request.user, idempotency_key=key, **{**values, "county": county}
        )
        return Response(
            mission_data(mission, detail=True),
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class MissionDetailView(APIView):
    @extend_schema(responses={200: MissionDetailSerializer})
    def get(self, request, pk: int):
        return Response(mission_data(selectors.mission_get_for(user=request.user, pk=pk), detail=True))


class MissionTransitionView(APIView):
    @extend_schema(request=TransitionSerializer, responses={200: MissionDetailSerializer})
    def post(self, request, pk: int):
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        moved = services.mission_transition(
            mission=mission,
            actor=request.user,
            action=data.validated_data["action"],
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(mission_data(selectors.mission_get_for(user=request.user, pk=moved.pk), detail=True))


class MissionTeamView(APIView):
    @extend_schema(request=TeamAssignSerializer, responses={201: MissionDetailSerializer})
    def post(self, request, pk: int):
        data = TeamAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        office = Office.objects.filter(code=data.validated_data["office"]).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]}, code="unknown_office")
        user = None
        if data.validated_data.get("user"):
            user = User.objects.filter(pk=data.validated_data["user"]).first()
            if user is None:
                raise DomainError(fields={"user": [_("This person does not work at that office.")]})
        services.team_assign(mission=mission, office=office, actor=request.user, user=user)
        return Response(mission_data(mission, detail=True), status=status.HTTP_201_CREATED)


class MissionConfirmView(APIView):
    @extend_schema(request=None, responses={200: MissionDetailSerializer})
    def post(self, request, pk: int):
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        services.team_confirm(mission=mission, actor=request.user)
        return Response(mission_data(selectors.mission_get_for(user=request.user, pk=pk), detail=True))


class MissionReportView(APIView):
    @extend_schema(request=ReportSerializer, responses={200: MissionDetailSerializer})
    def post(self, request, pk: int):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        services.mission_report(
            mission=mission,
            actor=request.user,
            people_served=data.validated_data["people_served"],
            note=data.validated_data["note"],
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(mission_data(selectors.mission_get_for(user=request.user, pk=pk), detail=True))


class MissionSyncView(APIView):
    @extend_schema(request=SyncSerializer, responses={200: SyncResponseSerializer})
    def post(self, request, pk: int):
        data = SyncSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        results = services.field_sync(mission=mission, actor=request.user, items=data.validated_data["items"])
        return Response(
            {
                "results": [
                    {
                        "client_id": r.client_id,
                        "outcome": r.outcome,
                        "message": r.message,
                        "field_errors": r.fields,
                        "service_id": r.service_id,
                    }
                    for r in results
                ]
            }
        )


class MissionReimburseView(APIView):
    @extend_schema(request=None, responses={200: ReimbursementSerializer(many=True)})
    def post(self, request, pk: int):
        mission = selectors.mission_get_for(user=request.user, pk=pk)
        paid = services.mission_reimburse(mission=mission, actor=request.user)
        return Response(
            [
                {
                    "office": r.office.code,
                    "services": r.services,
                    "services_rials": r.services_rials,
                    "excluded": r.excluded,
                    "per_diem_rials": r.per_diem_rials,
                    "travel_rials": r.travel_rials,
                    "total": r.total,
                }
                for r in paid
            ]
        )


class NearView(APIView):
    """Upcoming missions, for anyone: by province or county code."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("province", str, required=False),
            OpenApiParameter("county", str, required=False),
        ],
        responses={200: PublicMissionSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        province = str(request.query_params.get("province") or "")[:3]
        county = str(request.query_params.get("county") or "")[:8]
        county_id = City.objects.filter(code=county).values_list("pk", flat=True).first() if county else None
        province_id = None
        if province:
            province_id = Province.objects.filter(code=province).values_list("pk", flat=True).first()
        if (county and county_id is None) or (province and province_id is None):
            raise DomainError(fields={"county" if county else "province": [_("Unknown place.")]})
        missions = selectors.missions_near(province_id=province_id, county_id=county_id)[:100]
        return Response(
            [
                {
                    "id": m.pk,
                    "title": m.title,
                    "province": m.province.code,
                    "county": m.county.code,
                    "place": m.place,
                    "starts_on": m.starts_on,
                    "ends_on": m.ends_on,
                    "services": list(m.services),
                }
                for m in missions
            ]
        )
