"""The money API: payments (create, status, callback, refunds), statements, settlements, transparency."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts.models import User
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import fee_quote
from tanzim.catalog.selectors import service_get
from tanzim.common import ratelimit
from tanzim.common.api import paginated
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.http import client_ip
from tanzim.common.idempotency import HEADER, key_from_request
from tanzim.common.identifiers import clean_national_code
from tanzim.common.jalali import format_jalali
from tanzim.finance import selectors, services
from tanzim.finance.choices import FreeServiceGround, PaymentPart, PaymentStatus
from tanzim.finance.models import FreeServiceGrant, Payment, Refund, SettlementRun
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office

DIRECT_REFERENCE = "finance.direct"
# A caller sending many refused callbacks (forgeries, probes) is slowed down before it floods the log.
REFUSED_SCOPE = "finance.callback.refused"
REFUSED_LIMIT = 30
REFUSED_WINDOW = 600
SIGNATURE_HEADER = "X-Gateway-Signature"


# --- serializers ------------------------------------------------------------------------


class RefundSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "part", "amount", "reason", "status", "created_at", "completed_at"]


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    reference = serializers.CharField(source="short_reference", read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    office_name = serializers.CharField(source="office.name", read_only=True)
    created_at_jalali = serializers.SerializerMethodField()
    captured_at_jalali = serializers.SerializerMethodField()
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "office",
            "office_name",
            "reference_type",
            "reference_id",
            "service_code",
            "channel",
            "credit_purpose",
            "status",
            "method",
            "amount",
            "office_fee",
            "court_fee",
            "subsidy",
            "office_fee_refunded",
            "court_fee_refunded",
            "gateway_ref",
            "created_at",
            "created_at_jalali",
            "expires_at",
            "captured_at",
            "captured_at_jalali",
            "refunds",
        ]

    def get_created_at_jalali(self, payment: Payment) -> str:
        return format_jalali(payment.created_at, with_time=True, persian_digits=False)

    def get_captured_at_jalali(self, payment: Payment) -> str:
        return format_jalali(payment.captured_at, with_time=True, persian_digits=False)


class CreatedPaymentSerializer(PaymentSerializer):
    redirect_url = serializers.CharField(read_only=True, allow_blank=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "redirect_url"]


class PaymentCreateSerializer(serializers.Serializer):
    office = serializers.CharField(max_length=12, help_text=_("Office code"))
    service = serializers.CharField(max_length=40, help_text=_("Service code"))
    channel = serializers.ChoiceField(choices=ChannelKind.choices)
    extra_parties = serializers.IntegerField(default=0, min_value=0, max_value=500)
    extra_pages = serializers.IntegerField(default=0, min_value=0, max_value=500)
    addons = serializers.ListField(child=serializers.CharField(max_length=30), default=list, max_length=10)
    court_fee = serializers.IntegerField(default=0, min_value=0, max_value=10**13)
    free_service = serializers.BooleanField(
        default=False,
        help_text=_(
            "A fee waiver for a vulnerable client; office staff only, after recording its ground "
            "(POST free-services/ with the same reference)."
        ),
    )
    reference_type = serializers.CharField(
        max_length=40,
        default=DIRECT_REFERENCE,
        help_text=_("What is paid for. Citizens may only pay direct payments (finance.direct)."),
    )
    reference_id = serializers.CharField(max_length=40)
    payer_national_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text=_("Office staff: the citizen who pays.")
    )
    return_url = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CallbackResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=PaymentStatus.choices)


class RefundCreateSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=PaymentPart.choices)
    amount = serializers.IntegerField(min_value=1, max_value=10**13)
    reason = serializers.CharField(max_length=300)


class StatementDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    day_jalali = serializers.SerializerMethodField()
    payments = serializers.IntegerField()
    office_fees = serializers.IntegerField()
    court_fees = serializers.IntegerField()
    subsidies = serializers.IntegerField()
    refunds = serializers.IntegerField()

    def get_day_jalali(self, day) -> str:
        return format_jalali(day.day, persian_digits=False)


class StatementSerializer(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    ended = serializers.BooleanField()
    payments = serializers.IntegerField()
    free_services = serializers.IntegerField()
    collected = serializers.IntegerField()
    office_fees = serializers.IntegerField()
    court_fees = serializers.IntegerField()
    subsidies = serializers.IntegerField()
    refunds_office_fee = serializers.IntegerField()
    refunds_court_fee = serializers.IntegerField()
    revenue = serializers.IntegerField(help_text=_("Office fee revenue net of refunds (ledger)."))
    subsidy_revenue = serializers.IntegerField()
    settled = serializers.BooleanField()
    provisional = serializers.BooleanField()
    tier = serializers.CharField()
    disputes_resolved = serializers.IntegerField()
    rate_bp = serializers.IntegerField(allow_null=True)
    share = serializers.IntegerField(allow_null=True)
    net = serializers.IntegerField(allow_null=True, help_text=_("Positive: the office pays the Kanoon."))
    receivable_end = serializers.IntegerField()
    payable_end = serializers.IntegerField()
    days = StatementDaySerializer(many=True)


class SettlementRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SettlementRun
        fields = [
            "year",
            "month",
            "status",
            "offices",
            "revenue",
            "share",
            "subsidies",
            "free_services",
            "net",
            "started_at",
            "finished_at",
        ]


class SettlementRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1300, max_value=1600)
    month = serializers.IntegerField(min_value=1, max_value=12)


_TOTALS_FIELDS: dict[str, serializers.Field] = {
    name: serializers.IntegerField()
    for name in (
        "offices",
        "payments",
        "collected",
        "court_fees",
        "free_services",
        "refunds",
        "revenue",
        "subsidies",
        "share",
    )
}
TransparencySerializer = inline_serializer(
    name="Transparency",
    fields={
        "year": serializers.IntegerField(),
        "month": serializers.IntegerField(),
        "ended": serializers.BooleanField(),
        "settled": serializers.BooleanField(),
        "national": inline_serializer(name="TransparencyTotals", fields=_TOTALS_FIELDS),
        "provinces": inline_serializer(
            name="TransparencyProvince",
            many=True,
            fields={
                "code": serializers.CharField(),
                "name_fa": serializers.CharField(),
                "name_en": serializers.CharField(),
                **_TOTALS_FIELDS,
            },
        ),
    },
)


# --- views ------------------------------------------------------------------------------


class PaymentListCreateView(APIView):
    """Payments the caller may see; create a payment from a server-side fee quote."""

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False, enum=PaymentStatus.values),
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: paginated(PaymentSerializer(many=True), "PaginatedPaymentList")},
        operation_id="v1_payments_list",
    )
    def get(self, request):
        payments = selectors.payment_list_for(user=request.user).prefetch_related("refunds")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in PaymentStatus.values:
                raise DomainError(fields={"status": [_("Unknown status.")]})
            payments = payments.filter(status=wanted)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(payments.order_by("-created_at", "-pk"), request, view=self)
        return paginator.get_paginated_response(PaymentSerializer(page, many=True).data)

    @extend_schema(
        request=PaymentCreateSerializer,
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={201: CreatedPaymentSerializer, 200: CreatedPaymentSerializer},
    )
    def post(self, request):
        key = key_from_request(request)
        data = PaymentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        office = Office.objects.filter(code=values["office"], status=OfficeStatus.ACTIVE).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]}, code="unknown_office")
        service = service_get(code=values["service"])
        staff = selectors.can_waive_fee(user=request.user, office=office)
        payer = request.user
        reference_type, reference_id = values["reference_type"], values["reference_id"]
        if staff:
            if values.get("payer_national_code"):
                code = clean_national_code(values["payer_national_code"])
                payer = User.objects.filter(national_code=code).first()
                if payer is None:
                    raise DomainError(
                        fields={"payer_national_code": [_("No citizen has this national code.")]}
                    )
        else:
            if values.get("payer_national_code"):
                raise DomainError(
                    fields={"payer_national_code": [_("Only office staff can pay for someone else.")]}
                )
            if reference_type != DIRECT_REFERENCE:
                raise DomainError(
                    fields={"reference_type": [_("Citizens can only make direct payments here.")]}
                )
            # Each citizen's direct payments live in their own namespace: nobody can block another's.
            reference_id = f"u{request.user.pk}-{reference_id}"
        quote = fee_quote(
            service=service,
            channel=values["channel"],
            extra_parties=values["extra_parties"],
            extra_pages=values["extra_pages"],
            addons=values["addons"],
            free_service=values["free_service"],
            court_fee=values["court_fee"],
        )
        started = timezone.now()
        payment = services.payment_create(
            office=office,
            payer=payer,
            quote=quote,
            reference_type=reference_type,
            reference_id=reference_id,
            idempotency_key=key,
            actor=request.user,
            return_url=values["return_url"],
        )
        created = payment.created_at >= started
        body = CreatedPaymentSerializer(_with_url(payment)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _with_url(payment: Payment) -> Payment:
    # An attribute the serializer reads: where to send the payer (nothing once it is not pending).
    url = services.payment_start(payment=payment) if payment.status == PaymentStatus.PENDING else ""
    setattr(payment, "redirect_url", url)  # noqa: B010
    return payment


class PaymentDetailView(APIView):
    @extend_schema(responses={200: PaymentSerializer})
    def get(self, request, ref):
        payment = selectors.payment_get_for(user=request.user, pk=ref)
        return Response(PaymentSerializer(payment).data)


class PaymentRefundView(APIView):
    """Office staff or the Kanoon refund part of a paid payment (never more than was paid)."""

    @extend_schema(request=RefundCreateSerializer, responses={201: RefundSerializer})
    def post(self, request, ref):
        payment = selectors.payment_get_for(user=request.user, pk=ref)
        data = RefundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_create(payment=payment, actor=request.user, **data.validated_data)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class PaymentCallbackView(APIView):
    """The payment gateway's server-to-server callback. No login; the HMAC signature is required."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=inline_serializer(
            name="GatewayCallback",
            fields={
                "reference": serializers.CharField(),
                "token": serializers.CharField(),
                "merchant": serializers.CharField(),
                "amount": serializers.IntegerField(),
                "status": serializers.CharField(),
                "gateway_ref": serializers.CharField(allow_blank=True),
                "signature": serializers.CharField(required=False),
            },
        ),
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: CallbackResultSerializer,
            400: OpenApiResponse(description=_("Refused callback")),
            429: OpenApiResponse(
                description=_("Too many unsigned callbacks from this address (a signed one is never limited)")
            ),
        },
    )
    def post(self, request):
        payload = request.data if hasattr(request.data, "get") else {}
        signature = request.headers.get(SIGNATURE_HEADER) or str(payload.get("signature", ""))
        ip = client_ip(request) or "unknown"
        # The signature is verified before anything is counted: the bank's own callbacks are never
        # limited, and only unsigned (forged) ones count against the caller's real address.
        signed = services.callback_signed(payload=payload, signature=signature)
        if not signed:
            ratelimit.check(REFUSED_SCOPE, ip, limit=REFUSED_LIMIT, window=REFUSED_WINDOW)
        try:
            payment = services.payment_handle_callback(payload=payload, signature=signature)
        except DomainError:
            if not signed:
                ratelimit.hit(REFUSED_SCOPE, ip, window=REFUSED_WINDOW)
            raise
        return Response({"reference": str(payment.uuid), "status": payment.status})


