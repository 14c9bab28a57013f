from celery import shared_task


@shared_task(name="tanzim.privacy.tasks.scan_confidential_reads")
def scan_confidential_reads() -> int:
    """Beat, every 15 minutes: today's alerts on unusual reading of confidential records."""
    from tanzim.privacy.services import read_alerts_scan

    return len(read_alerts_scan())


@shared_task(name="tanzim.privacy.tasks.purge_expired")
def purge_expired() -> int:
    """Beat, nightly: the retention rules (docs/operations.md, Retention)."""
    from tanzim.privacy.services import retention_purge

    return retention_purge().total
