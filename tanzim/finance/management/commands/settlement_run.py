"""``manage.py settlement_run --year 1404 --month 7``: settle a finished Jalali month (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from tanzim.common.errors import DomainError
from tanzim.finance.selectors import last_ended_month
from tanzim.finance.services import settlement_run


class Command(BaseCommand):
    help = "Run the Kanoon's monthly settlement for a Jalali month (the last ended month by default)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--month", type=int)

    def handle(self, *args, year: int | None, month: int | None, **options):
        if (year is None) != (month is None):
            raise CommandError("Give both --year and --month, or neither.")
        if year is None or month is None:
            last = last_ended_month()
            year, month = last.year, last.month
        try:
            run = settlement_run(year=year, month=month, actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"{run.year}/{run.month:02d}: {run.offices} offices, revenue {run.revenue:,}, "
            f"share {run.share:,}, subsidies {run.subsidies:,}, net {run.net:,} rials"
        )
