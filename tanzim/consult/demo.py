"""Demo data for consult (idempotent): called by ``seed_demo`` after the apps it builds on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def seed_consult(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
