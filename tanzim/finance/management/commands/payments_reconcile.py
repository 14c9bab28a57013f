"""``manage.py payments_reconcile``: finish payments whose callback never came, expire stale ones."""

from django.core.management.base import BaseCommand

from tanzim.finance.services import payments_reconcile


class Command(BaseCommand):
    help = "Ask the gateway about pending payments: capture those it says were paid, expire stale ones."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit: int, **options):
        report = payments_reconcile(limit=limit)
        self.stdout.write(
            f"checked {report.checked}: captured {report.captured}, closed {report.closed}, "
            f"mismatched {report.mismatched}, refunds completed {report.refunds_completed}, "
            f"errors {report.errors}"
        )
