"""Public catalogue endpoints: services, fee quotes, and the office directory."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.fees import channel_prices, fee_quote
from tanzim.catalog.models import Service
from tanzim.catalog.selectors import offices_for_service, service_get, service_list
from tanzim.common.errors import DomainError
from tanzim.offices.choices import LicenceKind
from tanzim.offices.models import Office


class ServiceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)
    prices = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "code",
            "name",
            "name_fa",
            "name_en",
            "category",
            "channels",
            "licence_required",
            "duration_minutes",
            "prices",
        ]

    def get_prices(self, service: Service) -> dict[str, int]:
        return channel_prices(service=service)


class OfficeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    province = serializers.CharField(source="province.code")
    province_name = serializers.CharField(source="province.name")
    city = serializers.CharField(source="city.code")
    city_name = serializers.CharField(source="city.name")
    licences = serializers.SerializerMethodField()

    class Meta:
        model = Office
        fields = [
            "code",
            "name",
            "name_fa",
            "name_en",
            "province",
            "province_name",
            "city",
            "city_name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "status",
            "deprived_area",
            "licences",
        ]

    def get_licences(self, office: Office) -> list[str]:
        return sorted({lic.kind for lic in office.licences.all() if lic.is_valid_on(self.context["today"])})


def _query_params(request, *names: str) -> dict[str, str | None]:
    """The named query parameters (one holding a NUL character never gets here: NulCharacterMiddleware)."""
    return {name: request.query_params.get(name) or None for name in names}


class ServiceListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = ServiceSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=False),
            OpenApiParameter("channel", str, required=False, enum=ChannelKind.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = _query_params(self.request, "category", "channel")
        return service_list(category=params["category"], channel=params["channel"])


class OfficeListView(generics.ListAPIView):
    """The public office directory."""

    permission_classes = [permissions.AllowAny]
    serializer_class = OfficeSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("province", str, required=False, description=_("Province code")),
            OpenApiParameter("city", str, required=False, description=_("City code")),
            OpenApiParameter("service", str, required=False, description=_("Service code")),
            OpenApiParameter("licence", str, required=False, enum=LicenceKind.values),
            OpenApiParameter("q", str, required=False),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        from django.utils import timezone

        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        params = _query_params(self.request, "province", "city", "service", "licence", "q")
        licence = params["licence"]
        if licence and licence not in LicenceKind.values:
            raise DomainError(fields={"licence": [_("Unknown licence.")]})
        service = service_get(code=params["service"]) if params["service"] else None
        return offices_for_service(
            service=service,
            province=params["province"],
            city=params["city"],
            licence=licence,
            q=params["q"],
        ).prefetch_related("licences")


class QuoteRequestSerializer(serializers.Serializer):
    service = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(choices=ChannelKind.choices)
    extra_parties = serializers.IntegerField(default=0, min_value=0, max_value=500)
    extra_pages = serializers.IntegerField(default=0, min_value=0, max_value=500)
    addons = serializers.ListField(child=serializers.CharField(max_length=30), default=list, max_length=10)
    free_service = serializers.BooleanField(default=False)


class QuoteLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    quantity = serializers.IntegerField()
    unit_fee = serializers.IntegerField()
    amount = serializers.IntegerField()


class QuoteSerializer(serializers.Serializer):
    service = serializers.CharField()
    channel = serializers.CharField()
    year = serializers.IntegerField()
    lines = QuoteLineSerializer(many=True)
    service_part = serializers.IntegerField()
    addons_total = serializers.IntegerField()
    discount_pct = serializers.IntegerField()
    discount = serializers.IntegerField()
    office_fee = serializers.IntegerField()
    free_service = serializers.BooleanField()
    client_office_fee = serializers.IntegerField()
    subsidy = serializers.IntegerField()
    court_fee = serializers.IntegerField()
    client_total = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())


class FeeQuoteView(APIView):
    """An itemised quote in rials: base, extras, channel discount, add-ons, free-service subsidy."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=QuoteRequestSerializer, responses={200: QuoteSerializer})
    def post(self, request):
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        service = service_get(code=values.pop("service"))
        return Response(QuoteSerializer(fee_quote(service=service, **values).as_dict()).data)
