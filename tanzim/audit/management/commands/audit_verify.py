from django.core.management.base import BaseCommand, CommandError

from tanzim.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify every audit chain; exits non-zero if a row was edited or deleted."

    def handle(self, *args, **options):
        report = audit_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        summary = f"{report.streams} streams, {report.events} events checked"
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s); {summary}")
        self.stdout.write(self.style.SUCCESS(f"OK: {summary}"))
