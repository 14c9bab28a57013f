from celery import shared_task


@shared_task(name="tanzim.cases.tasks.file_case", bind=True, max_retries=8)
def file_case(self, case_id: int) -> str:
    from tanzim.cases.services import case_file

    outcome = case_file(case_id=case_id)
    if outcome == "retry" and not self.request.is_eager:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return outcome


@shared_task(name="tanzim.cases.tasks.file_pending")
def file_pending() -> int:
    """Sweeper: paid cases whose filing failed or whose worker died are sent again."""
    from tanzim.cases.choices import CaseStatus
    from tanzim.cases.models import Case
    from tanzim.cases.services import case_file

    ids = list(Case.objects.filter(status=CaseStatus.PAID).values_list("pk", flat=True)[:500])
    return sum(case_file(case_id=pk) == "filed" for pk in ids)
