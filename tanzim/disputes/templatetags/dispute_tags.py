"""Display helpers for dispute pages: stage colours, rates, failure-reason labels."""

from datetime import datetime

from django import template
from django.utils.translation import get_language

from tanzim.common.formatting import jalali_date
from tanzim.common.normalize import to_persian_digits
from tanzim.disputes import history
from tanzim.disputes.choices import (
    DisputeStatus,
    Disqualification,
    FailureReason,
    NoticeMethod,
    SessionResult,
)

register = template.Library()

_CLASSES: dict[str, str] = {
    DisputeStatus.INTAKE: "secondary",
    DisputeStatus.TRIAGED: "info",
    DisputeStatus.INVITED: "primary",
    DisputeStatus.MEDIATION: "primary",
    DisputeStatus.ARBITRATION: "primary",
    DisputeStatus.FAILED: "warning",
    DisputeStatus.SETTLED: "success",
    DisputeStatus.AWARDED: "success",
    DisputeStatus.REFERRED: "dark",
    DisputeStatus.WITHDRAWN: "secondary",
    DisputeStatus.CLOSED: "secondary",
}


@register.filter
def stage_class(status: str) -> str:
    return _CLASSES.get(status, "secondary")


@register.filter
def stage_label(status: str) -> str:
    try:
        return str(DisputeStatus(status).label)
    except ValueError:
        return status


@register.filter
def failure_label(code: str) -> str:
    try:
        return str(FailureReason(code).label)
    except ValueError:
        return code


@register.simple_tag
def event_sentence(event, dispute=None, office_side: bool = False) -> str:
    """One history line in words: the sentence, its reason, and who did it (office's view only)."""
    parts = [history.event_sentence(event)]
    detail = history.event_detail(event, dispute)
    if detail:
        parts.append(f"— {detail}")
    if office_side:
        by = history.event_by(event)
        if by:
            parts.append(f"({by})")
    return " ".join(parts)


@register.filter
def event_reason(event) -> str:
    """An event's reason; a session's coded result is shown in words."""
    if event.subject == "session" and event.reason in SessionResult.values:
        return str(SessionResult(event.reason).label)
    return event.reason


@register.filter
def ground_label(code: str) -> str:
    try:
        return str(Disqualification(code).label)
    except ValueError:
        return code


@register.filter
def percent(value) -> str:
    """0.4237 → ۴۲٫۴٪ in Persian pages, 42.4% in English ones; None → —."""
    if value is None:
        return "—"
    text = f"{100 * value:.1f}"
    if (get_language() or "fa").startswith("en"):
        return f"{text}%"
    return to_persian_digits(text.replace(".", "٫")) + "٪"


@register.filter
def number(value, places: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:.{int(places)}f}"
    if (get_language() or "fa").startswith("en"):
        return text
    return to_persian_digits(text.replace(".", "٫"))


@register.filter
def iso_jalali(value: str) -> str:
    """A proposed time stored as ISO 8601, shown as a Jalali date and Tehran time (and in the
    reader's own zone too when they live abroad: the formatting layer's ``jalali_date``)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return jalali_date(moment, "time")


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def notice_method(code: str) -> str:
    try:
        return str(NoticeMethod(code).label)
    except ValueError:
        return code


@register.filter
def majority(panel_size: int) -> int:
    """Votes an award of this panel needs (art. 482)."""
    from tanzim.disputes.rules import majority_of

    return majority_of(int(panel_size))


@register.filter
def filing_warning(dispute) -> str:
    """The running time limit of a diverted request, in words (empty when none runs)."""
    from tanzim.disputes.services.intake import settle_first_warning

    return settle_first_warning(dispute)
