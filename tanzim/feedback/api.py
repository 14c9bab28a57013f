"""Surveys (public, by link), office results, survey metrics and complaints over the API.

There is deliberately no endpoint that creates a survey invitation: only the system does,
from events (see services.invitations_for_event). Results show aggregates and comments with
their month: no person, phone, case or time finer than a day ever reaches the office.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.api import PAGE_PARAMETERS, paginated
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.http import client_ip
from tanzim.common.idempotency import HEADER, key_from_request
from tanzim.feedback import metrics, periods, selectors, services
from tanzim.feedback.choices import ComplaintAction, ComplaintCategory, ComplaintStatus
from tanzim.feedback.models import Complaint
from tanzim.offices.models import Office

# --- serializers ----------------------------------------------------------------------------------


class SurveyItemSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    text = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like Field.required


class SurveyLinkSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "answered", "expired"])
    office_code = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    questionnaire_version = serializers.IntegerField(source="questionnaire.version")
    title = serializers.CharField(source="questionnaire.title")
    intro = serializers.CharField(source="questionnaire.intro")
    expires_on = serializers.SerializerMethodField()
    scale = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    def get_expires_on(self, link) -> str:
        return timezone.localdate(link.expires_at).isoformat()

    def get_scale(self, link) -> list[int]:
        return [1, 2, 3, 4, 5]

    def get_items(self, link) -> list[dict]:
        return list(SurveyItemSerializer(link.questionnaire.items.all(), many=True).data)


class SurveyAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text=_("One score per item, by dimension (1-5); null for “does not apply” on optional items."),
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


SurveyRecordedSerializer = inline_serializer(
    name="SurveyRecorded", fields={"status": serializers.CharField(), "message": serializers.CharField()}
)


class SurveyFiguresSerializer(serializers.Serializer):
    """Every figure computed from at least ``minimum_shown`` answers; null: not enough answers yet."""

    invitations = serializers.IntegerField()
    responses = serializers.IntegerField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    item_means = serializers.DictField(child=serializers.FloatField(allow_null=True))
    overall_mean = serializers.FloatField(allow_null=True)
    all_items_mean = serializers.FloatField(allow_null=True)
    satisfied_share = serializers.FloatField(allow_null=True)
    shrunk_score = serializers.FloatField(allow_null=True)
    wilson_lower_bound = serializers.FloatField(allow_null=True)
    minimum_sample = serializers.IntegerField()
    below_minimum_sample = serializers.BooleanField()


def _figures(figures: metrics.SurveyFigures) -> dict:
    """Already masked by ``metrics.shown_figures`` in the selectors: nothing to hide here."""
    return dict(SurveyFiguresSerializer(figures).data)


def _day(value) -> str | None:
    return timezone.localdate(value).isoformat() if value is not None else None


class SurveyMonthSerializer(serializers.Serializer):
    period = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    shown = serializers.BooleanField()
    published_on = serializers.DateField(
        allow_null=True, help_text=_("Day the office's figures were published")
    )
    figures = SurveyFiguresSerializer()


class ComplaintFiguresSerializer(serializers.Serializer):
    services = serializers.IntegerField()
    upheld = serializers.IntegerField()
    partly_upheld = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    per_thousand_services = serializers.FloatField(allow_null=True)


class OfficeSurveyResultsSerializer(serializers.Serializer):
    office = serializers.CharField()
    period_from = serializers.CharField()
    period_to = serializers.CharField()
    minimum_shown = serializers.IntegerField()
    publish_batch = serializers.IntegerField(
        help_text=_("New answers needed before figures are published again")
    )
    published_on = serializers.DateField(allow_null=True)
    total = SurveyFiguresSerializer()
    total_shown = serializers.BooleanField()
    months = SurveyMonthSerializer(many=True)
    complaints = ComplaintFiguresSerializer()


class SurveyCommentSerializer(serializers.Serializer):
    period = serializers.CharField()
    text = serializers.CharField()


class SurveyMetricsRowSerializer(serializers.Serializer):
    office = serializers.CharField()
    office_name = serializers.CharField()
    province = serializers.CharField()
    survey = SurveyFiguresSerializer()
    complaints = ComplaintFiguresSerializer()


class SurveyMetricsSerializer(serializers.Serializer):
    period_from = serializers.CharField()
    period_to = serializers.CharField()
    network_mean = serializers.FloatField(allow_null=True)
    prior_weight = serializers.IntegerField()
    offices = SurveyMetricsRowSerializer(many=True)


def _complaint_figures(c: metrics.OfficeComplaintMetrics) -> dict:
    return {
        "services": c.services,
        "upheld": c.upheld,
        "partly_upheld": c.partly_upheld,
        "dismissed": c.dismissed,
        "per_thousand_services": c.per_thousand_services,
    }


class ComplaintAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    pages = serializers.IntegerField()


class ComplaintOfficeViewSerializer(serializers.ModelSerializer):
    """What the office itself sees: the complaint, never who made it."""

    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    category_display = serializers.CharField(source="get_category_display")
    status_display = serializers.CharField(source="get_status_display")
    received_on = serializers.SerializerMethodField()
    decided_on = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "office",
            "office_name",
            "category",
            "category_display",
            "description",
            "about_staff",
            "staff_description",
            "status",
            "status_display",
            "received_on",
            "decided_on",
            "decision_note",
        ]

    def get_received_on(self, c: Complaint) -> str:
        return timezone.localdate(c.created_at).isoformat()

    def get_decided_on(self, c: Complaint) -> str | None:
        return timezone.localdate(c.decided_at).isoformat() if c.decided_at else None


class ComplaintSerializer(ComplaintOfficeViewSerializer):
    """The complainant's and the handler's view."""

    case = serializers.CharField(source="case.tracking_code", allow_null=True, default=None)
    appointment = serializers.CharField(source="appointment.reference", allow_null=True, default=None)
    attachments = ComplaintAttachmentSerializer(many=True, source="attachments.all")
    actions = serializers.SerializerMethodField()

    class Meta(ComplaintOfficeViewSerializer.Meta):
        fields = [
            *ComplaintOfficeViewSerializer.Meta.fields,
            "case",
            "appointment",
            "created_at",
            "status_changed_at",
            "due_at",
            "decided_at",
            "attachments",
            "actions",
        ]

    def get_actions(self, c: Complaint) -> list[str]:
        return services.complaint_available_actions(complaint=c, user=self.context["request"].user)


class ComplaintHandlerSerializer(ComplaintSerializer):
    complainant_name = serializers.CharField(source="complainant.display_name")
    complainant_mobile = serializers.SerializerMethodField()
    handler = serializers.CharField(source="handler.display_name", allow_null=True, default=None)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "complainant_name", "complainant_mobile", "handler"]

    def get_complainant_mobile(self, c: Complaint) -> str:
        return c.complainant.mobile or ""


def complaint_data(complaint: Complaint, request) -> dict:
    viewer = selectors.complaint_viewer(request.user, complaint)
    serializer = {
        "handler": ComplaintHandlerSerializer,
        "complainant": ComplaintSerializer,
        "office": ComplaintOfficeViewSerializer,
    }[viewer]
    return serializer(complaint, context={"request": request}).data


class ComplaintCreateSerializer(serializers.Serializer):
    office = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text=_("Office code")
    )
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=8000)
    about_staff = serializers.BooleanField(default=False)
    staff_description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    case = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    appointment = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class ComplaintTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ComplaintAction.choices)
    expected_status = serializers.ChoiceField(choices=ComplaintStatus.choices, required=False)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ComplaintFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ComplaintEventSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


# --- views ----------------------------------------------------------------------------------------


def _period_params(request) -> tuple[int, int]:
    today = timezone.now()
    current = periods.period_of(today)
    first = (
        periods.parse_period(request.query_params.get("from"), field="from")
        if request.query_params.get("from")
        else periods.shift(current, -5)
    )
    last = (
        periods.parse_period(request.query_params.get("to"), field="to")
        if request.query_params.get("to")
        else current
    )
    if last < first:
        raise DomainError(
            fields={"to": [_("The last month must not be before the first.")]}, code="invalid_period"
        )
    if len(periods.months_between(first, last)) > 24:
        raise DomainError(fields={"from": [_("Choose at most 24 months.")]}, code="period_range_too_long")
    return first, last


class SurveyView(APIView):
    """The public survey behind an SMS link: read the questions, then answer once."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SurveyLinkSerializer}, auth=[])
    def get(self, request, token: str):
        link = selectors.survey_link(token=token, ip=client_ip(request))
        return Response(SurveyLinkSerializer(link).data)

    @extend_schema(request=SurveyAnswerSerializer, responses={201: SurveyRecordedSerializer}, auth=[])
    def post(self, request, token: str):
        data = SurveyAnswerSerializer(data=request.data)
        if not data.is_valid():
            # A bad link is a 404 whatever the body; a good body goes straight to the service,
            # which reads the link once, locked (it is a 404 there too).
            selectors.survey_link(token=token, ip=client_ip(request))
            raise serializers.ValidationError(data.errors)
        services.survey_answer(
            token=token,
            answers=data.validated_data["answers"],
            comment=data.validated_data["comment"],
            language=getattr(request, "LANGUAGE_CODE", "fa"),
            ip=client_ip(request),
            user=request.user,
        )
        return Response(
            {"status": "recorded", "message": str(_("Thank you. Your answers were recorded anonymously."))},
            status=status.HTTP_201_CREATED,
        )


