"""The office queue over the API: its state, walk-ins, calling, tickets, the public display, the policy."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.common.errors import DomainError, NotFoundError
from tanzim.offices.models import Counter
from tanzim.scheduling import selectors, services
from tanzim.scheduling.api.appointments import QueueTicketSerializer
from tanzim.scheduling.api.common import SchedulingErrorSerializer, citizen_by_code, service_by_code
from tanzim.scheduling.choices import TicketStatus
from tanzim.scheduling.models import QueueTicket


class QueueStaffTicketSerializer(QueueTicketSerializer):
    citizen_name = serializers.CharField(source="citizen.display_name", allow_null=True, default=None)
    service = serializers.CharField(source="service.code", allow_null=True, default=None)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    sort_at = serializers.DateTimeField()


class QueueWaitingEntrySerializer(serializers.Serializer):
    ticket = QueueStaffTicketSerializer()
    ahead = serializers.IntegerField()
    minutes = serializers.FloatField()


class QueueStateSerializer(serializers.Serializer):
    office = serializers.CharField()
    counters = serializers.IntegerField()
    busy = serializers.IntegerField()
    waiting = serializers.IntegerField()
    service_minutes = serializers.FloatField()
    expected_wait_minutes = serializers.FloatField(allow_null=True)
    called = QueueStaffTicketSerializer(many=True)
    line = QueueWaitingEntrySerializer(many=True)


def _queue_state(office) -> dict:
    now = timezone.now()
    figures = selectors.queue_figures(office=office, now=now)
    called = (
        QueueTicket.objects.filter(office=office, day=timezone.localdate(), status=TicketStatus.CALLED)
        .select_related("counter", "citizen", "service")
        .order_by("counter__number")
    )
    line = selectors.queue_waiting_with_estimates(office=office, now=now, figures=figures)
    return {
        "office": office.code,
        "counters": figures.counters,
        "busy": figures.busy,
        "waiting": figures.waiting,
        "service_minutes": round(figures.service_minutes, 1),
        "expected_wait_minutes": round(figures.expected_wait, 1)
        if figures.expected_wait is not None
        else None,
        "called": called,
        "line": line,
    }


class QueueStateView(APIView):
    @extend_schema(
        responses={200: QueueStateSerializer, 403: SchedulingErrorSerializer, 404: SchedulingErrorSerializer}
    )
    def get(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        return Response(QueueStateSerializer(_queue_state(office)).data)


class QueueWalkInSerializer(serializers.Serializer):
    service = serializers.SlugField(max_length=40, required=False)
    citizen_national_code = serializers.CharField(max_length=20, required=False)


class WalkInView(APIView):
    @extend_schema(
        request=QueueWalkInSerializer,
        responses={201: QueueStaffTicketSerializer, 403: SchedulingErrorSerializer},
    )
    def post(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        data = QueueWalkInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = services.ticket_issue_walk_in(
            office=office,
            actor=request.user,
            service=service_by_code(values["service"]) if values.get("service") else None,
            citizen=citizen_by_code(values["citizen_national_code"])
            if values.get("citizen_national_code")
            else None,
        )
        return Response(QueueStaffTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class QueueCallNextSerializer(serializers.Serializer):
    counter = serializers.IntegerField(min_value=1, help_text=_("Counter number at this office"))


class CallNextView(APIView):
    @extend_schema(
        request=QueueCallNextSerializer,
        responses={
            200: QueueStaffTicketSerializer,
            204: None,
            403: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, code: str):
        office = selectors.staff_office_get(actor=request.user, code=code)
        data = QueueCallNextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counter = Counter.objects.filter(office=office, number=data.validated_data["counter"]).first()
        if counter is None:
            raise DomainError(fields={"counter": [_("Unknown counter.")]}, code="unknown_counter")
        ticket = services.ticket_call_next(office=office, counter=counter, actor=request.user)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(QueueStaffTicketSerializer(ticket).data)


TICKET_ACTIONS = {
    "serve": services.ticket_serve,
    "no-show": services.ticket_no_show,
    "recall": services.ticket_recall,
    "requeue": services.ticket_requeue,
    "leave": services.ticket_leave,
}


class TicketMoveSerializer(serializers.Serializer):
    """``expected_status``: the status the caller saw; another one makes the action a 409."""

    expected_status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)


class TicketActionView(APIView):
    @extend_schema(
        request=TicketMoveSerializer,
        responses={
            200: QueueStaffTicketSerializer,
            404: SchedulingErrorSerializer,
            409: SchedulingErrorSerializer,
        },
    )
    def post(self, request, pk: int, action: str):
        if action not in TICKET_ACTIONS:
            raise NotFoundError()
        if action == "leave":
            ticket = QueueTicket.objects.select_related("office").filter(pk=pk).first()
            if ticket is None:
                raise NotFoundError(_("Ticket not found."), code="ticket_not_found")
        else:
            ticket = selectors.ticket_get_for_staff(actor=request.user, pk=pk)
        data = TicketMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = TICKET_ACTIONS[action](
            ticket=ticket, actor=request.user, expected_status=data.validated_data.get("expected_status")
        )
        return Response(QueueStaffTicketSerializer(ticket).data)


class QueueDisplayRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    counter = serializers.IntegerField(source="counter__number", allow_null=True)
    status = serializers.CharField()
    announced_at = serializers.DateTimeField(allow_null=True)


class QueueDisplaySerializer(serializers.Serializer):
    now_serving = QueueDisplayRowSerializer(many=True)
    recent = QueueDisplayRowSerializer(many=True)
    waiting = serializers.IntegerField()
    expected_wait = serializers.FloatField(allow_null=True)
    counters = serializers.IntegerField()
    updated = serializers.DateTimeField()


class DisplayView(APIView):
    """The waiting-room screen's data: ticket numbers and counters, never names. Public."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: QueueDisplaySerializer, 404: SchedulingErrorSerializer})
    def get(self, request, code: str):
        office = selectors.office_get(code=code)
        return Response(QueueDisplaySerializer(selectors.display_board(office=office)).data)


class SchedulingPolicySerializer(serializers.Serializer):
    appointment_share_pct = serializers.IntegerField(min_value=1, max_value=100, required=False)
    overbooking_enabled = serializers.BooleanField(required=False)
    overbooking_risk_pct = serializers.IntegerField(min_value=1, max_value=50, required=False)
    show_rate_pct = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)


class PolicyView(APIView):
    @extend_schema(
        request=SchedulingPolicySerializer,
        responses={200: SchedulingPolicySerializer, 403: SchedulingErrorSerializer},
    )
    def patch(self, request, code: str):
        office = selectors.office_get(code=code)
        data = SchedulingPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        clear = "show_rate_pct" in values and values["show_rate_pct"] is None
        if clear:
            values.pop("show_rate_pct")
        policy = services.scheduling_policy_set(
            actor=request.user, office=office, clear_show_rate=clear, **values
        )
        return Response(SchedulingPolicySerializer(policy).data)
