"""Disputes API: intake and the ladder, the respondent's join, sessions, settlement and signing,
arbitration and award, referral, the office board, dockets and figures.

Views parse input with serializers and call one service or selector; errors come back in the
one envelope ``{"code", "message", "fields"}`` (400 bad input, 403, 404 out of scope, 409 stale).
"""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.permissions import OFFICE_READERS, is_office_staff
from tanzim.accounts.selectors import scope_for
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.http import client_ip
from tanzim.common.idempotency import key_from_request
from tanzim.common.identifiers import mask_national_code, mask_phone
from tanzim.common.jalali import format_jalali, jalali_year_month
from tanzim.disputes import documents, metrics, selectors, services
from tanzim.disputes.choices import (
    MANUAL_FAILURE_REASONS,
    AgreementKind,
    ArbitratorSeat,
    CriminalTrack,
    DisputeCategory,
    DisputeStatus,
    Disqualification,
    ObligationKind,
    PartyRole,
    ReferralReason,
    ReferralTarget,
    SessionMode,
    SessionResult,
    SettlementStatus,
)
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    Dispute,
    DisputeDocument,
    DisputeEvent,
    Obligation,
    Party,
    Referral,
    Session,
    Settlement,
    TriageRule,
)
from tanzim.offices.models import Office