class OfficeResultsView(APIView):
    """An office's survey results by month (aggregates only) and its complaint figures."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=False),
            OpenApiParameter("to", str, required=False),
        ],
        responses={200: OfficeSurveyResultsSerializer},
    )
    def get(self, request, code: str):
        first, last = _period_params(request)
        office = selectors.results_office_get_for(user=request.user, code=code)
        results = selectors.office_results_for(
            user=request.user, office=office, period_from=first, period_to=last
        )
        return Response(
            {
                "office": office.code,
                "period_from": periods.code(first),
                "period_to": periods.code(last),
                "minimum_shown": results.minimum_shown,
                "publish_batch": results.publish_batch,
                "published_on": _day(results.published_at),
                "total": _figures(results.total),
                "total_shown": results.total_shown,
                "months": [
                    {
                        "period": periods.code(m.period),
                        "label": periods.label(m.period),
                        "shown": m.shown,
                        "published_on": _day(m.published_at),
                        "figures": _figures(m.figures),
                    }
                    for m in results.months
                ],
                "complaints": _complaint_figures(results.complaints),
            }
        )


class OfficeCommentsView(APIView):
    """Comments of one month, with the month only (never a person or a time), in a random order."""

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True)],
        responses={200: SurveyCommentSerializer(many=True)},
    )
    def get(self, request, code: str):
        period = periods.parse_period(request.query_params.get("period"))
        office = selectors.results_office_get_for(user=request.user, code=code)
        comments = selectors.office_comments_for(user=request.user, office=office, period=period)
        return Response([{"period": periods.code(c.period), "text": c.text} for c in comments])


class MetricsView(APIView):
    """Survey and complaint metrics of every office the caller oversees (Kanoon, province, inspector)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=False),
            OpenApiParameter("to", str, required=False),
            OpenApiParameter("province", str, required=False, description="Province code"),
        ],
        responses={200: SurveyMetricsSerializer},
    )
    def get(self, request):
        first, last = _period_params(request)
        province = None
        if request.query_params.get("province"):
            province = (
                selectors.oversight_provinces_for(user=request.user)
                .filter(code=request.query_params["province"][:3])
                .first()
            )
            if province is None:
                raise DomainError(fields={"province": [_("Unknown province.")]}, code="unknown_province")
        table = selectors.results_table_for(
            user=request.user, period_from=first, period_to=last, province=province
        )
        return Response(
            {
                "period_from": periods.code(first),
                "period_to": periods.code(last),
                "network_mean": table.network_mean,
                "prior_weight": table.prior_weight,
                "offices": [
                    {
                        "office": row.office.code,
                        "office_name": row.office.name,
                        "province": row.office.province.code,
                        "survey": _figures(row.survey),
                        "complaints": _complaint_figures(row.complaints),
                    }
                    for row in table.rows
                ],
            }
        )


