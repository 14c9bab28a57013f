"""The consult API: published diagnosis trees (public), and consultations (book, read, act).

Transition endpoints take ``{"action", "expected_status"}``; booking accepts an
``Idempotency-Key``. Reads are scoped like the pages: out of scope is the same 404 as missing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.idempotency import HEADER, key_from_request
from tanzim.consult import selectors
from tanzim.consult.choices import ConsultationMode, ConsultationStatus, Outcome, ProblemFamily
from tanzim.consult.models import Consultant, Consultation
from tanzim.consult.services import consultations as services

IDEMPOTENCY = OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)
# Plain strings with their values listed: the project's other "status"/"mode" enums would
# otherwise collide in the schema's component names.
MODES = "One of: " + ", ".join(ConsultationMode.values)
STATUSES = "One of: " + ", ".join(ConsultationStatus.values)
OUTCOMES = "One of: " + ", ".join(Outcome.values)


class ConsultTreeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    family = serializers.ChoiceField(choices=ProblemFamily.choices)
    title = serializers.CharField()
    version = serializers.IntegerField(source="published.number")


class ConsultTreeDetailSerializer(ConsultTreeSerializer):
    definition = serializers.JSONField(source="published.definition")


class ConsultationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    consultant = serializers.CharField(source="consultant.name")
    advises_as = serializers.CharField(source="consultant.get_basis_display")
    mode = serializers.CharField(help_text=MODES)
    status = serializers.CharField(help_text=STATUSES)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    service = serializers.CharField(source="service_code", help_text="The tariff line it is priced by")
    answer_due_at = serializers.DateTimeField(allow_null=True)
    question = serializers.CharField()
    price = serializers.IntegerField(help_text=_("Rials, the remote channel's price"))
    advice = serializers.CharField(allow_blank=True)
    advised_under = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True, help_text=OUTCOMES)
    review_verdict = serializers.CharField(allow_blank=True, help_text="approved, changes or empty")


class ConsultationBookSerializer(serializers.Serializer):
    consultant = serializers.IntegerField()
    mode = serializers.CharField(help_text=MODES)
    question = serializers.CharField(max_length=4000)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    minutes = serializers.IntegerField(
        required=False,
        default=30,
        help_text="Length of a video or phone call: 30 or 60 (priced by its tariff line)",
    )


class ConsultationTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("answer", "answer"), ("close", "close")])
    expected_status = serializers.CharField(help_text=STATUSES)
    advice = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    verdict = serializers.CharField(
        required=False, allow_blank=True, help_text="On a draft sent for review: approved or changes"
    )
    outcome = serializers.CharField(required=False, help_text=OUTCOMES)


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise DomainError(fields=dict(serializer.errors))
    return dict(serializer.validated_data)


class TreeListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=ConsultTreeSerializer(many=True), tags=["consult"])
    def get(self, request: Request) -> Response:
        trees = selectors.tree_list_published().select_related("published")
        return Response(ConsultTreeSerializer(trees, many=True).data)


class TreeDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=ConsultTreeDetailSerializer, tags=["consult"])
    def get(self, request: Request, slug: str) -> Response:
        version = selectors.tree_version_for_run(slug=slug)
        return Response(ConsultTreeDetailSerializer(version.tree).data)


class ConsultationListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ConsultationSerializer(many=True), tags=["consult"])
    def get(self, request: Request) -> Response:
        rows = selectors.consultation_list_for_citizen(user=request.user).select_related(
            "consultant__office"
        )[:100]
        return Response(ConsultationSerializer(rows, many=True).data)

    @extend_schema(
        request=ConsultationBookSerializer,
        responses={201: ConsultationSerializer},
        parameters=[IDEMPOTENCY],
        tags=["consult"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(ConsultationBookSerializer(data=request.data))
        consultant = Consultant.objects.filter(pk=data["consultant"]).select_related("office", "user").first()
        if consultant is None:
            raise NotFoundError(_("Consultant not found."))
        consultation = services.consultation_book(
            citizen=request.user,
            consultant=consultant,
            mode=data["mode"],
            question=data["question"],
            starts_at=data.get("starts_at"),
            minutes=data.get("minutes") or 30,
            idempotency_key=key_from_request(request),
        )
        return Response(ConsultationSerializer(consultation).data, status=status.HTTP_201_CREATED)


class ConsultationDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ConsultationSerializer, tags=["consult"])
    def get(self, request: Request, reference: str) -> Response:
        return Response(
            ConsultationSerializer(
                selectors.consultation_get_for(user=request.user, reference=reference)
            ).data
        )


class ConsultationTransitionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ConsultationTransitionSerializer, responses=ConsultationSerializer, tags=["consult"]
    )
    def post(self, request: Request, reference: str) -> Response:
        consultation: Consultation = selectors.consultation_get_for(user=request.user, reference=reference)
        data = _valid(ConsultationTransitionSerializer(data=request.data))
        if data["action"] == "answer":
            moved = services.consultation_answer(
                consultation=consultation,
                actor=request.user,
                advice=data.get("advice", ""),
                verdict=data.get("verdict", ""),
                expected_status=data["expected_status"],
            )
        else:
            moved = services.consultation_close(
                consultation=consultation,
                actor=request.user,
                outcome=data.get("outcome", ""),
                expected_status=data["expected_status"],
            )
        return Response(ConsultationSerializer(moved).data)
