"""The opening checklist and the pipeline over the API (applicants, provinces, the Kanoon)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.api import PAGE_PARAMETERS, paginated
from tanzim.common.errors import ConflictError, DomainError
from tanzim.membership import selectors, services
from tanzim.membership.choices import STEP_OWNER, Step

ACTIONS = ("approve", "send_back", "withdraw")


class MembershipApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    exam_rank = serializers.IntegerField()
    province = serializers.CharField(source="province.code")
    step = serializers.CharField(source="status", help_text=_("One of: %s") % ", ".join(Step.values))
    step_owner = serializers.SerializerMethodField()
    step_since = serializers.DateTimeField(source="status_changed_at")
    step_due = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    returned_reason = serializers.CharField()
    county = serializers.SerializerMethodField()
    office = serializers.SerializerMethodField()

    def get_step_owner(self, obj) -> str:
        return STEP_OWNER.get(obj.status, "")

    def get_county(self, obj) -> str | None:
        return obj.place.city.code if obj.place_id else None

    def get_office(self, obj) -> str | None:
        return obj.office.code if obj.office_id else None


class MembershipTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("approve, send_back or withdraw"))
    expected_status = serializers.CharField(
        required=False, allow_blank=True, help_text=_("The step you saw: a stale move is refused with 409")
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


PIPELINE = inline_serializer(
    name="MembershipPipeline",
    fields={
        "total": serializers.IntegerField(),
        "opened": serializers.IntegerField(),
        "by_step": serializers.DictField(child=serializers.IntegerField()),
        "by_province": serializers.DictField(child=serializers.DictField(child=serializers.IntegerField())),
        "stuck": MembershipApplicationSerializer(many=True),
    },
)


class ApplicationListView(APIView):
    @extend_schema(
        operation_id="v1_membership_applications_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(MembershipApplicationSerializer(), "PaginatedMembershipApplicationList")},
    )
    def get(self, request):
        """Applicants the caller may see: their own, a province's, every one for the Kanoon."""
        rows = selectors.applications_for(user=request.user).order_by("exam_rank", "pk")
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MembershipApplicationSerializer(page, many=True).data)


class ApplicationDetailView(APIView):
    @extend_schema(responses={200: MembershipApplicationSerializer})
    def get(self, request, pk: int):
        application = selectors.application_get_for(user=request.user, pk=pk)
        return Response(MembershipApplicationSerializer(application).data)


class ApplicationTransitionView(APIView):
    @extend_schema(request=MembershipTransitionSerializer, responses={200: MembershipApplicationSerializer})
    def post(self, request, pk: int):
        """The step's owner approves or sends back; the applicant or the Kanoon withdraws."""
        application = selectors.application_get_for(user=request.user, pk=pk)
        data = MembershipTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        expected = data.validated_data.get("expected_status") or None
        if action == "approve":
            moved = services.step_approve(
                application=application, actor=request.user, expected_status=expected
            )
        elif action == "send_back":
            moved = services.step_send_back(
                application=application,
                actor=request.user,
                reason=data.validated_data["reason"],
                expected_status=expected,
            )
        elif action == "withdraw":
            if expected and expected != application.status:
                raise ConflictError(code="stale_status")
            moved = services.application_withdraw(
                application=application, actor=request.user, reason=data.validated_data["reason"]
            )
        else:
            raise DomainError(fields={"action": [_("Unknown action.")]})
        return Response(MembershipApplicationSerializer(moved).data)


class PipelineView(APIView):
    @extend_schema(responses={200: PIPELINE})
    def get(self, request):
        """Counts by step and province, and who has waited longest (the Kanoon, provinces, inspectors)."""
        data = selectors.pipeline_for(user=request.user)
        codes = {p.pk: p.code for p in data.provinces}
        return Response(
            {
                "total": data.total,
                "opened": data.opened,
                "by_step": data.totals,
                "by_province": {codes[pk]: counts for pk, counts in data.counts.items() if pk in codes},
                "stuck": MembershipApplicationSerializer(data.stuck, many=True).data,
            }
        )
