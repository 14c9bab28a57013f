from django.core.management.base import BaseCommand, CommandError

from tanzim.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Verify every audit chain; exits non-zero if a row was edited or deleted. Each chain starts "
        "from its archive anchor; --archive also checks the archived files up to the anchor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--archive",
            action="store_true",
            help="also verify the archive (ARCHIVE_DIR): every file's SHA-256 and the archived chains",
        )

    def handle(self, *args, **options):
        report = audit_verify()
        problems = list(report.problems)
        summary = f"{report.streams} streams, {report.events} events checked"
        if options["archive"]:
            from tanzim.audit.archive import archive_verify
            from tanzim.audit.models import ArchivePart

            problems += archive_verify()
            summary += f", {ArchivePart.objects.count()} archive files"
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s); {summary}")
        self.stdout.write(self.style.SUCCESS(f"OK: {summary}"))
