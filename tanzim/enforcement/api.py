"""The enforcement file and auction bids over the API (routes under /api/v1/enforcement/)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.models import User
from tanzim.common.api import PAGE_PARAMETERS, paginated
from tanzim.common.errors import DomainError
from tanzim.common.idempotency import key_from_request
from tanzim.enforcement import selectors, services
from tanzim.enforcement.models import EnforcementFile
from tanzim.offices.models import Office

TRANSITIONS = ("start", "close")


class EnforcementPartySerializer(serializers.Serializer):
    role = serializers.CharField()
    name = serializers.CharField()
    claim = serializers.IntegerField()
    priority_class = serializers.IntegerField()


class EnforcementFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    office = serializers.CharField(source="office.code")
    court = serializers.CharField()
    branch = serializers.CharField()
    judgment_number = serializers.CharField()
    judgment_date = serializers.DateField()
    amount = serializers.IntegerField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    served_on = serializers.DateField(allow_null=True)
    debtor_window_due = serializers.DateField(allow_null=True)
    insolvency_due = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    parties = EnforcementPartySerializer(many=True, source="parties.all")


class EnforcementCreditorInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    national_code = serializers.CharField(max_length=20, required=False, default="")
    mobile = serializers.CharField(max_length=20, required=False, default="")
    claim = serializers.IntegerField(min_value=1)
    priority_class = serializers.IntegerField(min_value=1, max_value=5, required=False, default=5)


class EnforcementDebtorInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    national_code = serializers.CharField(max_length=20, required=False, default="")
    mobile = serializers.CharField(max_length=20, required=False, default="")
    has_dependants = serializers.BooleanField(required=False, default=False)


class EnforcementFileRequestSerializer(serializers.Serializer):
    office = serializers.CharField(help_text="The pilot office's code")
    court = serializers.CharField(max_length=120)
    branch = serializers.CharField(max_length=20)
    judgment_number = serializers.CharField(max_length=40)
    judgment_date = serializers.DateField()
    judgment_state = serializers.CharField(help_text="final, provisional or not_final")
    judgment_served_on = serializers.DateField(allow_null=True)
    creditors = EnforcementCreditorInSerializer(many=True)
    debtors = EnforcementDebtorInSerializer(many=True)


class EnforcementFileTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="start (enforcement on assets) or close")
    expected_status = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="", help_text="For close")


class EnforcementBidInSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)


class EnforcementBidSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    placed_at = serializers.DateTimeField()


def _with_users(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        code = row.get("national_code") or ""
        out.append({**row, "user": User.objects.filter(national_code=code).first() if code else None})
    return out


def _file_data(file: EnforcementFile) -> dict[str, Any]:
    return dict(EnforcementFileSerializer(file).data)


class FileListView(APIView):
    @extend_schema(
        operation_id="v1_enforcement_files_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(EnforcementFileSerializer(many=True), "EnforcementFilePage")},
    )
    def get(self, request):
        rows = selectors.file_list_for(actor=request.user).prefetch_related("parties")
        pager = LimitOffsetPagination()
        page = pager.paginate_queryset(rows, request, view=self)
        return pager.get_paginated_response(EnforcementFileSerializer(page, many=True).data)

    @extend_schema(request=EnforcementFileRequestSerializer, responses={201: EnforcementFileSerializer})
    def post(self, request):
        data = EnforcementFileRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        office = Office.objects.filter(code=data.validated_data["office"]).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]}, code="office_unknown")
        values = data.validated_data
        file = services.file_request(
            actor=request.user,
            office=office,
            court=values["court"],
            branch=values["branch"],
            judgment_number=values["judgment_number"],
            judgment_date=values["judgment_date"],
            judgment_state=values["judgment_state"],
            judgment_served_on=values["judgment_served_on"],
            creditors=_with_users(values["creditors"]),
            debtors=_with_users(values["debtors"]),
            idempotency_key=key_from_request(request),
        )
        return Response(_file_data(file), status=status.HTTP_201_CREATED)


class FileDetailView(APIView):
    @extend_schema(responses={200: EnforcementFileSerializer})
    def get(self, request, pk: int):
        return Response(_file_data(selectors.file_get_for(actor=request.user, pk=pk)))


class FileTransitionView(APIView):
    @extend_schema(request=EnforcementFileTransitionSerializer, responses={200: EnforcementFileSerializer})
    def post(self, request, pk: int):
        data = EnforcementFileTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        file = selectors.file_get_for(actor=request.user, pk=pk)
        action = data.validated_data["action"]
        expected = data.validated_data["expected_status"] or None
        if action not in TRANSITIONS:
            raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
        if action == "start":
            moved = services.enforcement_start(file=file, actor=request.user, expected_status=expected)
        else:
            moved = services.file_close(
                file=file,
                actor=request.user,
                outcome=data.validated_data["outcome"],
                expected_status=expected,
            )
        return Response(_file_data(moved))


class BidView(APIView):
    @extend_schema(request=EnforcementBidInSerializer, responses={201: EnforcementBidSerializer})
    def post(self, request, pk: int):
        data = EnforcementBidInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        auction = selectors.auction_get_for(actor=request.user, pk=pk)
        bid = services.bid_place(auction=auction, actor=request.user, amount=data.validated_data["amount"])
        return Response(EnforcementBidSerializer(bid).data, status=status.HTTP_201_CREATED)
