from celery import shared_task


@shared_task(name="tanzim.audit.tasks.archive_old_rows")
def archive_old_rows() -> dict[str, int]:
    """Nightly: the rows past their horizon go to the archive (tanzim.audit.archive)."""
    from tanzim.audit.archive import archive_old_rows as archive

    return archive().counts
