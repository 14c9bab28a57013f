"""Cases API: drafting, documents, the workflow, the office worklist and metrics."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.permissions import is_office_staff
from tanzim.accounts.services import citizen_register_at_counter
from tanzim.cases import selectors, services
from tanzim.cases.choices import CaseStatus, PartyKind, PartyRole, ProceedingStage
from tanzim.cases.models import Case, CaseEvent, Document, Party
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.selectors import service_get
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.files import file_redirect
from tanzim.common.money import MAX_RIALS
from tanzim.finance.choices import FreeServiceGround
from tanzim.offices.models import Office, Province


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = [
            "id",
            "role",
            "kind",
            "name",
            "national_code",
            "legal_id",
            "phone",
            "address",
            "resident_abroad",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "title", "content_type", "size", "pages", "sha256", "uploaded_at"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    on_behalf_of = serializers.CharField(source="on_behalf_of.username", default=None, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["created_at", "from_status", "to_status", "actor", "on_behalf_of", "reason", "due_at"]


class CaseSerializer(serializers.ModelSerializer):
    tracking_code_display = serializers.CharField(read_only=True)
    service = serializers.CharField(source="service.code")
    office = serializers.CharField(source="office.code")
    applicant = serializers.CharField(source="applicant.get_full_name")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "tracking_code",
            "tracking_code_display",
            "service",
            "channel",
            "office",
            "applicant",
            "status",
            "status_changed_at",
            "due_at",
            "overdue",
            "title",
            "claim_text",
            "claim_amount",
            "proceeding",
            "free_service",
            "originals_confirmed",
            "identity_method",
            "fee_snapshot",
            "correction_note",
            "outcome_reason",
            "external_ref",
            "created_at",
        ]

    def get_overdue(self, case: Case) -> bool:
        return selectors.is_overdue(case)


class CaseDetailSerializer(CaseSerializer):
    parties = PartySerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "parties", "documents"]


class ApplicantSerializer(serializers.Serializer):
    national_code = serializers.CharField(max_length=20)
    mobile = serializers.CharField(max_length=20)
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class CaseCreateSerializer(serializers.Serializer):
    service = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(choices=ChannelKind.choices)
    office = serializers.CharField(max_length=12)
    title = serializers.CharField(max_length=200)
    claim_text = serializers.CharField(required=False, allow_blank=True, default="")
    claim_amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_RIALS, default=None
    )
    free_service = serializers.BooleanField(default=False)
    ground = serializers.ChoiceField(
        choices=FreeServiceGround.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("With free_service: the ground (note to art. 505 of the Civil Procedure Code)"),
    )
    evidence_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    confirmation_document = serializers.FileField(
        required=False, allow_null=True, default=None, help_text=_("PDF, JPEG or PNG (send as multipart)")
    )
    mission = serializers.IntegerField(required=False, allow_null=True, default=None)
    proceeding = serializers.ChoiceField(
        choices=ProceedingStage.choices, default=ProceedingStage.FIRST_INSTANCE
    )
    applicant = ApplicantSerializer(required=False, help_text=_("Staff only: the walk-in citizen"))


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    claim_text = serializers.CharField(required=False, allow_blank=True)
    claim_amount = serializers.IntegerField(required=False, min_value=0, max_value=MAX_RIALS)
    proceeding = serializers.ChoiceField(choices=ProceedingStage.choices, required=False)
    judgment_notified_on = serializers.DateField(required=False)
    applicant_abroad = serializers.BooleanField(required=False)


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.NATURAL)
    name = serializers.CharField(max_length=200)
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    legal_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    resident_abroad = serializers.BooleanField(default=False)


class DocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CaseTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in services.ACTIONS])
    expected_status = serializers.ChoiceField(
        choices=CaseStatus.choices, help_text=_("The status you saw: a stale move is refused with 409")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    identity_checked_in_person = serializers.BooleanField(default=False)


def _case(request, pk) -> Case:
    return selectors.case_get_for(user=request.user, pk=pk)


class CaseListView(APIView):
    # JSON, or multipart when a free service's confirmation document comes with it.
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        responses={200: CaseSerializer(many=True)},
        parameters=[OpenApiParameter("status", str, enum=CaseStatus.values, required=False)],
    )
    def get(self, request):
        cases = selectors.case_list_for(user=request.user).order_by("-created_at")
        if request.query_params.get("status"):
            cases = cases.filter(status=request.query_params["status"])
        return Response(CaseSerializer(cases[:200], many=True).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer})
    def post(self, request):
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        office = Office.objects.filter(code=values.pop("office")).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]})
        service = service_get(code=values.pop("service"))
        applicant_data = values.pop("applicant", None)
        applicant = None
        if applicant_data:
            if not is_office_staff(request.user, office):
                raise NotFoundError(_("Unknown office."), code="office_not_found")
            applicant = citizen_register_at_counter(actor=request.user, **applicant_data)
        case = services.case_create(
            actor=request.user, applicant=applicant, service=service, office=office, **values
        )
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses={200: CaseDetailSerializer})
    def get(self, request, pk: int):
        return Response(CaseDetailSerializer(_case(request, pk)).data)

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseDetailSerializer})
    def patch(self, request, pk: int):
        data = CaseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_update(case=_case(request, pk), actor=request.user, **data.validated_data)
        return Response(CaseDetailSerializer(case).data)


class PartyListView(APIView):
    @extend_schema(request=PartyInputSerializer, responses={201: PartySerializer})
    def post(self, request, pk: int):
        data = PartyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        party = services.party_add(case=_case(request, pk), actor=request.user, **data.validated_data)
        return Response(PartySerializer(party).data, status=status.HTTP_201_CREATED)


class PartyDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, party_id: int):
        case = _case(request, pk)
        party = case.parties.filter(pk=party_id).first()
        if party is None:
            raise NotFoundError()
        services.party_remove(party=party, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentListView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DocumentInputSerializer}, responses={201: DocumentSerializer}
    )
    def post(self, request, pk: int):
        data = DocumentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_add(
            case=_case(request, pk),
            actor=request.user,
            upload=data.validated_data["file"],
            title=data.validated_data["title"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(APIView):
    @extend_schema(
        responses={
            303: OpenApiResponse(
                description="See Other: the file, at a signed link valid for five minutes (Location)."
            ),
            404: OpenApiResponse(description="Not found or outside your scope"),
        }
    )
    def get(self, request, document_id: int):
        document = selectors.document_open_for(user=request.user, document_id=document_id, purpose="api")
        return file_redirect(
            document,
            user=request.user,
            content_type=document.content_type,
            filename=f"{document.case.tracking_code}-{document.pk}{document.extension}",
        )

    @extend_schema(responses={204: None})
    def delete(self, request, document_id: int):
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            raise NotFoundError()
        _case(request, document.case_id)
        services.document_remove(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConfirmOriginalsView(APIView):
    @extend_schema(request=None, responses={200: CaseDetailSerializer})
    def post(self, request, pk: int):
        case = services.case_confirm_originals(case=_case(request, pk), actor=request.user)
        return Response(CaseDetailSerializer(case).data)


class TransitionView(APIView):
    """One endpoint for every workflow move; ``expected_status`` makes a stale move a 409."""

    @extend_schema(request=CaseTransitionSerializer, responses={200: CaseDetailSerializer})
    def post(self, request, pk: int):
        data = CaseTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_act(case=_case(request, pk), actor=request.user, **data.validated_data)
        return Response(CaseDetailSerializer(Case.objects.get(pk=case.pk)).data)


class EventListView(APIView):
    @extend_schema(responses={200: EventSerializer(many=True)})
    def get(self, request, pk: int):
        return Response(EventSerializer(selectors.case_events(case=_case(request, pk)), many=True).data)


class WorklistView(APIView):
    @extend_schema(
        responses={200: CaseSerializer(many=True)},
        parameters=[OpenApiParameter("status", str, enum=CaseStatus.values, required=False)],
    )
    def get(self, request):
        cases = selectors.worklist_for(user=request.user, status=request.query_params.get("status") or None)
        return Response(CaseSerializer(cases[:200], many=True).data)


class SearchView(APIView):
    @extend_schema(
        responses={200: CaseSerializer(many=True)},
        parameters=[
            OpenApiParameter("q", str, required=True, description=_("Tracking code or national code"))
        ],
    )
    def get(self, request):
        cases = selectors.case_search_for(user=request.user, query=request.query_params.get("q", ""))
        return Response(CaseSerializer(cases[:50], many=True).data)


class CaseMetricsSerializer(serializers.Serializer):
    by_channel = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    no_visit_share = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    mean_seconds_in_status = serializers.DictField(child=serializers.FloatField(allow_null=True))


class MetricsView(APIView):
    @extend_schema(
        responses={200: CaseMetricsSerializer},
        parameters=[
            OpenApiParameter("office", str, required=False),
            OpenApiParameter("province", str, required=False),
        ],
    )
    def get(self, request):
        office = Office.objects.filter(code=request.query_params.get("office")).first()
        province = request.query_params.get("province")
        filters = {"office_id": office.pk if office else None, "province_id": None}
        if province:
            filters["province_id"] = getattr(Province.objects.filter(code=province).first(), "pk", -1)
        data = selectors.channel_metrics(user=request.user, **filters)
        data["overdue"] = selectors.overdue_count(user=request.user, **filters)
        data["mean_seconds_in_status"] = {
            k: (v.total_seconds() if v else None)
            for k, v in selectors.time_in_status(user=request.user, **filters).items()
        }
        return Response(CaseMetricsSerializer(data).data)
