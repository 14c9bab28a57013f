"""Referral: the file packed for a council, court or prosecutor, and its tracking reference."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import NotFoundError
from tanzim.disputes import services
from tanzim.disputes.api._common import _dispute, _errors, _valid
from tanzim.disputes.api.serializers import DisputeReferralSerializer
from tanzim.disputes.choices import DisputeStatus, ReferralReason, ReferralTarget
from tanzim.disputes.models import Referral


class DisputeReferralInputSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=ReferralTarget.choices, required=False)
    reason = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in ReferralReason if r != ReferralReason.AWARD_NOT_COMPLIED],
        required=False,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    expected_status = serializers.ChoiceField(choices=DisputeStatus.choices, required=False)


class DisputeTrackingSerializer(serializers.Serializer):
    tracking_reference = serializers.CharField(max_length=40)


class ReferralListView(APIView):
    @extend_schema(
        request=DisputeReferralInputSerializer,
        responses={201: DisputeReferralSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeReferralInputSerializer, request.data)
        referral = services.referral_create(
            dispute=_dispute(request, pk),
            actor=request.user,
            target=data.get("target"),
            reason=data.get("reason"),
            note=data["note"],
            expected_status=data.get("expected_status"),
        )
        return Response(DisputeReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralTrackingView(APIView):
    @extend_schema(
        request=DisputeTrackingSerializer,
        responses={200: DisputeReferralSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, referral_id: int):
        data = _valid(DisputeTrackingSerializer, request.data)
        dispute = _dispute(request, pk)
        referral = (
            Referral.objects.filter(pk=referral_id, dispute=dispute).first() if referral_id < 2**62 else None
        )
        if referral is None:
            raise NotFoundError()
        referral = services.referral_record_tracking(
            referral=referral, actor=request.user, tracking_reference=data["tracking_reference"]
        )
        return Response(DisputeReferralSerializer(referral).data)
