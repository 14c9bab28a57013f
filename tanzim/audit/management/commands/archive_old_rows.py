from django.core.management.base import BaseCommand

from tanzim.audit.archive import KINDS, archive_old_rows


class Command(BaseCommand):
    help = (
        "Move rows older than each kind's horizon (ARCHIVE_*_DAYS) to gzip JSON-lines files under "
        "ARCHIVE_DIR with a SHA-256 manifest, then delete them in batches (docs/scaling.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", action="append", choices=sorted(KINDS), help="only this kind (repeatable)"
        )
        parser.add_argument("--batch-size", type=int, default=None, help="rows per file and transaction")
        parser.add_argument("--dry-run", action="store_true", help="count what would be archived")

    def handle(self, *args, **options):
        report = archive_old_rows(
            kinds=options["kind"], batch_size=options["batch_size"], dry_run=options["dry_run"]
        )
        verb = "would archive" if report.dry_run else "archived"
        for kind in options["kind"] or KINDS:
            if kind in report.counts:
                self.stdout.write(f"{kind}: {verb} {report.counts[kind]} ({KINDS[kind].what})")
            else:
                self.stdout.write(f"{kind}: kept (its horizon is 0)")
        if not report.dry_run:
            self.stdout.write(self.style.SUCCESS(f"{report.total} rows in {len(report.parts)} files"))
