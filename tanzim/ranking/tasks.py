"""Thin tasks: a run id in; the service re-reads the run and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from tanzim.ranking import services


@shared_task(ignore_result=True)
def execute_run(run_id: int) -> str:
    """Compute a queued ranking run; a second delivery finds it claimed and does nothing."""
    return services.run_execute(run_id=run_id).status
