"""The eligibility adapter: is a person a Relief Committee client or a Welfare allowance receiver?

The Imam Khomeini Relief Committee and the Welfare Organisation have inquiry services; until
the Kanoon connects them, the simulated adapter answers from the national code (the same code
always gets the same answer), so the field page and its tests see both outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from tanzim.finance.choices import FreeServiceGround


@dataclass(frozen=True)
class Eligibility:
    ground: str  # a FreeServiceGround value, or "" when neither organisation knows the person
    source: str  # "simulated" or the inquiry service's name


def _simulated(national_code: str) -> Eligibility:
    digits = [int(c) for c in national_code if c.isdigit()]
    bucket = sum(digits) % 4
    if bucket == 0:
        return Eligibility(ground=FreeServiceGround.RELIEF_COMMITTEE, source="simulated")
    if bucket == 1:
        return Eligibility(ground=FreeServiceGround.WELFARE_ALLOWANCE, source="simulated")
    return Eligibility(ground="", source="simulated")


def eligibility_check(*, national_code: str) -> Eligibility:
    """Ask the configured adapter (only the simulated one exists yet)."""
    adapter = getattr(settings, "OUTREACH_ELIGIBILITY_ADAPTER", "simulated")
    if adapter != "simulated":  # pragma: no cover - no real adapter yet
        raise NotImplementedError(adapter)
    return _simulated(national_code)
