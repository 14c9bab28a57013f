"""Sessions (set and recorded), the times a party proposes, and documents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import NotFoundError
from tanzim.disputes import selectors, services
from tanzim.disputes.api._common import DisputeMessageSerializer, _dispute, _errors, _valid
from tanzim.disputes.api.serializers import DisputeDocumentSerializer, DisputeSessionSerializer
from tanzim.disputes.choices import SessionMode, SessionResult
from tanzim.disputes.models import Session


class DisputeSessionInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=15, max_value=240, default=60)
    mode = serializers.ChoiceField(choices=SessionMode.choices, default=SessionMode.IN_PERSON)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DisputeSessionRecordSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("held", "held"), ("no_show", "no_show"), ("cancelled", "cancelled")]
    )
    result = serializers.ChoiceField(
        choices=SessionResult.choices, required=False, allow_blank=True, default=""
    )
    claimant_attended = serializers.BooleanField(required=False, allow_null=True, default=None)
    respondent_attended = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeProposalSerializer(serializers.Serializer):
    times = serializers.ListField(child=serializers.DateTimeField(), min_length=1, max_length=3)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisputeDocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    shared = serializers.BooleanField(default=True)


class SessionListView(APIView):
    @extend_schema(responses={200: DisputeSessionSerializer(many=True), **_errors(404)})
    def get(self, request, pk: int):
        dispute = _dispute(request, pk)
        return Response(DisputeSessionSerializer(dispute.sessions.select_related("convener"), many=True).data)

    @extend_schema(
        request=DisputeSessionInputSerializer,
        responses={201: DisputeSessionSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeSessionInputSerializer, request.data)
        session = services.session_schedule(dispute=_dispute(request, pk), actor=request.user, **data)
        return Response(DisputeSessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionRecordView(APIView):
    @extend_schema(
        request=DisputeSessionRecordSerializer,
        responses={200: DisputeSessionSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, session_id: int):
        dispute = _dispute(request, pk)
        session = (
            Session.objects.filter(pk=session_id, dispute=dispute).first() if session_id < 2**62 else None
        )
        if session is None:
            raise NotFoundError()
        data = _valid(DisputeSessionRecordSerializer, request.data)
        return Response(
            DisputeSessionSerializer(
                services.session_record(session=session, actor=request.user, **data)
            ).data
        )


class ProposalView(APIView):
    @extend_schema(
        request=DisputeProposalSerializer,
        responses={201: DisputeMessageSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeProposalSerializer, request.data)
        services.proposal_create(
            dispute=_dispute(request, pk), actor=request.user, times=data["times"], note=data["note"]
        )
        return Response(
            {"message": str(_("Your proposed times were sent to the office."))},
            status=status.HTTP_201_CREATED,
        )


class DocumentListView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: DisputeDocumentSerializer(many=True), **_errors(404)})
    def get(self, request, pk: int):
        dispute = _dispute(request, pk)
        access = selectors.access_for(dispute=dispute, user=request.user)
        return Response(
            DisputeDocumentSerializer(selectors.documents_for(dispute=dispute, access=access), many=True).data
        )

    @extend_schema(
        request=DisputeDocumentInputSerializer,
        responses={201: DisputeDocumentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeDocumentInputSerializer, request.data)
        document = services.document_add(
            dispute=_dispute(request, pk),
            actor=request.user,
            upload=data["file"],
            title=data["title"],
            shared=data["shared"],
        )
        return Response(DisputeDocumentSerializer(document).data, status=status.HTTP_201_CREATED)