ERRORS = {
    400: OpenApiResponse(description=_("Bad input: {code, message, fields}")),
    403: OpenApiResponse(description=_("Not allowed")),
    404: OpenApiResponse(description=_("Not found or outside your scope")),
    409: OpenApiResponse(description=_("Changed by someone else or not possible at this stage")),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


# --- output serializers ---------------------------------------------------------------------------


class DisputePartySerializer(serializers.ModelSerializer):
    joined = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["role", "name", "national_code", "mobile", "resident_abroad", "joined", "joined_at"]

    def get_joined(self, party: Party) -> bool:
        return party.user_id is not None


class DisputeSerializer(serializers.ModelSerializer):
    reference_display = serializers.CharField(read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    mediator = serializers.CharField(source="mediator.display_name", default=None, read_only=True)
    parties = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    due_at_jalali = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "reference_display",
            "office",
            "case",
            "origin",
            "category",
            "claim_amount",
            "summary",
            "status",
            "status_changed_at",
            "due_at",
            "due_at_jalali",
            "overdue",
            "eligible",
            "path",
            "triage_note",
            "referral_target",
            "mediator",
            "criminal_track",
            "window_started_on",
            "window_ends_on",
            "window_extensions",
            "invite_attempts",
            "respondent_response",
            "failure_reason",
            "outcome_note",
            "created_at",
            "concluded_at",
            "parties",
        ]

    def get_overdue(self, dispute: Dispute) -> bool:
        return selectors.is_overdue(dispute)

    @extend_schema_field(DisputePartySerializer(many=True))
    def get_parties(self, dispute: Dispute) -> list[dict]:
        """The office side sees the parties in full; a party sees the other's identifiers masked."""
        user = self.context.get("user")
        if "scope" not in self.context:
            self.context["scope"] = scope_for(user) if user is not None else None
        scope = self.context["scope"]
        office_side = scope is not None and (
            scope.can_act_for_office(dispute.office, *OFFICE_READERS)
            or (dispute.mediator_id is not None and dispute.mediator_id == getattr(user, "pk", None))
        )
        rows = []
        for party in dispute.parties.all():
            row = DisputePartySerializer(party).data
            if not office_side and party.user_id != getattr(user, "pk", None):
                row["national_code"] = mask_national_code(party.national_code) if party.national_code else ""
                row["mobile"] = mask_phone(party.mobile) if party.mobile else ""
            rows.append(row)
        return rows

    def get_due_at_jalali(self, dispute: Dispute) -> str:
        return format_jalali(dispute.due_at, persian_digits=False)


class DisputeEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    on_behalf_of = serializers.CharField(source="on_behalf_of.username", default=None)

    class Meta:
        model = DisputeEvent
        fields = [
            "created_at",
            "subject",
            "subject_id",
            "from_status",
            "to_status",
            "actor",
            "on_behalf_of",
            "reason",
            "due_at",
        ]


class DisputeSessionSerializer(serializers.ModelSerializer):
    convener = serializers.CharField(source="convener.display_name")

    class Meta:
        model = Session
        fields = [
            "id",
            "kind",
            "number",
            "convener",
            "starts_at",
            "ends_at",
            "mode",
            "location",
            "status",
            "result",
            "claimant_attended",
            "respondent_attended",
            "notes",
            "recorded_at",
        ]


class DisputeObligationSerializer(serializers.ModelSerializer):
    obligor = serializers.CharField(source="obligor.role")

    class Meta:
        model = Obligation
        fields = ["position", "obligor", "kind", "description", "amount", "due_date"]


class DisputeSettlementSerializer(serializers.ModelSerializer):
    obligations = DisputeObligationSerializer(many=True, read_only=True)
    signed_by = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = [
            "id",
            "number",
            "status",
            "terms",
            "content_hash",
            "opened_at",
            "signed_at",
            "voided_at",
            "void_reason",
            "obligations",
            "signed_by",
            "total",
        ]

    def get_signed_by(self, settlement: Settlement) -> list[str]:
        return sorted(s.party.role for s in settlement.signatures.select_related("party"))

    def get_total(self, settlement: Settlement) -> int:
        return sum(o.amount or 0 for o in settlement.obligations.all())


class DisputeArbitratorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Arbitrator
        fields = [
            "id",
            "seat",
            "name",
            "status",
            "declared_at",
            "grounds",
            "declaration_note",
            "waived_by_claimant_at",
            "waived_by_respondent_at",
            "notified_at",
        ]


class DisputeAwardSerializer(serializers.ModelSerializer):
    in_favour_of = serializers.CharField(source="in_favour_of.role", default=None)

    class Meta:
        model = Award
        fields = [
            "decided_on",
            "reasoning",
            "decision",
            "amount",
            "in_favour_of",
            "dissent",
            "delivered_at",
            "compliance_due",
            "annulment_deadline",
            "compliance",
        ]


class DisputeArbitrationSerializer(serializers.ModelSerializer):
    arbitrators = DisputeArbitratorSerializer(many=True, read_only=True)
    award = serializers.SerializerMethodField()

    class Meta:
        model = Arbitration
        fields = [
            "id",
            "agreement_kind",
            "agreement_date",
            "agreement_text",
            "panel_size",
            "agreed_term_days",
            "status",
            "all_notified_on",
            "term_ends_on",
            "extensions",
            "arbitrators",
            "award",
        ]

    @extend_schema_field(DisputeAwardSerializer(allow_null=True))
    def get_award(self, arbitration: Arbitration) -> dict | None:
        award = Award.objects.filter(arbitration=arbitration).select_related("in_favour_of").first()
        return DisputeAwardSerializer(award).data if award else None


class DisputeReferralSerializer(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = [
            "id",
            "purpose",
            "target",
            "reason",
            "note",
            "status",
            "tracking_reference",
            "created_at",
            "sent_at",
        ]


class DisputeDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeDocument
        fields = ["id", "title", "content_type", "size", "pages", "sha256", "shared", "uploaded_at"]


class DisputeDetailSerializer(DisputeSerializer):
    sessions = DisputeSessionSerializer(many=True, read_only=True)
    settlement = serializers.SerializerMethodField()
    arbitration = serializers.SerializerMethodField()
    referrals = DisputeReferralSerializer(many=True, read_only=True)

    class Meta(DisputeSerializer.Meta):
        fields = [*DisputeSerializer.Meta.fields, "sessions", "settlement", "arbitration", "referrals"]

    @extend_schema_field(DisputeSettlementSerializer(allow_null=True))
    def get_settlement(self, dispute: Dispute) -> dict | None:
        settlement = selectors.live_settlement(dispute=dispute) or selectors.signed_settlement(
            dispute=dispute
        )
        return DisputeSettlementSerializer(settlement).data if settlement else None

    @extend_schema_field(DisputeArbitrationSerializer(allow_null=True))
    def get_arbitration(self, dispute: Dispute) -> dict | None:
        arbitration = selectors.live_arbitration(dispute=dispute)
        return DisputeArbitrationSerializer(arbitration).data if arbitration else None


class DisputeTriageRuleSerializer(serializers.ModelSerializer):
    ceiling = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TriageRule
        fields = [
            "category",
            "eligible",
            "path",
            "ceiling",
            "over_ceiling_path",
            "requires_amount",
            "halves_court_fee",
            "referral_target",
            "over_ceiling_referral_target",
            "note_fa",
            "note_en",
        ]


class DisputeMessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class DisputeSignResultSerializer(serializers.Serializer):
    already_signed = serializers.BooleanField()
    completed = serializers.BooleanField()
    message = serializers.CharField()
    settlement = DisputeSettlementSerializer()


class DisputeCodeSentSerializer(serializers.Serializer):
    masked_mobile = serializers.CharField()
    already_signed = serializers.BooleanField()


class DisputeJoinTicketSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    masked_mobile = serializers.CharField()


class DisputeJoinResultSerializer(serializers.Serializer):
    dispute = serializers.IntegerField()
    token = serializers.CharField()


class DisputeColumnSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    overdue = serializers.IntegerField()


class DisputeBoardSerializer(serializers.Serializer):
    columns = DisputeColumnSerializer(many=True)
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rows = DisputeSerializer(many=True)


class DisputeFiguresSerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    concluded = serializers.IntegerField()
    settled = serializers.IntegerField()
    awarded = serializers.IntegerField()
    referred = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    closed = serializers.IntegerField()
    out_of_scope = serializers.IntegerField()
    resolved = serializers.IntegerField()
    services = serializers.IntegerField()
    settlement_rate = serializers.FloatField(allow_null=True)
    kept_out_per_1000_services = serializers.FloatField(allow_null=True)
    mean_days_to_resolution = serializers.FloatField(allow_null=True)
    median_days_to_resolution = serializers.FloatField(allow_null=True)
    respondents_engaged = serializers.IntegerField()
    respondents_not_contactable = serializers.IntegerField()
    engagement_rate = serializers.FloatField(allow_null=True)
    timeliness = serializers.FloatField(allow_null=True)
    failure_reasons = serializers.DictField(child=serializers.IntegerField())


class DisputeAreaFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    figures = DisputeFiguresSerializer()


class DisputeReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    nation = DisputeFiguresSerializer()
    provinces = DisputeAreaFiguresSerializer(many=True)
    offices = DisputeAreaFiguresSerializer(many=True)


def _report_data(report: metrics.Report) -> dict:
    return {
        "start": report.start,
        "end": report.end,
        "nation": report.nation.as_dict(),
        "provinces": [{"code": p.code, "name": p.name, "figures": f.as_dict()} for p, f in report.provinces],
        "offices": [{"code": o.code, "name": o.name, "figures": f.as_dict()} for o, f in report.offices],
    }


# --- input serializers ----------------------------------------------------------------------------


class DisputePartyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    resident_abroad = serializers.BooleanField(default=False)


class DisputeCreateSerializer(serializers.Serializer):
    office = serializers.CharField(
        max_length=12, required=False, help_text=_("Office code (not needed with a case)")
    )
    case = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text=_("Open from this case")
    )
    category = serializers.ChoiceField(choices=DisputeCategory.choices)
    claim_amount = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**15)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    claimant = DisputePartyInputSerializer(required=False)
    respondent = DisputePartyInputSerializer(required=False)
    triage = serializers.BooleanField(default=True, help_text=_("Triage at once (the default)"))


