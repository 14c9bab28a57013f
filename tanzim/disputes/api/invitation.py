"""The respondent joins with the code from the SMS and a one-time code; no account needed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.services import api_token_issue
from tanzim.common.http import client_ip
from tanzim.disputes import services
from tanzim.disputes.api._common import _errors, _valid


class DisputeJoinTicketSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    masked_mobile = serializers.CharField()


class DisputeJoinResultSerializer(serializers.Serializer):
    dispute = serializers.IntegerField()
    token = serializers.CharField()


class DisputeJoinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    national_code = serializers.CharField(max_length=20)


class DisputeJoinVerifySerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=2**62)
    national_code = serializers.CharField(max_length=20)
    otp = serializers.CharField(max_length=12)


class JoinView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=DisputeJoinSerializer,
        responses={
            200: DisputeJoinTicketSerializer,
            **_errors(400),
            429: OpenApiResponse(
                description=_(
                    "Too many wrong codes from this address, or for these first digits of a code, "
                    "in the last few minutes (Retry-After)"
                )
            ),
        },
    )
    def post(self, request):
        data = _valid(DisputeJoinSerializer, request.data)
        ticket = services.join_start(
            code=data["code"], national_code=data["national_code"], ip=client_ip(request)
        )
        return Response({"ticket": ticket.join_code_id, "masked_mobile": ticket.masked_mobile})


class JoinVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=DisputeJoinVerifySerializer, responses={200: DisputeJoinResultSerializer, **_errors(400, 409)}
    )
    def post(self, request):
        data = _valid(DisputeJoinVerifySerializer, request.data)
        result = services.join_verify(
            join_code_id=data["ticket"], national_code=data["national_code"], otp=data["otp"]
        )
        issued = api_token_issue(user=result.user, label="dispute join")
        return Response({"dispute": result.dispute.pk, "token": issued.key})
