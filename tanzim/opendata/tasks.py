"""Thin Celery tasks of the open data."""

from celery import shared_task


@shared_task(name="tanzim.opendata.tasks.warm_tables")
def warm_tables() -> int:
    """Beat: the public tables that change made again before their cached copies expire."""
    from tanzim.opendata.selectors import warm

    return warm()
