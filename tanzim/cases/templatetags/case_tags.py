"""Display helpers of the case pages."""

from django import template

from tanzim.cases.choices import CancelReason, CaseStatus, RejectReason

register = template.Library()

_STATUS_CLASS: dict[str, str] = {
    CaseStatus.DRAFT: "secondary",
    CaseStatus.SUBMITTED: "info",
    CaseStatus.RESUBMITTED: "info",
    CaseStatus.IN_REVIEW: "primary",
    CaseStatus.NEEDS_CORRECTION: "warning",
    CaseStatus.VERIFIED: "primary",
    CaseStatus.AWAITING_PAYMENT: "warning",
    CaseStatus.PAID: "success",
    CaseStatus.FILED: "success",
    CaseStatus.CLOSED: "dark",
    CaseStatus.CANCELLED: "secondary",
    CaseStatus.REJECTED: "danger",
}


@register.filter
def status_class(status: str) -> str:
    """The Bootstrap colour of a status badge."""
    return _STATUS_CLASS.get(status, "secondary")


@register.filter
def status_label(status: str) -> str:
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


@register.filter
def outcome_label(code: str) -> str:
    """The label of a coded rejection or cancellation reason."""
    for choices in (RejectReason, CancelReason):
        if code in choices.values:
            return str(choices(code).label)
    return code