class DisputeActionSerializer(serializers.Serializer):
    ACTIONS = [
        "triage",
        "invite",
        "accept",
        "decline",
        "withdraw",
        "fail",
        "close",
        "refer",
        "assign",
        "extend",
        "track",
    ]
    action = serializers.ChoiceField(choices=[(a, a) for a in ACTIONS])
    expected_status = serializers.ChoiceField(
        choices=DisputeStatus.choices,
        required=False,
        help_text=_("The stage you saw: a stale move is refused with 409"),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    target = serializers.ChoiceField(choices=ReferralTarget.choices, required=False)
    mediator = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    track = serializers.ChoiceField(choices=CriminalTrack.choices, required=False)


class DisputePartyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    resident_abroad = serializers.BooleanField(required=False)


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


class DisputeArbitrationInputSerializer(serializers.Serializer):
    agreement_kind = serializers.ChoiceField(choices=AgreementKind.choices)
    agreement_date = serializers.DateField()
    agreement_text = serializers.CharField(max_length=10000)
    panel_size = serializers.ChoiceField(choices=[(1, "1"), (3, "3")], default=1)
    agreed_term_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)


class DisputeArbitratorInputSerializer(serializers.Serializer):
    seat = serializers.ChoiceField(choices=ArbitratorSeat.choices)
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text=_("An arbitrator of the office")
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    national_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)


