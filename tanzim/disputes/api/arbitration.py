"""Arbitration: the agreement, the arbitrators (proposal, declaration, waiver, acceptance), the
term's extension, the award and its compliance.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import DomainError, NotFoundError
from tanzim.disputes import selectors, services
from tanzim.disputes.api._common import _dispute, _errors, _valid
from tanzim.disputes.api.serializers import (
    DisputeArbitrationSerializer,
    DisputeArbitratorSerializer,
    DisputeAwardSerializer,
)
from tanzim.disputes.choices import (
    MAX_PANEL_SIZE,
    AgreementKind,
    ArbitratorSeat,
    ArbitratorVote,
    Disqualification,
    NoticeMethod,
    PartyRole,
)
from tanzim.disputes.models import Arbitration, Arbitrator, Award, Dispute


class DisputeArbitrationInputSerializer(serializers.Serializer):
    agreement_kind = serializers.ChoiceField(choices=AgreementKind.choices)
    agreement_date = serializers.DateField()
    agreement_text = serializers.CharField(max_length=10000)
    panel_size = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_PANEL_SIZE,
        help_text=_("The number of arbitrators the agreement fixes; empty: three (art. 464)."),
    )
    agreed_term_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)


class DisputeArbitratorInputSerializer(serializers.Serializer):
    seat = serializers.ChoiceField(
        choices=ArbitratorSeat.choices, required=False, allow_blank=True, default=""
    )
    number = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_PANEL_SIZE,
        help_text=_("The seat's number on a panel whose size the agreement fixes."),
    )
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text=_("An arbitrator of the office")
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)


class DisputeDeclarationSerializer(serializers.Serializer):
    grounds = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[(g.value, g.label) for g in Disqualification if g != Disqualification.UNDER_AGE]
        ),
        default=list,
        max_length=10,
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DisputeArbitratorActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[("accept", "accept"), ("waive", "waive"), ("withdraw", "withdraw")]
    )
    party = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisputeExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    agreed_by_both = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisputeVoteInputSerializer(serializers.Serializer):
    arbitrator = serializers.IntegerField(min_value=1, max_value=2**62)
    vote = serializers.ChoiceField(choices=ArbitratorVote.choices)
    signed = serializers.BooleanField(required=False, allow_null=True, default=None)
    dissent = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeAwardInputSerializer(serializers.Serializer):
    reasoning = serializers.CharField(max_length=20000)
    decision = serializers.CharField(max_length=10000)
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15, default=None
    )
    in_favour_of = serializers.ChoiceField(
        choices=PartyRole.choices, required=False, allow_blank=True, default=""
    )
    dissent = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    votes = DisputeVoteInputSerializer(
        many=True,
        required=False,
        default=None,
        allow_null=True,
        help_text=_("Each member's vote and signature (art. 482); may be left out for a sole arbitrator."),
    )


class DisputeAwardNoticeInputSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=PartyRole.choices)
    notified_on = serializers.DateField()
    method = serializers.ChoiceField(choices=NoticeMethod.choices)


class DisputeComplianceSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("complied", "complied"), ("enforce", "enforce")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


def _live_arbitration(dispute: Dispute) -> Arbitration:
    arbitration = selectors.live_arbitration(dispute=dispute)
    if arbitration is None:
        raise NotFoundError(_("There is no arbitration."), code="no_arbitration")
    return arbitration


class ArbitrationView(APIView):
    @extend_schema(
        request=DisputeArbitrationInputSerializer,
        responses={201: DisputeArbitrationSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeArbitrationInputSerializer, request.data)
        arbitration = services.arbitration_start(dispute=_dispute(request, pk), actor=request.user, **data)
        return Response(DisputeArbitrationSerializer(arbitration).data, status=status.HTTP_201_CREATED)


class ArbitratorListView(APIView):
    @extend_schema(
        request=DisputeArbitratorInputSerializer,
        responses={201: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeArbitratorInputSerializer, request.data)
        dispute = _dispute(request, pk)
        user = None
        if data.pop("user", None):
            from tanzim.accounts.models import User

            user = User.objects.filter(pk=request.data.get("user")).first()
            if user is None:
                raise DomainError(fields={"user": [_("Unknown person.")]})
        arbitrator = services.arbitrator_propose(
            arbitration=_live_arbitration(dispute), actor=request.user, user=user, **data
        )
        return Response(DisputeArbitratorSerializer(arbitrator).data, status=status.HTTP_201_CREATED)


def _arbitrator(dispute: Dispute, arbitrator_id: int) -> Arbitrator:
    found = (
        Arbitrator.objects.filter(pk=arbitrator_id, arbitration__dispute=dispute).first()
        if arbitrator_id < 2**62
        else None
    )
    if found is None:
        raise NotFoundError()
    return found


class DeclarationView(APIView):
    @extend_schema(
        request=DisputeDeclarationSerializer,
        responses={200: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, arbitrator_id: int):
        data = _valid(DisputeDeclarationSerializer, request.data)
        arbitrator = services.arbitrator_declare(
            arbitrator=_arbitrator(_dispute(request, pk), arbitrator_id), actor=request.user, **data
        )
        return Response(DisputeArbitratorSerializer(arbitrator).data)


class ArbitratorActionView(APIView):
    @extend_schema(
        request=DisputeArbitratorActionSerializer,
        responses={200: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, arbitrator_id: int):
        data = _valid(DisputeArbitratorActionSerializer, request.data)
        arbitrator = _arbitrator(_dispute(request, pk), arbitrator_id)
        if data["action"] == "accept":
            arbitrator = services.arbitrator_accept(arbitrator=arbitrator, actor=request.user)
        elif data["action"] == "waive":
            arbitrator = services.arbitrator_waive(
                arbitrator=arbitrator, party=data.get("party", ""), actor=request.user
            )
        else:
            arbitrator = services.arbitrator_withdraw(
                arbitrator=arbitrator, actor=request.user, reason=data["reason"]
            )
        return Response(DisputeArbitratorSerializer(arbitrator).data)


class ArbitrationExtendView(APIView):
    @extend_schema(
        request=DisputeExtendSerializer,
        responses={200: DisputeArbitrationSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeExtendSerializer, request.data)
        arbitration = services.arbitration_extend(
            arbitration=_live_arbitration(_dispute(request, pk)), actor=request.user, **data
        )
        return Response(DisputeArbitrationSerializer(arbitration).data)


class AwardView(APIView):
    @extend_schema(
        request=DisputeAwardInputSerializer,
        responses={201: DisputeAwardSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeAwardInputSerializer, request.data)
        data["in_favour_of"] = data["in_favour_of"] or None
        if data.get("votes") is not None:
            data["votes"] = [
                {**v, "signed": v["vote"] == ArbitratorVote.FOR if v["signed"] is None else v["signed"]}
                for v in data["votes"]
            ]
        award = services.award_record(
            arbitration=_live_arbitration(_dispute(request, pk)), actor=request.user, **data
        )
        return Response(DisputeAwardSerializer(award).data, status=status.HTTP_201_CREATED)


def _award(dispute: Dispute) -> Award:
    award = Award.objects.filter(arbitration=_live_arbitration(dispute)).first()
    if award is None:
        raise NotFoundError(_("There is no award."), code="no_award")
    return award


class AwardNoticeView(APIView):
    """Record the notice of the award to one party (art. 485); that party's periods run from it."""

    @extend_schema(
        request=DisputeAwardNoticeInputSerializer,
        responses={201: DisputeAwardSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeAwardNoticeInputSerializer, request.data)
        award = _award(_dispute(request, pk))
        services.award_notice_record(award=award, actor=request.user, **data)
        award.refresh_from_db()
        return Response(DisputeAwardSerializer(award).data, status=status.HTTP_201_CREATED)


class ComplianceView(APIView):
    @extend_schema(
        request=DisputeComplianceSerializer,
        responses={200: DisputeAwardSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeComplianceSerializer, request.data)
        arbitration = _live_arbitration(_dispute(request, pk))
        award = Award.objects.filter(arbitration=arbitration).first()
        if award is None:
            raise NotFoundError(_("There is no award."), code="no_award")
        if data["action"] == "complied":
            award = services.award_mark_complied(award=award, actor=request.user, note=data["note"])
        else:
            services.award_request_enforcement(award=award, actor=request.user, note=data["note"])
            award.refresh_from_db()
        return Response(DisputeAwardSerializer(award).data)
