"""The Kanoon's monthly run for its members: each active office's dues and every enrolment's premium.

Both are posted once per office/enrolment and month (``dues_charge``, ``premium_post`` return the
first charge on a second call), so running a month again — after a crash half-way, or twice by two
administrators — only adds what is missing. A month not yet begun cannot be charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit import services as audit
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth
from tanzim.membership.models import DuesCharge, Enrolment, PremiumCharge
from tanzim.membership.services.dues import dues_charge
from tanzim.membership.services.insurance import premium_post
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import Office


@dataclass(frozen=True)
class MonthFigures:
    month: JalaliMonth
    dues_charges: int
    dues_total: int
    dues_paid: int
    premiums: int
    premiums_member: int
    premiums_kanoon: int


def month_figures(month: JalaliMonth) -> MonthFigures:
    """What the month charged: dues (and how much of them is paid) and premiums by share."""
    dues = DuesCharge.objects.filter(month=month.key).aggregate(
        n=Count("pk"), total=Sum("amount"), paid=Sum("amount", filter=Q(paid_at__isnull=False))
    )
    premiums = PremiumCharge.objects.filter(month=month.key).aggregate(
        n=Count("pk"), member=Sum("member_share"), kanoon=Sum("kanoon_share")
    )
    return MonthFigures(
        month=month,
        dues_charges=dues["n"] or 0,
        dues_total=dues["total"] or 0,
        dues_paid=dues["paid"] or 0,
        premiums=premiums["n"] or 0,
        premiums_member=premiums["member"] or 0,
        premiums_kanoon=premiums["kanoon"] or 0,
    )


def member_month_run(*, actor: Any, month: JalaliMonth, dues_amount: int) -> MonthFigures:
    """Charge every active office the month's dues and post every enrolment's premium."""
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    if isinstance(dues_amount, bool) or not isinstance(dues_amount, int) or dues_amount <= 0:
        raise DomainError(fields={"dues_amount": [_("Enter a whole amount in rials, more than zero.")]})
    if month.key > JalaliMonth.of(timezone.now()).key:
        raise DomainError(
            fields={"month": [_("This month has not begun: it cannot be charged yet.")]}, code="future_month"
        )
    for office in Office.objects.filter(status=OfficeStatus.ACTIVE).order_by("pk").iterator():
        dues_charge(office=office, month=month, amount=dues_amount, actor=actor)
    _first, next_month = month.date_range()
    enrolments = Enrolment.objects.filter(started_on__lt=next_month).select_related("policy")
    for enrolment in enrolments.order_by("pk").iterator():
        premium_post(enrolment=enrolment, month=month, actor=actor)
    figures = month_figures(month)
    audit.record(
        actor=actor,
        action="membership.month.run",
        data={
            "month": month.key,
            "dues_amount": dues_amount,
            "dues_charges": figures.dues_charges,
            "premiums": figures.premiums,
        },
    )
    return figures