class DisputeDeclarationSerializer(serializers.Serializer):
    grounds = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[(g.value, g.label) for g in Disqualification if g != Disqualification.UNDER_AGE]
        ),
        default=list,
        max_length=10,
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DisputeArbitratorActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[("accept", "accept"), ("waive", "waive"), ("withdraw", "withdraw")]
    )
    party = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisputeExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)
    agreed_by_both = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisputeAwardInputSerializer(serializers.Serializer):
    reasoning = serializers.CharField(max_length=20000)
    decision = serializers.CharField(max_length=10000)
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15, default=None
    )
    in_favour_of = serializers.ChoiceField(
        choices=PartyRole.choices, required=False, allow_blank=True, default=""
    )
    dissent = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class DisputeComplianceSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("complied", "complied"), ("enforce", "enforce")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


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


class DisputeJoinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    national_code = serializers.CharField(max_length=20)


class DisputeJoinVerifySerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=2**62)
    national_code = serializers.CharField(max_length=20)
    otp = serializers.CharField(max_length=12)


class DisputePeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1390, max_value=1500)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    office = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    province = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


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


# --- disputes -------------------------------------------------------------------------------------


class DisputeListView(APIView):
    @extend_schema(
        parameters=[
            STATUS_PARAM,
            OpenApiParameter("category", str, enum=DisputeCategory.values, required=False),
            OpenApiParameter("office", str, required=False, description=_("Office code")),
        ],
        responses={200: DisputeSerializer(many=True)},
    )
    def get(self, request):
        disputes = selectors.dispute_list_for(user=request.user).order_by("-created_at", "-pk")
        params = request.query_params
        if params.get("status") in DisputeStatus.values:
            disputes = disputes.filter(status=params["status"])
        if params.get("category") in DisputeCategory.values:
            disputes = disputes.filter(category=params["category"])
        if params.get("office"):
            disputes = disputes.filter(office__code=str(params["office"])[:12])
        return Response(DisputeSerializer(disputes[:200], many=True, context={"user": request.user}).data)

    @extend_schema(
        request=DisputeCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: DisputeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request):
        data = _valid(DisputeCreateSerializer, request.data)
        key = key_from_request(request)
        if data.get("case"):
            from tanzim.cases.selectors import case_get_for

            case = case_get_for(user=request.user, pk=data["case"])
            dispute = services.dispute_open_from_case(
                case=case,
                actor=request.user,
                category=data["category"],
                summary=data["summary"],
                respondent_mobile=(data.get("respondent") or {}).get("mobile", ""),
                idempotency_key=key,
            )
        else:
            office = Office.objects.filter(code=str(data.get("office") or "")[:12]).first()
            if office is None:
                raise DomainError(fields={"office": [_("Unknown office.")]})
            if not is_office_staff(request.user, office):
                raise NotFoundError(_("Unknown office."), code="office_not_found")
            dispute = services.dispute_open(
                actor=request.user,
                office=office,
                category=data["category"],
                claim_amount=data.get("claim_amount"),
                summary=data["summary"],
                claimant=services.PartyInput(**(data.get("claimant") or {})),
                respondent=services.PartyInput(**(data.get("respondent") or {})),
                idempotency_key=key,
            )
        if data["triage"] and dispute.status == DisputeStatus.INTAKE:
            dispute = services.dispute_triage(dispute=dispute, actor=request.user)
        return _detail(dispute, status.HTTP_201_CREATED, user=request.user)


