"""Outbound adapters: identity verification and filing with the judiciary.

The demo runs simulated ones that behave like remote systems (they can refuse and fail); a
deployment names real ones in settings (CASES_IDENTITY_ADAPTER, CASES_FILING_ADAPTER).
"""

from __future__ import annotations

import random
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from tanzim.common.identifiers import is_valid_national_code


class FilingError(Exception):
    """The judiciary's system did not take the filing this time; try again later."""


class SimulatedIdentityVerifier:
    """Stands in for a registry check (national code + mobile ownership)."""

    def verify(self, *, national_code: str, mobile: str, birth_date=None) -> bool:
        return bool(national_code) and is_valid_national_code(national_code) and bool(mobile)


class SimulatedJudiciary:
    """Takes filings keyed by tracking code, so a retry after a lost answer is never filed twice."""

    def __init__(self, failure_rate: float | None = None, rng: random.Random | None = None):
        self.failure_rate = settings.CASES_FILING_FAILURE_RATE if failure_rate is None else failure_rate
        self.rng = rng or random.Random()

    def file(self, *, tracking_code: str, payload: dict) -> str:
        from tanzim.cases.models import SimulatedFiling

        existing = SimulatedFiling.objects.filter(tracking_code=tracking_code).first()
        if existing:
            return existing.external_ref
        if self.rng.random() < self.failure_rate:
            raise FilingError("simulated outage")
        ref = f"J{secrets.randbelow(10**12):012d}"
        try:
            with transaction.atomic():
                SimulatedFiling.objects.create(tracking_code=tracking_code, external_ref=ref)
        except IntegrityError:
            return SimulatedFiling.objects.get(tracking_code=tracking_code).external_ref
        return ref


def identity_verifier():
    return import_string(settings.CASES_IDENTITY_ADAPTER)()


def judiciary():
    return import_string(settings.CASES_FILING_ADAPTER)()
