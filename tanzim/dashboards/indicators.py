"""The announcement's indicators, each defined once.

Every indicator is a ratio or a sum of **additive counters**: integers counted per office and per
day (``COUNTERS``), so the same formula gives an office's day, a province's month or the nation's
year from the daily rollups (``OfficeDay``) by adding rows up first and dividing last. Two
figures are not flows but stocks, the requests and disputes still pending at the end of a period
(CEPEJ's disposition time); the selectors derive them from the same counters as everything that
came in minus everything that was resolved up to that day (``PENDING``).

Some counters are also counted per catalogue service (``Counter.by_service``,
``SERVICE_COUNTERS``): those whose source row names its service. An indicator is available by
service exactly when every counter it reads is (``by_service(code)``, ``SERVICE_INDICATORS``).

docs/indicators.md documents each indicator (formula, unit, direction, source, Persian name); a
test keeps that page and this registry in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# --- counters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    name: str
    source: str  # "app.Model" the counter is counted from
    day: str  # which timestamp (or date) puts a row on a day
    description: str  # English, for docs/indicators.md and the rollup check's report
    # Counted per catalogue service too (``OfficeServiceDay``): its source row names its service.
    by_service: bool = False


COUNTERS: tuple[Counter, ...] = (
    # requests (cases.Case): a request counts once submitted (any status but draft)
    Counter("requests_in", "cases.Case", "created_at", "requests submitted (not drafts)", by_service=True),
    Counter(
        "requests_in_person",
        "cases.Case",
        "created_at",
        "of which at the counter (in person)",
        by_service=True,
    ),
    Counter("requests_semi", "cases.Case", "created_at", "of which semi-in-person", by_service=True),
    Counter("requests_remote", "cases.Case", "created_at", "of which remote", by_service=True),
    Counter(
        "channel_saving",
        "cases.Case",
        "created_at",
        "rials of channel discount on remote/semi requests",
        by_service=True,
    ),
    Counter(
        "free_services",
        "cases.Case",
        "created_at",
        "requests served free (vulnerable clients)",
        by_service=True,
    ),
    Counter(
        "requests_resolved",
        "cases.Case",
        "status_changed_at",
        "requests closed, rejected or cancelled",
        by_service=True,
    ),
    Counter(
        "requests_closed", "cases.Case", "status_changed_at", "requests closed (completed)", by_service=True
    ),
    Counter(
        "requests_closed_seconds",
        "cases.Case",
        "status_changed_at",
        "seconds from submission to closing",
        by_service=True,
    ),
    # disputes (disputes.Dispute)
    Counter("disputes_in", "disputes.Dispute", "created_at", "disputes opened"),
    Counter("disputes_concluded", "disputes.Dispute", "concluded_at", "resolution attempts concluded"),
    Counter("disputes_out_of_scope", "disputes.Dispute", "concluded_at", "disputes sent to court untried"),
    Counter("disputes_settled", "disputes.Dispute", "concluded_at", "disputes settled by agreement"),
    Counter("disputes_awarded", "disputes.Dispute", "concluded_at", "disputes ended by an arbitral award"),
    Counter(
        "disputes_resolution_seconds",
        "disputes.Dispute",
        "concluded_at",
        "seconds from opening to settlement/award",
    ),
    # services delivered and money (finance)
    Counter(
        "services", "finance.Payment", "captured_at", "services paid (fees captured, disputes' own excluded)"
    ),
    Counter("fees_collected", "finance.Payment", "captured_at", "rials collected for those services"),
    Counter(
        "revenue", "finance.Entry", "posted_at", "office fee revenue in the ledger, net of refunds (rials)"
    ),
    Counter("subsidies", "finance.Entry", "posted_at", "subsidies owed to the office in the ledger (rials)"),
    Counter(
        "kanoon_share",
        "finance.SettlementLine",
        "month",
        "the Kanoon's share settled (first day of the month)",
    ),
    # appointments and the queue (scheduling)
    Counter(
        "appointments",
        "scheduling.Appointment",
        "start",
        "appointments held or due (not cancelled/moved)",
        by_service=True,
    ),
    Counter(
        "appointments_attended",
        "scheduling.Appointment",
        "start",
        "appointments the citizen came to",
        by_service=True,
    ),
    Counter(
        "appointments_no_show",
        "scheduling.Appointment",
        "start",
        "appointments the citizen missed",
        by_service=True,
    ),
    Counter(
        "appointment_wait_seconds",
        "scheduling.Appointment",
        "start",
        "seconds from booking to the appointment",
        by_service=True,
    ),
    Counter(
        "tickets_served",
        "scheduling.QueueTicket",
        "day",
        "queue tickets served at a counter",
        by_service=True,
    ),
    Counter(
        "ticket_wait_seconds",
        "scheduling.QueueTicket",
        "day",
        "seconds from joining the queue to the call",
        by_service=True,
    ),
    Counter(
        "visits_avoided",
        "scheduling.VisitAvoided",
        "created_at",
        "visits avoided by choosing remote",
        by_service=True,
    ),
    # satisfaction and complaints (feedback)
    Counter("survey_responses", "feedback.SurveyResponse", "answered_on", "survey answers"),
    Counter("survey_overall_sum", "feedback.SurveyResponse", "answered_on", "sum of overall scores (1–5)"),
    Counter("complaints_in", "feedback.Complaint", "created_at", "complaints received"),
    Counter("complaints_upheld", "feedback.Complaint", "decided_at", "complaints upheld (fully or partly)"),
    # outreach (outreach.FieldService)
    Counter(
        "outreach_services", "outreach.FieldService", "served_on", "free services given on outreach missions"
    ),
    Counter("outreach_value", "outreach.FieldService", "served_on", "their normal price (rials)"),
    # consultation (consult.Consultation)
    Counter("consultations", "consult.Consultation", "created_at", "consultations booked"),
    Counter(
        "consult_written_answered",
        "consult.Consultation",
        "answered_at",
        "written questions answered or refunded (a refund is the deadline missed)",
    ),
    Counter("consult_on_time", "consult.Consultation", "answered_at", "of which by the answer deadline"),
    Counter("consult_closed", "consult.Consultation", "closed_at", "consultations closed"),
    Counter(
        "consult_no_visit",
        "consult.Consultation",
        "closed_at",
        "closed with no visit to the counters booked within 30 days",
    ),
    Counter(
        "consult_started", "consult.Consultation", "closed_at", "closed by starting a request or a dispute"
    ),
)
COUNTER_NAMES: tuple[str, ...] = tuple(c.name for c in COUNTERS)
# The counters a source row of which names its catalogue service (requests, appointments on a
# slot, queue tickets with a service, visits avoided): also counted per service, into
# ``OfficeServiceDay`` / ``ProvinceServiceDay``. Nothing else is counted by service.
SERVICE_COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTERS if c.by_service)

# Stocks the selectors derive at the end of a period: Σ in − Σ resolved over every day up to it.
PENDING: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "requests_pending": (("requests_in",), ("requests_resolved",)),
    "disputes_pending": (("disputes_in",), ("disputes_concluded", "disputes_out_of_scope")),
}

# The prior weight m of the satisfaction shrinkage, the ranking's default (tanzim/ranking/policy.py).
SATISFACTION_PRIOR_WEIGHT = 30.0


# --- indicators -------------------------------------------------------------------------------


class Unit:
    SHARE = "share"  # 0..1, shown as a percentage
    PER_1000 = "per_1000"
    DAYS = "days"
    RIALS = "rials"
    COUNT = "count"
    SCORE = "score"  # 1..5

    LABELS: dict[str, Promise] = {
        "share": _("percent"),
        "per_1000": _("per 1,000 services"),
        "days": _("days"),
        "rials": _("rials"),
        "count": _("number"),
        "score": _("score out of 5"),
    }


HIGHER = "higher"
LOWER = "lower"
NEUTRAL = "neutral"

Counters = Mapping[str, int | float]


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return scale * num / den if den else None


def _satisfaction(c: Counters, network: Counters | None) -> float | None:
    """x̃ = C + (x − C)·n/(n+m), the ranking's shrinkage; C the network mean over the same period."""
    n = c.get("survey_responses", 0)
    net = network or c
    if not net.get("survey_responses", 0):
        return None
    prior = net["survey_overall_sum"] / net["survey_responses"]
    if not n:
        return prior
    raw = c["survey_overall_sum"] / n
    return prior + (raw - prior) * n / (n + SATISFACTION_PRIOR_WEIGHT)


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: Promise
    description: Promise
    formula: str  # over the counters, as docs/indicators.md writes it
    unit: str
    direction: str
    source: str
    compute: Callable[[Counters, Counters | None], float | None]
    counters: tuple[str, ...]

    def value(self, counters: Counters, network: Counters | None = None) -> float | None:
        return self.compute(counters, network)

    def better(self, now: float | None, before: float | None) -> bool | None:
        """Did the figure move the right way? None when unknown or neutral."""
        if now is None or before is None or now == before or self.direction == NEUTRAL:
            return None
        return (now > before) == (self.direction == HIGHER)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "group": self.group,
            "name": str(self.name),
            "description": str(self.description),
            "formula": self.formula,
            "unit": self.unit,
            "direction": self.direction,
            "source": self.source,
        }