class DisputeDetailView(APIView):
    @extend_schema(responses={200: DisputeDetailSerializer, **_errors(404)})
    def get(self, request, pk: int):
        return _detail(_dispute(request, pk), user=request.user)


class EventListView(APIView):
    @extend_schema(responses={200: DisputeEventSerializer(many=True), **_errors(404)})
    def get(self, request, pk: int):
        return Response(
            DisputeEventSerializer(selectors.dispute_events(dispute=_dispute(request, pk)), many=True).data
        )


class ActionView(APIView):
    """Moves on the ladder: triage, invite, accept, decline, withdraw, fail, close, refer, assign,
    extend, track."""

    @extend_schema(
        request=DisputeActionSerializer,
        responses={200: DisputeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeActionSerializer, request.data)
        dispute = _dispute(request, pk)
        user, action = request.user, data["action"]
        expected, note = data.get("expected_status"), data["note"]
        if action == "triage":
            dispute = services.dispute_triage(dispute=dispute, actor=user, expected_status=expected)
        elif action == "invite":
            dispute = services.dispute_invite(dispute=dispute, actor=user, expected_status=expected).dispute
        elif action in ("accept", "decline"):
            dispute = services.dispute_respond(
                dispute=dispute, actor=user, accept=action == "accept", note=note, expected_status=expected
            )
        elif action == "withdraw":
            dispute = services.dispute_withdraw(
                dispute=dispute, actor=user, note=note, expected_status=expected
            )
        elif action == "fail":
            if data["reason"] not in [r.value for r in MANUAL_FAILURE_REASONS]:
                raise DomainError(fields={"reason": [_("Choose a reason.")]})
            dispute = services.dispute_fail(
                dispute=dispute, actor=user, reason=data["reason"], note=note, expected_status=expected
            )
        elif action == "close":
            dispute = services.dispute_close(dispute=dispute, actor=user, note=note, expected_status=expected)
        elif action == "refer":
            services.referral_create(
                dispute=dispute,
                actor=user,
                target=data.get("target"),
                reason=data["reason"] or None,
                note=note,
                expected_status=expected,
            )
        elif action == "assign":
            mediator = None
            if data.get("mediator"):
                mediator = next(
                    (u for u in services.mediators_of(dispute.office) if u.pk == data["mediator"]), None
                )
                if mediator is None:
                    raise DomainError(
                        fields={
                            "mediator": [_("This person is not a peace-maker or mediator of the office.")]
                        }
                    )
            dispute = services.mediator_assign(dispute=dispute, actor=user, mediator=mediator)
        elif action == "extend":
            dispute = services.window_extend(dispute=dispute, actor=user, reason=note)
        elif action == "track":
            if not data.get("track"):
                raise DomainError(fields={"track": [_("Choose the waiver or the mediation track.")]})
            dispute = services.criminal_track_set(dispute=dispute, actor=user, track=data["track"])
        return _detail(dispute, user=request.user)


class PartyView(APIView):
    @extend_schema(
        request=DisputePartyUpdateSerializer,
        responses={200: DisputePartySerializer, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request, pk: int, role: str):
        dispute = _dispute(request, pk)
        if role not in PartyRole.values:
            raise NotFoundError()
        data = _valid(DisputePartyUpdateSerializer, request.data)
        party = services.party_update(
            party=selectors.party_of(dispute=dispute, role=role), actor=request.user, **data
        )
        return Response(DisputePartySerializer(party).data)


# --- sessions, proposals, documents ---------------------------------------------------------------


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


# --- settlement -----------------------------------------------------------------------------------


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
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **_errors(404)})
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
            return FileResponse(
                settlement.pdf.open("rb"),
                content_type="application/pdf",
                filename=f"settlement-{dispute.reference}.pdf",
            )
        content = documents.settlement_pdf(settlement=settlement, language=request.LANGUAGE_CODE)
        return HttpResponse(content, content_type="application/pdf")


