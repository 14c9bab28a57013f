"""Demo stage: count everything the other stages wrote into the daily rollups (last of seed_demo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tanzim.dashboards import rollups


def seed_dashboards(*, offices: list[Any], progress: Callable[[], Any] | None = None) -> int:
    """Rebuild every day's rollups from the sources (idempotent: the rows are replaced)."""
    rows = rollups.rebuild()
    if progress is not None:
        for _office in offices:
            progress()
    return rows
