"""The rollups' refresh, every few minutes: only the office-days touched since the last run."""

from __future__ import annotations

from celery import shared_task

from tanzim.dashboards import rollups


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    return rollups.refresh()