class ComplaintListCreateView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=ComplaintStatus.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(ComplaintSerializer(many=True), "PaginatedComplaintList")},
        operation_id="v1_complaints_list",
    )
    def get(self, request):
        complaints = selectors.complaint_list_for(user=request.user).prefetch_related("attachments")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in ComplaintStatus.values:
                raise DomainError(fields={"status": [_("Unknown status.")]})
            complaints = complaints.filter(status=wanted)
        complaints = complaints.select_related("case", "appointment")
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(complaints.order_by("-created_at", "-pk"), request, view=self)
        return paginator.get_paginated_response([complaint_data(c, request) for c in page])

    @extend_schema(
        request={
            "multipart/form-data": ComplaintCreateSerializer,
            "application/json": ComplaintCreateSerializer,
        },
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={201: ComplaintSerializer, 200: ComplaintSerializer},
    )
    def post(self, request):
        key = key_from_request(request)
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        office = None
        if values.get("office"):
            office = Office.objects.filter(code=values["office"]).first()
            if office is None:
                raise DomainError(fields={"office": [_("Unknown office.")]}, code="unknown_office")
        files = request.FILES.getlist("attachments") if hasattr(request, "FILES") else []
        started = timezone.now()
        complaint = services.complaint_file(
            complainant=request.user,
            office=office,
            category=values["category"],
            description=values["description"],
            about_staff=values["about_staff"],
            staff_description=values["staff_description"],
            case_id=values.get("case"),
            appointment_id=values.get("appointment"),
            attachments=files,
            idempotency_key=key,
        )
        created = complaint.created_at >= started
        return Response(
            complaint_data(complaint, request),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ComplaintDetailView(APIView):
    @extend_schema(responses={200: ComplaintSerializer})
    def get(self, request, reference: str):
        complaint = selectors.complaint_get_for(user=request.user, reference=reference)
        return Response(complaint_data(complaint, request))


class ComplaintTransitionView(APIView):
    @extend_schema(request=ComplaintTransitionSerializer, responses={200: ComplaintSerializer})
    def post(self, request, reference: str):
        data = ComplaintTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = selectors.complaint_get_for(user=request.user, reference=reference)
        moved = services.complaint_transition(
            complaint=complaint,
            actor=request.user,
            action=data.validated_data["action"],
            note=data.validated_data["note"],
            expected_status=data.validated_data.get("expected_status"),
        )
        return Response(complaint_data(moved, request))


class ComplaintAttachmentView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ComplaintFileUploadSerializer},
        responses={201: ComplaintAttachmentSerializer},
    )
    def post(self, request, reference: str):
        data = ComplaintFileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = selectors.complaint_get_for(user=request.user, reference=reference)
        attachment = services.complaint_attach(
            complaint=complaint, actor=request.user, upload=data.validated_data["file"]
        )
        return Response(ComplaintAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ComplaintEventsView(APIView):
    @extend_schema(responses={200: ComplaintEventSerializer(many=True)})
    def get(self, request, reference: str):
        complaint = selectors.complaint_get_for(user=request.user, reference=reference)
        if selectors.complaint_viewer(request.user, complaint) == "office":
            raise NotFoundError()  # the history names the people involved: complainant and handlers only
        events = complaint.events.all()
        return Response(
            [
                {
                    "created_at": e.created_at,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "note": e.note,
                    "due_at": e.due_at,
                }
                for e in events.order_by("created_at", "pk")
            ]
        )
