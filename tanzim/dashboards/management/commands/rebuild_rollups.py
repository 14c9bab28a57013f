"""Recount the daily rollups (and their by-service rows) from the source tables, month by month
(a progress bar on a terminal)."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from tanzim.common.jalali import parse_jalali
from tanzim.dashboards import rollups


def _day(value: str | None):
    if not value:
        return None
    try:
        return parse_jalali(value)
    except Exception as exc:  # a ValidationError with a translated message
        raise CommandError(f"Not a Jalali date: {value!r} (e.g. 1404-01-01).") from exc


class Command(BaseCommand):
    help = "Rebuild the dashboards' daily rollups from the sources (every day, or --from/--to Jalali dates)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first Jalali day, e.g. 1404-01-01")
        parser.add_argument("--to", dest="last", help="last Jalali day")

    def handle(self, *args, first=None, last=None, **options):
        first_day, last_day = _day(first), _day(last)
        if first_day is None or last_day is None:
            span = rollups.source_span()
            if span is None:
                rollups.rebuild()
                self.stdout.write("No source rows: the rollups are empty.")
                return
            first_day, last_day = first_day or span[0], last_day or span[1]
        chunks = rollups.month_chunks(first_day, last_day)
        started = time.perf_counter()
        with Progress(disable=not sys.stdout.isatty(), transient=True) as progress:
            task = progress.add_task("months", total=len(chunks))
            rows = rollups.rebuild(first_day, last_day, progress=lambda n: progress.advance(task, n))
        self.stdout.write(
            f"{rows} office-days over {len(chunks)} months rebuilt in {time.perf_counter() - started:.1f} s."
        )
