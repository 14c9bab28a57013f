"""What several case pages share: the stale-page guard, the staff's offices, the payment to show."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tanzim.accounts.permissions import COUNTER
from tanzim.accounts.selectors import scope_for
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.common.errors import ConflictError
from tanzim.finance import selectors as finance_selectors
from tanzim.finance.choices import PaymentStatus

WAITING_FOR_CITIZEN = (CaseStatus.NEEDS_CORRECTION, CaseStatus.AWAITING_PAYMENT)
WORKLIST_PAGE = 50


class _Stale(Exception):
    """A conflict carried past ``run_service`` (which would put it on the form): the page answers 409."""

    def __init__(self, conflict: ConflictError):
        super().__init__(str(conflict.message))
        self.conflict = conflict


def _conflicts_escape(fn):
    def call(*args):
        try:
            return fn(*args)
        except ConflictError as exc:
            raise _Stale(exc) from exc

    return call


def _staff_office_ids(user) -> list[int]:
    scope = scope_for(user)
    return sorted(set().union(*(scope.office_ids.get(role, ()) for role in COUNTER)))


def _require_staff(user) -> list[int]:
    office_ids = _staff_office_ids(user)
    if not office_ids:
        raise PermissionDenied(_("This page is for the staff of an office."))
    return office_ids


def _case_payments(user, case: Case):
    return finance_selectors.payment_list_for(user=user).filter(
        reference_type="cases.case", reference_id=str(case.pk)
    )


def _payment_to_show(user, case: Case):
    """The captured payment if there is one, else the newest attempt."""
    payments = list(_case_payments(user, case).order_by("-created_at", "-pk")[:10])
    captured = [p for p in payments if p.status == PaymentStatus.CAPTURED]
    return captured[0] if captured else (payments[0] if payments else None)


# --- starting a request (citizen) ------------------------------------------------------------