class OfficeStatementView(APIView):
    @extend_schema(responses={200: StatementSerializer})
    def get(self, request, code, year, month):
        office = selectors.statement_office_get(user=request.user, code=code)
        statement = selectors.office_statement(user=request.user, office=office, year=year, month=month)
        return Response(StatementSerializer(statement).data)


class SettlementListCreateView(APIView):
    """Monthly Kanoon settlement runs (Kanoon administrators only). Running a month twice is a no-op."""

    @extend_schema(responses={200: SettlementRunSerializer(many=True)})
    def get(self, request):
        runs = selectors.settlement_run_list_for(user=request.user)
        return Response(SettlementRunSerializer(runs[:120], many=True).data)

    @extend_schema(
        request=SettlementRequestSerializer,
        responses={201: SettlementRunSerializer, 200: SettlementRunSerializer},
    )
    def post(self, request):
        selectors.settlement_run_list_for(user=request.user)  # Kanoon only, before reading the body
        data = SettlementRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = SettlementRun.objects.filter(status="done", **data.validated_data).exists()
        run = services.settlement_run(actor=request.user, **data.validated_data)
        return Response(
            SettlementRunSerializer(run).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class TransparencyView(APIView):
    """Public national and provincial totals for a Jalali month. No personal data."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: TransparencySerializer})
    def get(self, request, year, month):
        try:
            return Response(selectors.transparency_totals(year=year, month=month))
        except DomainError as exc:
            raise NotFoundError() from exc


# --- free services: the ground recorded before the free payment ---------------------------


class FreeServiceGrantSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code", read_only=True)
    mission = serializers.IntegerField(source="mission_id", read_only=True, allow_null=True)
    month = serializers.IntegerField(read_only=True, help_text=_("Jalali month counted against, YYYYMM"))
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = FreeServiceGrant
        fields = [
            "id",
            "office",
            "ground",
            "evidence_number",
            "mission",
            "has_document",
            "month",
            "reference_type",
            "reference_id",
            "granted_at",
        ]

    def get_has_document(self, grant: FreeServiceGrant) -> bool:
        return bool(grant.document_sha256)


class FreeServiceGrantCreateSerializer(serializers.Serializer):
    office = serializers.CharField(max_length=12, help_text=_("Office code"))
    ground = serializers.ChoiceField(choices=FreeServiceGround.choices)
    evidence_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    confirmation_document = serializers.FileField(
        required=False, allow_null=True, default=None, help_text=_("PDF, JPEG or PNG")
    )
    mission = serializers.IntegerField(required=False, allow_null=True, default=None)
    decision_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The Kanoon decision's date (a free service on it)"),
    )
    reference_type = serializers.CharField(max_length=40, default=DIRECT_REFERENCE)
    reference_id = serializers.CharField(max_length=40)


class FreeServiceGrantCreateView(APIView):
    """Office staff record why a service is free, before opening its free payment (same reference)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": FreeServiceGrantCreateSerializer},
        responses={201: FreeServiceGrantSerializer},
    )
    def post(self, request):
        data = FreeServiceGrantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "decision_date" or v is not None}
        office = Office.objects.filter(code=values.pop("office"), status=OfficeStatus.ACTIVE).first()
        if office is None:
            raise DomainError(fields={"office": [_("Unknown office.")]}, code="unknown_office")
        grant = services.free_service_grant(office=office, actor=request.user, **values)
        return Response(FreeServiceGrantSerializer(grant).data, status=status.HTTP_201_CREATED)
