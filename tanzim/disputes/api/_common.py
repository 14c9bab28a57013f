"""What the disputes API views share: the error responses, input validation, the dispute in
the caller's scope and its detail answer.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.response import Response

from tanzim.disputes import selectors
from tanzim.disputes.api.serializers import DisputeDetailSerializer
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import Dispute

ERRORS = {
    400: OpenApiResponse(description=_("Bad input: {code, message, fields}")),
    403: OpenApiResponse(description=_("Not allowed")),
    404: OpenApiResponse(description=_("Not found or outside your scope")),
    409: OpenApiResponse(description=_("Changed by someone else or not possible at this stage")),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class DisputeMessageSerializer(serializers.Serializer):
    message = serializers.CharField()


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _dispute(request, pk) -> Dispute:
    return selectors.dispute_get_for(user=request.user, pk=pk)


def _detail(dispute: Dispute, code: int = 200, *, user=None) -> Response:
    fresh = (
        Dispute.objects.select_related("office", "mediator")
        .prefetch_related("parties", "sessions", "referrals")
        .get(pk=dispute.pk)
    )
    return Response(DisputeDetailSerializer(fresh, context={"user": user}).data, status=code)


STATUS_PARAM = OpenApiParameter("status", str, enum=DisputeStatus.values, required=False)
