"""The open-data API (no login): the public tables, paginated, each field documented, with the licence.

Every answer carries ``licence`` next to the page; a suppressed cell is ``null`` and named in the
row's ``suppressed`` list (docs/opendata.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import DomainError, NotFoundError
from tanzim.common.jalali import JalaliMonth
from tanzim.offices.models import Province
from tanzim.opendata import selectors
from tanzim.opendata.tables import Column

UNIT_HELP = {
    "share": _("a fraction from 0 to 1"),
    "rials": _("whole rials"),
    "per_1000": _("per 1,000 services"),
    "score": _("a score"),
    "count": _("a number of things"),
    "rank": _("a rank, 1 the best"),
}


def _field(column: Column) -> serializers.Field:
    help_text = " — ".join(
        str(t) for t in (column.label, column.description, UNIT_HELP.get(column.unit, "")) if t
    )
    if column.kind == "text":
        return serializers.CharField(help_text=help_text)
    if column.kind in ("count", "amount"):
        return serializers.IntegerField(allow_null=True, help_text=help_text)
    return serializers.FloatField(allow_null=True, help_text=help_text)


def _row_serializer(name: str, table: str) -> type[serializers.Serializer]:
    keys = [c.key for c in selectors.columns_of(table)]
    fields: dict[str, Any] = {c.key: _field(c) for c in selectors.columns_of(table)}
    fields["suppressed"] = serializers.ListField(
        child=serializers.ChoiceField(choices=keys),
        help_text=_(
            "The fields of this row withheld (null): fewer than 5 behind them, or they would reveal one."
        ),
    )
    return type(name, (serializers.Serializer,), fields)


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()
    attribution = serializers.CharField()


NetworkRow = _row_serializer("OpenNetworkRow", "network")
MoneyRow = _row_serializer("OpenMoneyRow", "money")
OfficeRow = _row_serializer("OpenOfficeRow", "offices")


def _paged(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "licence": LicenceSerializer(),
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


class LicensedPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data = {"licence": selectors.LICENCE, **response.data}
        response["Link"] = f'<{selectors.LICENCE["url"]}>; rel="license"'
        return response


PROVINCE = OpenApiParameter("province", str, description=_("Province code; IR for the national rows"))
MONTH = OpenApiParameter("month", str, description=_("Jalali month, e.g. 1405-03"))


def _filters(request) -> tuple[str | None, JalaliMonth | None]:
    province = (request.query_params.get("province") or "").strip() or None
    if province and province != selectors.NATIONAL and not Province.objects.filter(code=province).exists():
        raise NotFoundError(_("No province with this code."), code="province_not_found")
    month = request.query_params.get("month")
    try:
        return province, JalaliMonth.parse(month, field="month") if month else None
    except DomainError:
        raise


class _OpenView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    table = ""
    row: type[serializers.Serializer] = serializers.Serializer

    def rows(self, request) -> list[dict[str, Any]]:
        province, month = _filters(request)
        return selectors.province_month_rows(table=self.table, province=province, month=month)

    def get(self, request):
        paginator = LicensedPagination()
        page = paginator.paginate_queryset(self.rows(request), request, view=self)
        return paginator.get_paginated_response(self.row(page, many=True).data)


class OpenNetworkView(_OpenView):
    """The network's figures by province and month (newest first; the nation as province IR)."""

    table = "network"
    row = NetworkRow

    @extend_schema(
        parameters=[PROVINCE, MONTH], responses={200: _paged("OpenNetworkPage", NetworkRow)}, auth=[]
    )
    def get(self, request):
        return super().get(request)


class OpenMoneyView(_OpenView):
    """Fees collected, the Kanoon's share, subsidies and reimbursements by province and month."""

    table = "money"
    row = MoneyRow

    @extend_schema(parameters=[PROVINCE, MONTH], responses={200: _paged("OpenMoneyPage", MoneyRow)}, auth=[])
    def get(self, request):
        return super().get(request)


class OpenOfficeView(_OpenView):
    """Each office's public figures: requests and in-person share over 12 months, its rating."""

    table = "offices"
    row = OfficeRow

    def rows(self, request) -> list[dict[str, Any]]:
        province, _month = _filters(request)
        return selectors.office_rows(province if province != selectors.NATIONAL else None)

    @extend_schema(parameters=[PROVINCE], responses={200: _paged("OpenOfficePage", OfficeRow)}, auth=[])
    def get(self, request):
        return super().get(request)
