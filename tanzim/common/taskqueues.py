"""Celery queues by kind: every task of the project goes to the queue settings.TASK_QUEUES names.

``CELERY_TASK_ROUTES`` points here. Queues: ``sms`` (one-time codes and every other message),
``pdf`` (documents rendered by WeasyPrint), ``ranking`` (runs of minutes), ``sweeps`` (beat's
periodic work) and ``default`` (a piece of work one request queued). A dedicated worker consumes
one of them (deploy/entrypoint.sh, ``CELERY_QUEUES=sms``), so a slow PDF never delays an OTP.

A process that changed its default queue (an isolated worker of the test suite, a one-off
debugging worker) keeps every task on that queue: routing is for the site's own queues.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def queue_for(name: str) -> str | None:
    """The queue a task goes to on the site's queues (None: not a task the table knows)."""
    queue: str | None = settings.TASK_QUEUES.get(name)
    return queue


def retry_countdown(retries: int, *, first: int = 30) -> int:
    """Seconds before a task's next try: doubling from ``first``, always under half the broker's
    visibility timeout. A message waiting out a longer countdown in a worker's hands is handed to a
    second worker when the timeout passes (late acknowledgement), and again, and again; waits longer
    than that belong to the sweeps (``file_pending``, ``deliver_pending``), which run every minute."""
    ceiling: int = max(1, int(settings.CELERY_VISIBILITY_TIMEOUT) // 2)
    wait: int = first * 2 ** max(0, retries)
    return min(ceiling, wait)


def route(name: str, args: Any, kwargs: Any, options: dict[str, Any], task: Any = None, **kw: Any) -> Any:
    """Celery router: ``{"queue": …}`` from the table; an explicit ``queue=`` option wins (Celery)."""
    app = task.app if task is not None else None
    if app is not None and app.conf.task_default_queue != settings.CELERY_TASK_DEFAULT_QUEUE:
        return None
    queue = queue_for(name)
    return {"queue": queue} if queue else None
