"""Partner API views.

- ``partners/inbox/…``: the partner's own system, with ``Authorization: PartnerKey …``: the
  referrals addressed to the partner, acknowledge / start / return, the outcome; and
  ``partners/events/``, the same moves as signed events (HMAC-SHA256 over ``"<timestamp>.<body>"``).
- ``partners/referrals/…``: offices (prepare, send, enter a partner's moves) and their overseers.
- ``partners/directory/``, ``partners/dead-letters/``: the partners' data; the Kanoon's replays.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.api import PAGE_PARAMETERS, paginated
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.files import attachment_response
from tanzim.common.idempotency import HEADER, key_from_request
from tanzim.partners import selectors, services
from tanzim.partners.api.auth import PartnerKeyAuthentication, PartnerPrincipal
from tanzim.partners.api.serializers import (
    PartnerDeliverySerializer,
    PartnerEventAcceptedSerializer,
    PartnerInboundEventSerializer,
    PartnerOutcomeSerializer,
    PartnerPrepareSerializer,
    PartnerReferralDetailSerializer,
    PartnerReferralSerializer,
    PartnerSerializer,
    PartnerTransitionSerializer,
)
from tanzim.partners.models import Branch, Delivery, Partner, Referral, ReferralKind
from tanzim.partners.services.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

PARTNER_TAG = ["partners: partner API"]
STAFF_TAG = ["partners"]
REFERRAL_EXAMPLE = OpenApiExample(
    "A referral sent to a council",
    value={
        "id": 12,
        "reference": "PR-04718250",
        "status": "sent",
        "partner": "council-tehran",
        "kind": "civil-claim",
        "branch": {"id": 3, "name_fa": "شعبه ۱ شورای حل اختلاف تهران", "name_en": "Tehran council, branch 1"},
        "office": {"code": "A0001", "name_fa": "دفتر الف", "name_en": "Office A"},
        "dispute_reference": "D-1405-000123",
        "case_reference": None,
        "note": "",
        "partner_reference": "",
        "sent_at": "2026-12-05T09:00:00+03:30",
        "received_at": None,
        "ack_due_at": "2026-12-08T09:00:00+03:30",
        "outcome_due_at": "2026-12-25T09:00:00+03:30",
        "outcome_at": None,
        "outcome_code": "",
        "outcome_note": "",
        "return_reason": "",
    },
    response_only=True,
)


def _principal(request: Request) -> PartnerPrincipal:
    user = request.user
    if not isinstance(user, PartnerPrincipal):
        raise NotFoundError()
    return user


def _inbox(principal: PartnerPrincipal) -> Any:
    return (
        Referral.objects.filter(partner=principal.partner)
        .exclude(status__in=selectors.NOT_SENT)
        .select_related("office", "partner", "branch", "kind", "dispute", "case")
        .order_by("-sent_at", "-pk")
    )


def _inbox_get(principal: PartnerPrincipal, reference: str) -> Referral:
    referral = _inbox(principal).filter(reference=str(reference)[:16]).first()
    if referral is None:
        raise selectors.referral_not_found()
    return referral


class PartnerAPIView(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [permissions.IsAuthenticated]


class InboxView(PartnerAPIView):
    """The referrals addressed to the calling partner (sent and after), newest first."""

    @extend_schema(
        tags=PARTNER_TAG,
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("status", str, required=False)],
        responses={200: paginated(PartnerReferralSerializer(), "PartnerInboxPage")},
        operation_id="partners_inbox_list",
    )
    def get(self, request: Request) -> Response:
        rows = _inbox(_principal(request))
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(status=wanted)
        pages = LimitOffsetPagination()
        page = pages.paginate_queryset(rows, request, view=self)
        return pages.get_paginated_response(PartnerReferralSerializer(page, many=True).data)


class InboxDetailView(PartnerAPIView):
    @extend_schema(
        tags=PARTNER_TAG, responses={200: PartnerReferralDetailSerializer}, examples=[REFERRAL_EXAMPLE]
    )
    def get(self, request: Request, reference: str) -> Response:
        referral = _inbox_get(_principal(request), reference)
        return Response(PartnerReferralDetailSerializer(referral, context={"partner_api": True}).data)


DOCUMENT_SHA_HEADER = "X-Tanzim-Document-Sha256"


class InboxDocumentView(PartnerAPIView):
    """One document of a referral addressed to the caller (the packed file's or the outcome's).

    The body is the file as uploaded, with its content type and length; ``X-Tanzim-Document-Sha256``
    is its SHA-256, and, for a partner with a webhook secret, ``X-Tanzim-Timestamp`` and
    ``X-Tanzim-Signature`` sign the body the same way as a webhook. Another partner's referral, a
    referral not yet sent, or a document of another referral: the same 404 as a missing one.
    """

    @extend_schema(
        tags=PARTNER_TAG,
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
        },
        operation_id="partners_inbox_document",
    )
    def get(self, request: Request, reference: str, doc: str) -> HttpResponseBase:
        principal = _principal(request)
        referral = _inbox_get(principal, reference)
        document, content = services.partner_document_read(
            referral=referral, document_id=doc, api_key=principal.key
        )
        response = attachment_response(
            content,
            filename=f"{referral.reference}-{document.pk}{document.extension}",
            content_type=document.content_type,
        )
        response["Content-Length"] = str(len(content))
        response[DOCUMENT_SHA_HEADER] = document.sha256
        secret = principal.partner.webhook_secret
        if secret:
            timestamp = int(time.time())
            response[TIMESTAMP_HEADER] = str(timestamp)
            response[SIGNATURE_HEADER] = sign(secret, timestamp, content)
        return response


class InboxTransitionView(PartnerAPIView):
    """Acknowledge (with your reference), start, or return without action (with the reason)."""

    @extend_schema(
        tags=PARTNER_TAG,
        request=PartnerTransitionSerializer,
        responses={200: PartnerReferralSerializer},
        examples=[
            OpenApiExample(
                "Acknowledge",
                value={"action": "acknowledge", "expected_status": "sent", "partner_reference": "9912-4410"},
                request_only=True,
            ),
            OpenApiExample(
                "Return without action",
                value={
                    "action": "return",
                    "expected_status": "received",
                    "reason": "Not within our competence",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, reference: str) -> Response:
        principal = _principal(request)
        referral = _inbox_get(principal, reference)
        data = PartnerTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.referral_act(
            referral=referral, api_key=principal.key, **_transition_kwargs(data.validated_data)
        )
        return Response(PartnerReferralSerializer(moved).data)


def _transition_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": values["action"],
        "expected_status": values.get("expected_status") or None,
        "partner_reference": values.get("partner_reference", ""),
        "reason": values.get("reason", ""),
    }


class InboxOutcomeView(PartnerAPIView):
    """The coded outcome, a note, and the outcome document (multipart) if there is one."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=PARTNER_TAG,
        request={
            "multipart/form-data": PartnerOutcomeSerializer,
            "application/json": PartnerOutcomeSerializer,
        },
        responses={200: PartnerReferralSerializer},
        examples=[
            OpenApiExample(
                "Settled",
                value={
                    "outcome_code": "settled",
                    "note": "Settled at the first session",
                    "expected_status": "in_progress",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, reference: str) -> Response:
        principal = _principal(request)
        referral = _inbox_get(principal, reference)
        data = PartnerOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.referral_record_outcome(
            referral=referral,
            api_key=principal.key,
            outcome_code=data.validated_data["outcome_code"],
            note=data.validated_data["note"],
            upload=data.validated_data.get("file"),
            expected_status=data.validated_data["expected_status"] or None,
        )
        return Response(PartnerReferralSerializer(moved).data)


EVENT_ACTIONS = {
    "referral.acknowledged": "acknowledge",
    "referral.in_progress": "start",
    "referral.returned": "return",
}


class InboundEventView(PartnerAPIView):
    """A signed event from the partner's system: the body signed with your webhook secret.

    ``X-Tanzim-Timestamp``: seconds since the epoch; ``X-Tanzim-Signature``:
    ``v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``. More than five minutes from now, a bad
    signature (403) or an id sent before (409) is refused and changes nothing.
    """

    parser_classes = [JSONParser]

    @extend_schema(
        tags=PARTNER_TAG,
        request=PartnerInboundEventSerializer,
        responses={200: PartnerEventAcceptedSerializer},
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        examples=[
            OpenApiExample(
                "Outcome",
                value={
                    "id": "evt-2026-12-05-0001",
                    "type": "referral.outcome",
                    "referral": "PR-04718250",
                    "data": {"outcome_code": "for_claimant", "note": "Ruling no. 1405-77"},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        principal = _principal(request)
        body = request.body  # the raw bytes the signature covers
        data = PartnerInboundEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = data.validated_data
        kind = event["type"]
        with transaction.atomic():  # a refused move leaves the id unused, for the partner's retry
            services.inbound_verify(
                partner=principal.partner,
                body=body,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER),
                event_id=event["id"],
                event_type=kind,
            )
            if kind not in (*EVENT_ACTIONS, "referral.outcome"):
                raise DomainError(fields={"type": [_("Unknown event type.")]}, code="unknown_event")
            referral = _inbox_get(principal, event["referral"])
            extra = event.get("data") or {}
            if kind == "referral.outcome":
                moved = services.referral_record_outcome(
                    referral=referral,
                    api_key=principal.key,
                    outcome_code=str(extra.get("outcome_code", "")),
                    note=str(extra.get("note", "")),
                )
            else:
                moved = services.referral_act(
                    referral=referral,
                    api_key=principal.key,
                    action=EVENT_ACTIONS[kind],
                    partner_reference=str(extra.get("partner_reference", "")),
                    reason=str(extra.get("reason", "")),
                )
        return Response({"id": event["id"], "referral": PartnerReferralSerializer(moved).data})


# --- offices and overseers -----------------------------------------------------------------------


class ReferralListView(APIView):
    @extend_schema(
        tags=STAFF_TAG,
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("status", str, required=False)],
        responses={200: paginated(PartnerReferralSerializer(), "PartnerReferralPage")},
        operation_id="partners_referrals_list",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.referral_list_for(user=request.user)
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(status=wanted)
        pages = LimitOffsetPagination()
        page = pages.paginate_queryset(rows, request, view=self)
        return pages.get_paginated_response(PartnerReferralSerializer(page, many=True).data)

    @extend_schema(
        tags=STAFF_TAG,
        request=PartnerPrepareSerializer,
        responses={201: PartnerReferralDetailSerializer},
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)],
        examples=[OpenApiExample("Refer a dispute", value={"kind": 4, "dispute": 123}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = PartnerPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        referral = services.referral_prepare(
            actor=request.user,
            kind=values["kind"],
            dispute=values["dispute"],
            case=values["case"],
            branch=values["branch"],
            note=values["note"],
            idempotency_key=key_from_request(request),
        )
        return Response(PartnerReferralDetailSerializer(referral).data, status=201)


class ReferralDetailView(APIView):
    @extend_schema(tags=STAFF_TAG, responses={200: PartnerReferralDetailSerializer})
    def get(self, request: Request, pk: str) -> Response:
        referral, _access = selectors.referral_get_for(user=request.user, pk=pk)
        return Response(PartnerReferralDetailSerializer(referral).data)


class ReferralTransitionView(APIView):
    @extend_schema(
        tags=STAFF_TAG, request=PartnerTransitionSerializer, responses={200: PartnerReferralSerializer}
    )
    def post(self, request: Request, pk: str) -> Response:
        referral, _access = selectors.referral_get_for(user=request.user, pk=pk)
        data = PartnerTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.referral_act(
            referral=referral, actor=request.user, **_transition_kwargs(data.validated_data)
        )
        return Response(PartnerReferralSerializer(moved).data)


class ReferralOutcomeView(APIView):
    """A clerk (or the partner's staff) enters the outcome for a partner without a system."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=STAFF_TAG,
        request={
            "multipart/form-data": PartnerOutcomeSerializer,
            "application/json": PartnerOutcomeSerializer,
        },
        responses={200: PartnerReferralSerializer},
    )
    def post(self, request: Request, pk: str) -> Response:
        referral, _access = selectors.referral_get_for(user=request.user, pk=pk)
        data = PartnerOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.referral_record_outcome(
            referral=referral,
            actor=request.user,
            outcome_code=data.validated_data["outcome_code"],
            note=data.validated_data["note"],
            upload=data.validated_data.get("file"),
            expected_status=data.validated_data["expected_status"] or None,
        )
        return Response(PartnerReferralSerializer(moved).data)


class DirectoryView(APIView):
    """The partner bodies, their branches and hours, what each accepts and its checklist."""

    @extend_schema(tags=STAFF_TAG, responses={200: PartnerSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = Partner.objects.filter(active=True).prefetch_related(
            Prefetch(
                "branches",
                queryset=Branch.objects.filter(active=True).select_related("city"),
                to_attr="active_branches",
            ),
            Prefetch(
                "referral_kinds",
                queryset=ReferralKind.objects.filter(active=True).prefetch_related("checklist"),
                to_attr="active_kinds",
            ),
        )
        return Response(PartnerSerializer(rows, many=True).data)


class DeadLetterListView(APIView):
    @extend_schema(tags=STAFF_TAG, responses={200: PartnerDeliverySerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(
            PartnerDeliverySerializer(selectors.dead_letters(user=request.user)[:200], many=True).data
        )


class DeadLetterReplayView(APIView):
    @extend_schema(tags=STAFF_TAG, request=None, responses={200: PartnerDeliverySerializer})
    def post(self, request: Request, pk: str) -> Response:
        text = str(pk)
        delivery = (
            selectors.dead_letters(user=request.user)
            .filter(pk=int(text) if text.isdigit() and len(text) < 18 else 0)
            .first()
        )
        if delivery is None:
            raise NotFoundError()
        moved = services.delivery_replay(delivery=delivery, actor=request.user)
        return Response(
            PartnerDeliverySerializer(Delivery.objects.select_related("partner").get(pk=moved.pk)).data
        )
