"""Thin Celery tasks: ids in, re-read, call one service; each is safe to run twice."""

from celery import shared_task

from tanzim.common.taskqueues import retry_countdown


@shared_task(name="tanzim.disputes.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Beat: reminders, "not contactable", closed mediation windows, expired arbitration terms."""
    from tanzim.disputes.services import deadlines_sweep

    return deadlines_sweep()


@shared_task(name="tanzim.disputes.tasks.warm_public_figures")
def warm_public_figures() -> int:
    """Beat: the public figures of this year and month counted before their cached copy expires."""
    from tanzim.disputes.metrics import warm_public_figures as warm

    return len(warm())


@shared_task(name="tanzim.disputes.tasks.render_settlement_pdf", bind=True, max_retries=5)
def render_settlement_pdf(self, settlement_id: int) -> bool:
    from tanzim.disputes.services import settlement_store_pdf

    try:
        return settlement_store_pdf(settlement_id=settlement_id)
    except OSError as exc:  # storage hiccup: try again later; the page renders it meanwhile
        if self.request.is_eager:
            return False
        raise self.retry(countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="tanzim.disputes.tasks.render_award_pdf", bind=True, max_retries=5)
def render_award_pdf(self, award_id: int) -> bool:
    from tanzim.disputes.services import award_store_pdf

    try:
        return award_store_pdf(award_id=award_id)
    except OSError as exc:
        if self.request.is_eager:
            return False
        raise self.retry(countdown=retry_countdown(self.request.retries)) from exc
