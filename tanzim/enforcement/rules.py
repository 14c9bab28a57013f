"""The law's numbers as data (table ``Rule``, seeded by migration 0002, edited by the Kanoon in the
admin) and the deadlines they give on the working calendar.

``DEFAULTS`` is what migration 0002 writes and what applies if a row is missing; ``confirmed``
says whether the value was checked against the law's text (see docs/enforcement.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tanzim.common.calendar import WorkingCalendar
from tanzim.common.deadlines import DeadlineRule


@dataclass(frozen=True)
class RuleDefault:
    value: int
    unit: str
    article: str
    confirmed: bool


DEFAULTS: dict[str, RuleDefault] = {
    "fee_rate_bp": RuleDefault(500, "basis_points", "CJEA 158", True),
    "fee_settled_rate_bp": RuleDefault(250, "basis_points", "CJEA 158-160 (halved on settlement)", False),
    "publication_days": RuleDefault(10, "days", "CJEA 9", True),
    "debtor_window_days": RuleDefault(10, "days", "CJEA 34", True),
    "insolvency_window_days": RuleDefault(30, "days", "1394 Law 3", True),
    "objection_days": RuleDefault(3, "days", "CJEA 75", True),
    "auction_deposit_bp": RuleDefault(1000, "basis_points", "CJEA 129", True),
    "auction_balance_months": RuleDefault(1, "months", "CJEA 129", True),
    "complaint_days": RuleDefault(7, "days", "CJEA 136, 142", False),
    "salary_divisor_dependants": RuleDefault(4, "fraction_1_of", "CJEA 96", True),
    "salary_divisor_single": RuleDefault(3, "fraction_1_of", "CJEA 96", True),
    "pension_divisor": RuleDefault(4, "fraction_1_of", "CJEA 96", False),
    "auction_notice_days": RuleDefault(10, "days", "CJEA 118-123 (notice before the sale)", False),
    "auction_extension_minutes": RuleDefault(5, "minutes", "Tanzim's rule (not in the law)", False),
    "inquiry_lookback_months": RuleDefault(12, "months", "1394 Law 19", True),
}

EXEMPT_DEFAULTS: tuple[tuple[str, str, str, bool], ...] = (
    ("home", "منزل مسکونی متناسب با شأن محکوم‌علیه", "A home suited to the debtor's standing", True),
    ("furniture", "اثاثیه مورد نیاز زندگی", "Furniture necessary for living", True),
    ("food", "آذوقه موجود به قدر احتیاج", "Food stock for the household's needs", True),
    ("trade_tools", "کتب و ابزار کار و وسایل کسب", "Books and tools of the trade", True),
    ("telephone", "تلفن مورد نیاز", "A telephone in use", True),
    ("rent_deposit", "ودیعه اجاره متناسب", "A rent deposit for a suitable home", False),
)


def rules() -> dict[str, int]:
    """Every rule's value, the table's where it has one (one query)."""
    from tanzim.enforcement.models import Rule

    values = {key: default.value for key, default in DEFAULTS.items()}
    values.update(dict(Rule.objects.values_list("key", "value")))
    return values


def rule(key: str) -> int:
    from tanzim.enforcement.models import Rule

    found = Rule.objects.filter(key=key).values_list("value", flat=True).first()
    return int(found) if found is not None else DEFAULTS[key].value


def exempt_categories() -> dict[str, str]:
    """code → name of the categories in force, in the reader's language."""
    from django.utils.translation import get_language

    from tanzim.enforcement.models import ExemptCategory

    english = (get_language() or "fa").startswith("en")
    rows = ExemptCategory.objects.filter(active=True).values_list("code", "name_fa", "name_en")
    return {code: (en if english else fa) for code, fa, en in rows}


def deadline(start: date, *, calendar: WorkingCalendar, days: int = 0, months: int = 0) -> date:
    """The last day of a period running from ``start`` (CPC 443-445: the day of notice does not
    count, and a last day that is not a working day moves to the next working day)."""
    return DeadlineRule(days=days, months=months, abroad_months=0).due(start, calendar)


def fee_amount(*, base: int, settled: bool, values: dict[str, int] | None = None) -> tuple[int, int]:
    """(fee, rate in basis points) on ``base`` rials collected: 5%, halved when the parties settle."""
    values = values or rules()
    rate = values["fee_settled_rate_bp"] if settled else values["fee_rate_bp"]
    return base * rate // 10000, rate


def garnishable(
    *,
    monthly: int,
    protected: int,
    has_dependants: bool,
    is_pension: bool,
    values: dict[str, int] | None = None,
) -> int:
    """The most that may be taken from a salary or pension each month (CJEA 96).

    Allowances from the Relief Committee and the Welfare Organisation are excluded before the
    fraction is applied: ¼ with a spouse or child, otherwise ⅓; pensions ¼.
    """
    values = values or rules()
    base = max(0, monthly - protected)
    if is_pension:
        divisor = values["pension_divisor"]
    elif has_dependants:
        divisor = values["salary_divisor_dependants"]
    else:
        divisor = values["salary_divisor_single"]
    return base // divisor
