"""The settlement report: the draft, opening it for signing, voiding it, the signing codes
and signatures, and its PDF.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.audit import services as audit
from tanzim.common.errors import NotFoundError
from tanzim.common.files import attachment_response, file_redirect
from tanzim.disputes import documents, selectors, services
from tanzim.disputes.api._common import _dispute, _errors, _valid
from tanzim.disputes.api.serializers import DisputeSettlementSerializer
from tanzim.disputes.choices import ObligationKind, PartyRole, SettlementStatus
from tanzim.disputes.models import Dispute, Settlement


class DisputeSignResultSerializer(serializers.Serializer):
    already_signed = serializers.BooleanField()
    completed = serializers.BooleanField()
    message = serializers.CharField()
    settlement = DisputeSettlementSerializer()


class DisputeCodeSentSerializer(serializers.Serializer):
    masked_mobile = serializers.CharField()
    already_signed = serializers.BooleanField()


class DisputeObligationInputSerializer(serializers.Serializer):
    obligor = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=ObligationKind.choices, default=ObligationKind.PAYMENT)
    description = serializers.CharField(max_length=500)
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15, default=None
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class DisputeSettlementInputSerializer(serializers.Serializer):
    terms = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    obligations = DisputeObligationInputSerializer(many=True)


class DisputeVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DisputePartyChoiceSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=PartyRole.choices)


class DisputeSignSerializer(DisputePartyChoiceSerializer):
    code = serializers.CharField(max_length=12)


def _live_settlement(dispute: Dispute) -> Settlement:
    settlement = selectors.live_settlement(dispute=dispute)
    if settlement is None:
        raise NotFoundError(_("There is no settlement report."), code="no_settlement")
    return settlement


class SettlementView(APIView):
    @extend_schema(responses={200: DisputeSettlementSerializer, **_errors(404)})
    def get(self, request, pk: int):
        dispute = _dispute(request, pk)
        settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(
            dispute=dispute
        )
        if settlement is None:
            raise NotFoundError(_("There is no settlement report."), code="no_settlement")
        return Response(DisputeSettlementSerializer(settlement).data)

    @extend_schema(
        request=DisputeSettlementInputSerializer,
        responses={200: DisputeSettlementSerializer, **_errors(400, 403, 404, 409)},
    )
    def put(self, request, pk: int):
        data = _valid(DisputeSettlementInputSerializer, request.data)
        settlement = services.settlement_draft(
            dispute=_dispute(request, pk),
            actor=request.user,
            terms=data["terms"],
            obligations=data["obligations"],
        )
        return Response(DisputeSettlementSerializer(settlement).data)


class SettlementOpenView(APIView):
    @extend_schema(request=None, responses={200: DisputeSettlementSerializer, **_errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        settlement = services.settlement_open(
            settlement=_live_settlement(_dispute(request, pk)), actor=request.user
        )
        return Response(DisputeSettlementSerializer(settlement).data)


class SettlementVoidView(APIView):
    @extend_schema(
        request=DisputeVoidSerializer,
        responses={200: DisputeSettlementSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeVoidSerializer, request.data)
        settlement = services.settlement_void(
            settlement=_live_settlement(_dispute(request, pk)), actor=request.user, reason=data["reason"]
        )
        return Response(DisputeSettlementSerializer(settlement).data)


class SettlementCodeView(APIView):
    @extend_schema(
        request=DisputePartyChoiceSerializer,
        responses={200: DisputeCodeSentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputePartyChoiceSerializer, request.data)
        sent = services.settlement_request_code(
            settlement=_live_settlement(_dispute(request, pk)), party=data["party"], actor=request.user
        )
        return Response({"masked_mobile": sent.masked_mobile, "already_signed": sent.already_signed})


class SettlementSignView(APIView):
    @extend_schema(
        request=DisputeSignSerializer,
        responses={200: DisputeSignResultSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeSignSerializer, request.data)
        dispute = _dispute(request, pk)
        settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(
            dispute=dispute
        )
        if settlement is None:
            raise NotFoundError(_("There is no settlement report."), code="no_settlement")
        result = services.settlement_sign(
            settlement=settlement, party=data["party"], actor=request.user, code=data["code"]
        )
        settlement = Settlement.objects.get(pk=result.settlement.pk)
        return Response(
            {
                "already_signed": result.already_signed,
                "completed": result.completed,
                "message": result.message,
                "settlement": DisputeSettlementSerializer(settlement).data,
            }
        )


class SettlementPdfView(APIView):
    @extend_schema(
        description="A draft is rendered on the fly (200); the signed report is stored and served at a "
        "signed link valid for five minutes (303, Location).",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            303: OpenApiResponse(description="See Other: the signed report (Location)."),
            **_errors(404),
        },
    )
    def get(self, request, pk: int):
        dispute = _dispute(request, pk)
        settlement = selectors.signed_settlement(dispute=dispute) or selectors.live_settlement(
            dispute=dispute
        )
        if settlement is None:
            raise NotFoundError(_("There is no settlement report."), code="no_settlement")
        if settlement.status == SettlementStatus.SIGNED:
            if not settlement.pdf:
                services.settlement_store_pdf(settlement_id=settlement.pk)
                settlement.refresh_from_db()
            audit.record_read(
                actor=request.user, obj=settlement, office=dispute.office_id, purpose="settlement"
            )
            return file_redirect(
                settlement,
                user=request.user,
                field="pdf",
                content_type="application/pdf",
                filename=f"settlement-{dispute.reference}.pdf",
            )
        content = documents.settlement_pdf(settlement=settlement, language=request.LANGUAGE_CODE)
        return attachment_response(
            content, content_type="application/pdf", filename=f"draft-settlement-{dispute.reference}.pdf"
        )
