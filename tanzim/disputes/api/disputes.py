"""Disputes: the list, intake (at an office or from a case), one dispute, its events, the moves
on its ladder (``{"action": …, "expected_status": …}``) and corrections to a party.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.permissions import is_office_staff
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.idempotency import key_from_request
from tanzim.disputes import selectors, services
from tanzim.disputes.api._common import STATUS_PARAM, _detail, _dispute, _errors, _valid
from tanzim.disputes.api.serializers import (
    DisputeDetailSerializer,
    DisputeEventSerializer,
    DisputePartySerializer,
    DisputeSerializer,
)
from tanzim.disputes.choices import (
    CriminalTrack,
    DisputeCategory,
    DisputeStatus,
    OffenceGrade,
    PartyRole,
    ReferralTarget,
)
from tanzim.disputes.models import Dispute
from tanzim.offices.models import Office


class DisputePartyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    resident_abroad = serializers.BooleanField(default=False)


class DisputeCreateSerializer(serializers.Serializer):
    office = serializers.CharField(
        max_length=12, required=False, help_text=_("Office code (not needed with a case)")
    )
    case = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text=_("Open from this case")
    )
    category = serializers.ChoiceField(choices=DisputeCategory.choices)
    claim_amount = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**15)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    claimant = DisputePartyInputSerializer(required=False)
    respondent = DisputePartyInputSerializer(required=False)
    triage = serializers.BooleanField(default=True, help_text=_("Triage at once (the default)"))
    offence_compoundable = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("Criminal: is the offence compoundable")
    )
    offence_grade = serializers.ChoiceField(
        choices=OffenceGrade.choices, required=False, allow_null=True, default=None
    )
    knowledge_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Criminal: the day the victim learned of it"),
    )
    cheque_date = serializers.DateField(required=False, allow_null=True, default=None)
    dishonour_date = serializers.DateField(required=False, allow_null=True, default=None)
    file_first = serializers.BooleanField(
        default=False, help_text=_("With a case: file it first and mediate after filing")
    )

    TIME_FIELDS = ("offence_compoundable", "offence_grade", "knowledge_date", "cheque_date", "dishonour_date")


class DisputeActionSerializer(serializers.Serializer):
    ACTIONS = [
        "triage",
        "invite",
        "accept",
        "decline",
        "withdraw",
        "fail",
        "close",
        "refer",
        "assign",
        "extend",
        "track",
    ]
    action = serializers.ChoiceField(choices=[(a, a) for a in ACTIONS])
    expected_status = serializers.ChoiceField(
        choices=DisputeStatus.choices,
        required=False,
        help_text=_("The stage you saw: a stale move is refused with 409"),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    target = serializers.ChoiceField(choices=ReferralTarget.choices, required=False)
    mediator = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    track = serializers.ChoiceField(choices=CriminalTrack.choices, required=False)


class DisputePartyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    resident_abroad = serializers.BooleanField(required=False)


class DisputeListView(APIView):
    @extend_schema(
        parameters=[
            STATUS_PARAM,
            OpenApiParameter("category", str, enum=DisputeCategory.values, required=False),
            OpenApiParameter("office", str, required=False, description=_("Office code")),
        ],
        responses={200: DisputeSerializer(many=True)},
    )
    def get(self, request):
        disputes = selectors.dispute_list_for(user=request.user).order_by("-created_at", "-pk")
        params = request.query_params
        if params.get("status") in DisputeStatus.values:
            disputes = disputes.filter(status=params["status"])
        if params.get("category") in DisputeCategory.values:
            disputes = disputes.filter(category=params["category"])
        if params.get("office"):
            disputes = disputes.filter(office__code=str(params["office"])[:12])
        return Response(DisputeSerializer(disputes[:200], many=True, context={"user": request.user}).data)

    @extend_schema(
        request=DisputeCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: DisputeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request):
        data = _valid(DisputeCreateSerializer, request.data)
        key = key_from_request(request)
        if data.get("case"):
            from tanzim.cases.selectors import case_get_for

            case = case_get_for(user=request.user, pk=data["case"])
            dispute = services.dispute_open_from_case(
                case=case,
                actor=request.user,
                category=data["category"],
                summary=data["summary"],
                respondent_mobile=(data.get("respondent") or {}).get("mobile", ""),
                idempotency_key=key,
                file_first=data["file_first"],
                **{name: data[name] for name in DisputeCreateSerializer.TIME_FIELDS},
            )
        else:
            office = Office.objects.filter(code=str(data.get("office") or "")[:12]).first()
            if office is None:
                raise DomainError(fields={"office": [_("Unknown office.")]})
            if not is_office_staff(request.user, office):
                raise NotFoundError(_("Unknown office."), code="office_not_found")
            dispute = services.dispute_open(
                actor=request.user,
                office=office,
                category=data["category"],
                claim_amount=data.get("claim_amount"),
                summary=data["summary"],
                claimant=services.PartyInput(**(data.get("claimant") or {})),
                respondent=services.PartyInput(**(data.get("respondent") or {})),
                idempotency_key=key,
                file_first=data["file_first"],
                **{name: data[name] for name in DisputeCreateSerializer.TIME_FIELDS},
            )
        if data["triage"] and dispute.status == DisputeStatus.INTAKE:
            dispute = services.dispute_triage(dispute=dispute, actor=request.user)
        return _detail(dispute, status.HTTP_201_CREATED, user=request.user)


class DisputeDetailView(APIView):
    @extend_schema(responses={200: DisputeDetailSerializer, **_errors(404)})
    def get(self, request, pk: int):
        return _detail(_dispute(request, pk), user=request.user)


class EventListView(APIView):
    @extend_schema(responses={200: DisputeEventSerializer(many=True), **_errors(404)})
    def get(self, request, pk: int):
        return Response(
            DisputeEventSerializer(selectors.dispute_events(dispute=_dispute(request, pk)), many=True).data
        )


def _expected(data: dict) -> str | None:
    return data.get("expected_status")


#: Each ``action`` of the ladder and its service, given the body as parsed; the service validates it.
MOVES: dict[str, Callable[[Dispute, Any, dict], Any]] = {
    "triage": lambda d, user, data: services.dispute_triage(
        dispute=d, actor=user, expected_status=_expected(data)
    ),
    "invite": lambda d, user, data: services.dispute_invite(
        dispute=d, actor=user, expected_status=_expected(data)
    ),
    "accept": lambda d, user, data: services.dispute_respond(
        dispute=d, actor=user, accept=True, note=data["note"], expected_status=_expected(data)
    ),
    "decline": lambda d, user, data: services.dispute_respond(
        dispute=d, actor=user, accept=False, note=data["note"], expected_status=_expected(data)
    ),
    "withdraw": lambda d, user, data: services.dispute_withdraw(
        dispute=d, actor=user, note=data["note"], expected_status=_expected(data)
    ),
    "fail": lambda d, user, data: services.dispute_fail(
        dispute=d, actor=user, reason=data["reason"], note=data["note"], expected_status=_expected(data)
    ),
    "close": lambda d, user, data: services.dispute_close(
        dispute=d, actor=user, note=data["note"], expected_status=_expected(data)
    ),
    "refer": lambda d, user, data: services.referral_create(
        dispute=d,
        actor=user,
        target=data.get("target"),
        reason=data["reason"] or None,
        note=data["note"],
        expected_status=_expected(data),
    ),
    "assign": lambda d, user, data: services.mediator_assign(
        dispute=d, actor=user, mediator=data.get("mediator")
    ),
    "extend": lambda d, user, data: services.window_extend(dispute=d, actor=user, reason=data["note"]),
    "track": lambda d, user, data: services.criminal_track_set(
        dispute=d, actor=user, track=data.get("track", "")
    ),
}


class ActionView(APIView):
    """Moves on the ladder: triage, invite, accept, decline, withdraw, fail, close, refer, assign,
    extend, track."""

    @extend_schema(
        request=DisputeActionSerializer,
        responses={200: DisputeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeActionSerializer, request.data)
        dispute = _dispute(request, pk)
        MOVES[data["action"]](dispute, request.user, data)
        return _detail(dispute, user=request.user)


class PartyView(APIView):
    @extend_schema(
        request=DisputePartyUpdateSerializer,
        responses={200: DisputePartySerializer, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request, pk: int, role: str):
        dispute = _dispute(request, pk)
        if role not in PartyRole.values:
            raise NotFoundError()
        data = _valid(DisputePartyUpdateSerializer, request.data)
        party = services.party_update(
            party=selectors.party_of(dispute=dispute, role=role), actor=request.user, **data
        )
        return Response(DisputePartySerializer(party).data)
