from django.conf import settings
from django.core.management.base import BaseCommand

from tanzim.privacy.services import RULES, retention_purge


class Command(BaseCommand):
    help = (
        "Delete or blank the records older than their retention (RETENTION_* settings), in batches. "
        "Audit events are never touched: audit_verify still passes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; change nothing."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Rows per transaction.")

    def handle(self, *args, dry_run: bool = False, batch_size: int | None = None, **options):
        report = retention_purge(dry_run=dry_run, batch_size=batch_size)
        verb = "would purge" if dry_run else "purged"
        for rule in RULES:
            days = int(getattr(settings, rule.setting))
            if days <= 0:
                self.stdout.write(f"{rule.kind}: kept for ever ({rule.setting}=0)")
                continue
            self.stdout.write(
                f"{rule.kind}: {verb} {report.counts.get(rule.kind, 0)} (older than {days} days)"
            )
        self.stdout.write(self.style.SUCCESS(f"{verb} {report.total} record(s) in all"))
