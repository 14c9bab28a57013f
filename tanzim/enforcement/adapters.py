"""Asset inquiries, one adapter per agency (1394 Law 19).

The real agencies (banks through the central bank's SAMAT, the land registry, the traffic police,
the municipalities) are not reachable from here, so each adapter is simulated like the payment
gateway: it answers after a latency and sometimes fails, deterministically from the request's
reference, so a test or the demo sees the same answer every time and a retry (a new attempt, a new
reference) may succeed where the first failed. ``ENFORCEMENT_INQUIRY_FAILURE_PERCENT`` (default 10)
sets how often an attempt fails; ``ENFORCEMENT_INQUIRY_SLEEP`` makes the adapter really wait.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from tanzim.enforcement.choices import Agency, AssetKind


@dataclass(frozen=True)
class InquiryResult:
    ok: bool
    latency_ms: int
    assets: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def _draw(*parts: str) -> int:
    """A number 0-9999 fixed by the parts."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000


class SimulatedAgency:
    agency: str = ""
    min_ms, max_ms = 80, 2500

    def found(self, national_code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return [], []

    def inquire(self, *, national_code: str, reference: str) -> InquiryResult:
        latency = self.min_ms + _draw("latency", self.agency, reference) % (self.max_ms - self.min_ms)
        if getattr(settings, "ENFORCEMENT_INQUIRY_SLEEP", False):
            time.sleep(latency / 1000)
        percent = int(getattr(settings, "ENFORCEMENT_INQUIRY_FAILURE_PERCENT", 10))
        if _draw("fail", self.agency, reference) % 100 < percent:
            return InquiryResult(ok=False, latency_ms=latency, error=f"{self.agency}: no answer in time")
        assets, transfers = self.found(national_code)
        return InquiryResult(ok=True, latency_ms=latency, assets=assets, transfers=transfers)


class Banks(SimulatedAgency):
    agency = Agency.BANKS

    def found(self, national_code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        n = _draw("accounts", national_code) % 3
        return [
            {
                "kind": AssetKind.ACCOUNT,
                "description": f"Account {i + 1} (bank {1 + _draw('bank', national_code, str(i)) % 20})",
                "identifier": f"IR{_draw('iban', national_code, str(i)):04d}0000{i}",
                "estimated_value": 1_000_000 * (1 + _draw("balance", national_code, str(i)) % 500),
            }
            for i in range(n)
        ], []


class LandRegistry(SimulatedAgency):
    agency = Agency.LAND_REGISTRY
    min_ms, max_ms = 300, 4000

    def found(self, national_code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        draw = _draw("land", national_code)
        assets = []
        if draw % 3 == 0:
            assets.append(
                {
                    "kind": AssetKind.LAND,
                    "description": f"Registered plot {draw % 900 + 100}",
                    "identifier": f"deed-{draw}",
                    "estimated_value": 100_000_000 * (5 + draw % 50),
                }
            )
        transfers = (
            [{"identifier": f"deed-{draw + 1}", "months_before_judgment": 1 + draw % 11}]
            if draw % 5 == 0
            else []
        )
        return assets, transfers


class Vehicles(SimulatedAgency):
    agency = Agency.VEHICLES

    def found(self, national_code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        draw = _draw("vehicle", national_code)
        if draw % 2:
            return [], []
        return [
            {
                "kind": AssetKind.VEHICLE,
                "description": f"Car, model {1385 + draw % 18}",
                "identifier": f"{10 + draw % 89}-{100 + draw % 899}",
                "estimated_value": 50_000_000 * (4 + draw % 40),
            }
        ], []


class Municipality(SimulatedAgency):
    agency = Agency.MUNICIPALITY


ADAPTERS: dict[str, SimulatedAgency] = {
    a.agency: a for a in (Banks(), LandRegistry(), Vehicles(), Municipality())
}


def adapter_for(agency: str) -> SimulatedAgency:
    return ADAPTERS[agency]
