from celery import shared_task

from tanzim.common.taskqueues import retry_countdown


@shared_task(name="tanzim.cases.tasks.file_case", bind=True, max_retries=3)
def file_case(self, case_id: int) -> str:
    """File a paid case with the judiciary; a few quick retries, then the minute sweep takes over."""
    from tanzim.cases.services import case_file

    outcome = case_file(case_id=case_id)
    if outcome == "retry" and not self.request.is_eager:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return outcome


@shared_task(name="tanzim.cases.tasks.file_pending")
def file_pending() -> int:
    """Sweeper: paid cases whose filing failed or whose worker died are sent again."""
    from tanzim.cases.choices import CaseStatus
    from tanzim.cases.models import Case
    from tanzim.cases.services import case_file

    ids = list(Case.objects.filter(status=CaseStatus.PAID).values_list("pk", flat=True)[:500])
    return sum(case_file(case_id=pk) == "filed" for pk in ids)