# --- arbitration ----------------------------------------------------------------------------------


def _live_arbitration(dispute: Dispute) -> Arbitration:
    arbitration = selectors.live_arbitration(dispute=dispute)
    if arbitration is None:
        raise NotFoundError(_("There is no arbitration."), code="no_arbitration")
    return arbitration


class ArbitrationView(APIView):
    @extend_schema(
        request=DisputeArbitrationInputSerializer,
        responses={201: DisputeArbitrationSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeArbitrationInputSerializer, request.data)
        data["panel_size"] = int(data["panel_size"])
        arbitration = services.arbitration_start(dispute=_dispute(request, pk), actor=request.user, **data)
        return Response(DisputeArbitrationSerializer(arbitration).data, status=status.HTTP_201_CREATED)


class ArbitratorListView(APIView):
    @extend_schema(
        request=DisputeArbitratorInputSerializer,
        responses={201: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeArbitratorInputSerializer, request.data)
        dispute = _dispute(request, pk)
        user = None
        if data.pop("user", None):
            from tanzim.accounts.models import User

            user = User.objects.filter(pk=request.data.get("user")).first()
            if user is None:
                raise DomainError(fields={"user": [_("Unknown person.")]})
        arbitrator = services.arbitrator_propose(
            arbitration=_live_arbitration(dispute), actor=request.user, user=user, **data
        )
        return Response(DisputeArbitratorSerializer(arbitrator).data, status=status.HTTP_201_CREATED)


def _arbitrator(dispute: Dispute, arbitrator_id: int) -> Arbitrator:
    found = (
        Arbitrator.objects.filter(pk=arbitrator_id, arbitration__dispute=dispute).first()
        if arbitrator_id < 2**62
        else None
    )
    if found is None:
        raise NotFoundError()
    return found


class DeclarationView(APIView):
    @extend_schema(
        request=DisputeDeclarationSerializer,
        responses={200: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, arbitrator_id: int):
        data = _valid(DisputeDeclarationSerializer, request.data)
        arbitrator = services.arbitrator_declare(
            arbitrator=_arbitrator(_dispute(request, pk), arbitrator_id), actor=request.user, **data
        )
        return Response(DisputeArbitratorSerializer(arbitrator).data)


class ArbitratorActionView(APIView):
    @extend_schema(
        request=DisputeArbitratorActionSerializer,
        responses={200: DisputeArbitratorSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int, arbitrator_id: int):
        data = _valid(DisputeArbitratorActionSerializer, request.data)
        arbitrator = _arbitrator(_dispute(request, pk), arbitrator_id)
        if data["action"] == "accept":
            arbitrator = services.arbitrator_accept(arbitrator=arbitrator, actor=request.user)
        elif data["action"] == "waive":
            if not data.get("party"):
                raise DomainError(fields={"party": [_("Choose the claimant or the respondent.")]})
            arbitrator = services.arbitrator_waive(
                arbitrator=arbitrator, party=data["party"], actor=request.user
            )
        else:
            arbitrator = services.arbitrator_withdraw(
                arbitrator=arbitrator, actor=request.user, reason=data["reason"]
            )
        return Response(DisputeArbitratorSerializer(arbitrator).data)


class ArbitrationExtendView(APIView):
    @extend_schema(
        request=DisputeExtendSerializer,
        responses={200: DisputeArbitrationSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeExtendSerializer, request.data)
        arbitration = services.arbitration_extend(
            arbitration=_live_arbitration(_dispute(request, pk)), actor=request.user, **data
        )
        return Response(DisputeArbitrationSerializer(arbitration).data)


class AwardView(APIView):
    @extend_schema(
        request=DisputeAwardInputSerializer,
        responses={201: DisputeAwardSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeAwardInputSerializer, request.data)
        data["in_favour_of"] = data["in_favour_of"] or None
        award = services.award_record(
            arbitration=_live_arbitration(_dispute(request, pk)), actor=request.user, **data
        )
        return Response(DisputeAwardSerializer(award).data, status=status.HTTP_201_CREATED)


class ComplianceView(APIView):
    @extend_schema(
        request=DisputeComplianceSerializer,
        responses={200: DisputeAwardSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = _valid(DisputeComplianceSerializer, request.data)
        arbitration = _live_arbitration(_dispute(request, pk))
        award = Award.objects.filter(arbitration=arbitration).first()
        if award is None:
            raise NotFoundError(_("There is no award."), code="no_award")
        if data["action"] == "complied":
            award = services.award_mark_complied(award=award, actor=request.user, note=data["note"])
        else:
            services.award_request_enforcement(award=award, actor=request.user, note=data["note"])
            award.refresh_from_db()
        return Response(DisputeAwardSerializer(award).data)


# --- referral -------------------------------------------------------------------------------------


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


# --- the respondent joins -------------------------------------------------------------------------


class JoinView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=DisputeJoinSerializer, responses={200: DisputeJoinTicketSerializer, **_errors(400)}
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
        token, _created = Token.objects.get_or_create(user=result.user)
        return Response({"dispute": result.dispute.pk, "token": token.key})


# --- boards, dockets, figures, rules --------------------------------------------------------------


class BoardView(APIView):
    @extend_schema(
        parameters=[
            STATUS_PARAM,
            OpenApiParameter("office", int, required=False),
            OpenApiParameter("overdue", bool, required=False),
        ],
        responses={200: DisputeBoardSerializer},
    )
    def get(self, request):
        office = request.query_params.get("office")
        board = selectors.board_for(
            user=request.user,
            office_id=int(office) if str(office or "").isdigit() and len(str(office)) < 12 else None,
            status=request.query_params.get("status"),
            overdue_only=request.query_params.get("overdue") in ("1", "true"),
        )
        return Response(
            {
                "columns": [c.__dict__ for c in board.columns],
                "total": board.total,
                "overdue": board.overdue,
                "rows": DisputeSerializer(board.rows[:200], many=True, context={"user": request.user}).data,
            }
        )


class DocketView(APIView):
    @extend_schema(responses={200: DisputeSerializer(many=True)})
    def get(self, request):
        disputes = selectors.docket_for(user=request.user)[:200]
        return Response(DisputeSerializer(disputes, many=True, context={"user": request.user}).data)


def _period(request) -> tuple[int, int | None, dict]:
    data = _valid(DisputePeriodSerializer, request.query_params)
    year = data.get("year") or jalali_year_month(timezone.now())[0]
    return year, data.get("month"), data


PERIOD_PARAMS = [
    OpenApiParameter("year", int, required=False, description=_("Jalali year (default: this year)")),
    OpenApiParameter("month", int, required=False, description=_("Jalali month; empty for the whole year")),
]


class MetricsView(APIView):
    @extend_schema(
        parameters=[
            *PERIOD_PARAMS,
            OpenApiParameter("office", int, required=False),
            OpenApiParameter("province", int, required=False),
        ],
        responses={200: DisputeReportSerializer, **_errors(400, 403)},
    )
    def get(self, request):
        year, month, data = _period(request)
        start, end = metrics.period_bounds(year=year, month=month)
        report = metrics.dispute_metrics(
            user=request.user,
            start=start,
            end=end,
            office_id=data.get("office"),
            province_id=data.get("province"),
        )
        return Response(_report_data(report))


class FiguresView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: DisputeReportSerializer, **_errors(400)})
    def get(self, request):
        year, month, _data = _period(request)
        return Response(_report_data(metrics.public_figures(year=year, month=month)))


class TriageRuleListView(APIView):
    @extend_schema(responses={200: DisputeTriageRuleSerializer(many=True)})
    def get(self, request):
        return Response(DisputeTriageRuleSerializer(TriageRule.objects.order_by("category"), many=True).data)