def _i(code, group, name, description, formula, unit, direction, source, compute, counters) -> Indicator:
    return Indicator(code, group, name, description, formula, unit, direction, source, compute, counters)


GROUPS: dict[str, Promise] = {
    "visits": _("Fewer visits"),
    "disputes": _("Disputes out of court"),
    "timeliness": _("Timeliness (CEPEJ)"),
    "appointments": _("Appointments and the queue"),
    "quality": _("Satisfaction and complaints"),
    "social": _("Free services and outreach"),
    "money": _("Money"),
    "consult": _("Consultation"),
}

INDICATORS: tuple[Indicator, ...] = (
    _i("in_person_share", "visits", _("In-person share of requests"),
       _("Share of submitted requests that needed the citizen at the counter."),
       "requests_in_person ÷ requests_in", Unit.SHARE, LOWER, "cases",
       lambda c, n: _ratio(c["requests_in_person"], c["requests_in"]),
       ("requests_in_person", "requests_in")),
    _i("visits_avoided", "visits", _("Visits avoided"),
       _("Visits citizens did not have to make because they chose a remote service instead."),
       "visits_avoided", Unit.COUNT, HIGHER, "scheduling",
       lambda c, n: c["visits_avoided"], ("visits_avoided",)),
    _i("remote_uptake", "visits", _("Remote uptake"),
       _("Share of submitted requests made fully remotely."),
       "requests_remote ÷ requests_in", Unit.SHARE, HIGHER, "cases",
       lambda c, n: _ratio(c["requests_remote"], c["requests_in"]),
       ("requests_remote", "requests_in")),
    _i("average_saving", "visits", _("Average saving per remote request"),
       _("The channel discount a citizen saved, on average, on a remote or semi-in-person request."),
       "channel_saving ÷ (requests_remote + requests_semi)", Unit.RIALS, HIGHER, "cases",
       lambda c, n: _ratio(c["channel_saving"], c["requests_remote"] + c["requests_semi"]),
       ("channel_saving", "requests_remote", "requests_semi")),
    _i("kept_out_per_1000", "disputes", _("Disputes kept out of court"),
       _("Disputes settled or awarded at the office, per 1,000 services it delivered."),
       "(disputes_settled + disputes_awarded) ÷ services × 1000", Unit.PER_1000, HIGHER, "disputes, finance",
       lambda c, n: _ratio(c["disputes_settled"] + c["disputes_awarded"], c["services"], 1000.0),
       ("disputes_settled", "disputes_awarded", "services")),
    _i("settlement_rate", "disputes", _("Settlement rate"),
       _("Share of concluded resolution attempts that ended in a settlement."),
       "disputes_settled ÷ disputes_concluded", Unit.SHARE, HIGHER, "disputes",
       lambda c, n: _ratio(c["disputes_settled"], c["disputes_concluded"]),
       ("disputes_settled", "disputes_concluded")),
    _i("dispute_days", "disputes", _("Time to resolve a dispute"),
       _("Mean days from opening a dispute to its settlement or award."),
       "disputes_resolution_seconds ÷ (disputes_settled + disputes_awarded) ÷ 86400", Unit.DAYS, LOWER,
       "disputes",
       lambda c, n: _ratio(c["disputes_resolution_seconds"], c["disputes_settled"] + c["disputes_awarded"],
                           1 / 86400),
       ("disputes_resolution_seconds", "disputes_settled", "disputes_awarded")),
    _i("request_days", "timeliness", _("Time to complete a request"),
       _("Mean days from submitting a request to closing it."),
       "requests_closed_seconds ÷ requests_closed ÷ 86400", Unit.DAYS, LOWER, "cases",
       lambda c, n: _ratio(c["requests_closed_seconds"], c["requests_closed"], 1 / 86400),
       ("requests_closed_seconds", "requests_closed")),
    _i("request_clearance", "timeliness", _("Clearance rate, requests"),
       _("Requests resolved for every request that came in (CEPEJ); below 100% the backlog grows."),
       "requests_resolved ÷ requests_in", Unit.SHARE, HIGHER, "cases",
       lambda c, n: _ratio(c["requests_resolved"], c["requests_in"]),
       ("requests_resolved", "requests_in")),
    _i("request_disposition", "timeliness", _("Disposition time, requests"),
       _("Days the requests pending at the end of the period would take at the period's pace (CEPEJ)."),
       "requests_pending ÷ requests_resolved × 365", Unit.DAYS, LOWER, "cases",
       lambda c, n: _ratio(c.get("requests_pending", 0), c["requests_resolved"], 365.0),
       ("requests_pending", "requests_resolved")),
    _i("dispute_clearance", "timeliness", _("Clearance rate, disputes"),
       _("Disputes concluded (including those sent on to court) for every dispute opened (CEPEJ)."),
       "(disputes_concluded + disputes_out_of_scope) ÷ disputes_in", Unit.SHARE, HIGHER, "disputes",
       lambda c, n: _ratio(c["disputes_concluded"] + c["disputes_out_of_scope"], c["disputes_in"]),
       ("disputes_concluded", "disputes_out_of_scope", "disputes_in")),
    _i("dispute_disposition", "timeliness", _("Disposition time, disputes"),
       _("Days the disputes open at the end of the period would take at the period's pace (CEPEJ)."),
       "disputes_pending ÷ (disputes_concluded + disputes_out_of_scope) × 365", Unit.DAYS, LOWER, "disputes",
       lambda c, n: _ratio(c.get("disputes_pending", 0), c["disputes_concluded"] + c["disputes_out_of_scope"],
                           365.0),
       ("disputes_pending", "disputes_concluded", "disputes_out_of_scope")),
    _i("appointment_wait", "appointments", _("Wait for an appointment"),
       _("Mean days from booking an appointment to the appointment itself."),
       "appointment_wait_seconds ÷ appointments ÷ 86400", Unit.DAYS, LOWER, "scheduling",
       lambda c, n: _ratio(c["appointment_wait_seconds"], c["appointments"], 1 / 86400),
       ("appointment_wait_seconds", "appointments")),
    _i("no_show_rate", "appointments", _("No-show rate"),
       _("Share of appointments due whose citizen did not come."),
       "appointments_no_show ÷ (appointments_attended + appointments_no_show)", Unit.SHARE, LOWER,
       "scheduling",
       lambda c, n: _ratio(c["appointments_no_show"], c["appointments_attended"] + c["appointments_no_show"]),
       ("appointments_no_show", "appointments_attended")),
    _i("queue_wait", "appointments", _("Wait in the queue"),
       _("Mean minutes from taking a ticket to being called to a counter."),
       "ticket_wait_seconds ÷ tickets_served ÷ 60", Unit.COUNT, LOWER, "scheduling",
       lambda c, n: _ratio(c["ticket_wait_seconds"], c["tickets_served"], 1 / 60),
       ("ticket_wait_seconds", "tickets_served")),
    _i("satisfaction", "quality", _("Satisfaction (shrunk)"),
       _("Mean overall survey score, pulled toward the network mean when there are few answers, as the "
         "ranking does."),
       "C + (survey_overall_sum ÷ survey_responses − C) × n ÷ (n + 30)", Unit.SCORE, HIGHER, "feedback",
       _satisfaction, ("survey_overall_sum", "survey_responses")),
    _i("complaints_per_1000", "quality", _("Complaints upheld"),
       _("Complaints upheld, fully or partly, per 1,000 services."),
       "complaints_upheld ÷ services × 1000", Unit.PER_1000, LOWER, "feedback, finance",
       lambda c, n: _ratio(c["complaints_upheld"], c["services"], 1000.0),
       ("complaints_upheld", "services")),
    _i("free_services", "social", _("Free services"),
       _("Requests served free to vulnerable clients, plus free services on outreach missions."),
       "free_services + outreach_services", Unit.COUNT, HIGHER, "cases, outreach",
       lambda c, n: c["free_services"] + c["outreach_services"], ("free_services", "outreach_services")),
    _i("outreach_value", "social", _("Outreach given free"),
       _("The normal price of the services given free on outreach missions."),
       "outreach_value", Unit.RIALS, HIGHER, "outreach",
       lambda c, n: c["outreach_value"], ("outreach_value",)),
    _i("revenue", "money", _("Fee revenue"),
       _("The offices' fee revenue in the ledger, net of refunds."),
       "revenue", Unit.RIALS, NEUTRAL, "finance", lambda c, n: c["revenue"], ("revenue",)),
    _i("kanoon_share", "money", _("The Kanoon's share"),
       _("The share of fee revenue settled to the Kanoon for the months in the period."),
       "kanoon_share", Unit.RIALS, NEUTRAL, "finance", lambda c, n: c["kanoon_share"], ("kanoon_share",)),
    _i("subsidies", "money", _("Subsidies"),
       _("What the Kanoon owes offices for free services (subsidies in the ledger)."),
       "subsidies", Unit.RIALS, NEUTRAL, "finance", lambda c, n: c["subsidies"], ("subsidies",)),
    _i("consultations", "consult", _("Consultations"),
       _("Consultations booked."),
       "consultations", Unit.COUNT, HIGHER, "consult", lambda c, n: c["consultations"], ("consultations",)),
    _i("consult_on_time", "consult", _("Written answers on time"),
       _("Share of written questions answered by their deadline (a refunded one was answered late)."),
       "consult_on_time ÷ consult_written_answered", Unit.SHARE, HIGHER, "consult",
       lambda c, n: _ratio(c["consult_on_time"], c["consult_written_answered"]),
       ("consult_on_time", "consult_written_answered")),
    _i("consult_no_visit", "consult", _("Consultations ended without a visit"),
       _("Share of closed consultations with no counter visit booked within 30 days."),
       "consult_no_visit ÷ consult_closed", Unit.SHARE, HIGHER, "consult",
       lambda c, n: _ratio(c["consult_no_visit"], c["consult_closed"]),
       ("consult_no_visit", "consult_closed")),
    _i("consult_started", "consult", _("Requests started from a consultation"),
       _("Consultations that ended by starting a request or a dispute."),
       "consult_started", Unit.COUNT, HIGHER, "consult",
       lambda c, n: c["consult_started"], ("consult_started",)),
)  # fmt: skip

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def counters_read(code: str) -> tuple[str, ...]:
    """The counters the indicator ``code`` reads, a pending stock replaced by its own counters."""
    names: list[str] = []
    for name in BY_CODE[code].counters:
        if name in PENDING:
            ins, outs = PENDING[name]
            names += [*ins, *outs]
        else:
            names.append(name)
    return tuple(dict.fromkeys(names))


def by_service(code: str) -> bool:
    """Is the indicator available per service: does it read only ``SERVICE_COUNTERS``?"""
    return set(counters_read(code)) <= set(SERVICE_COUNTERS)


# The indicators a service filter can show, in the registry's order.
SERVICE_INDICATORS: tuple[str, ...] = tuple(i.code for i in INDICATORS if by_service(i.code))


def get(code: str) -> Indicator:
    return BY_CODE[code]


def compute_all(
    counters: Counters, network: Counters | None = None, codes: tuple[str, ...] | list[str] | None = None
) -> dict[str, float | None]:
    """Every (or the named) indicator's value from one set of added-up counters."""
    chosen = [BY_CODE[c] for c in codes] if codes is not None else list(INDICATORS)
    return {i.code: i.value(counters, network) for i in chosen}
