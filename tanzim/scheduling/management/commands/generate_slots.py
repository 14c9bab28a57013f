"""Regenerate the slot table of every office (or some) over the booking horizon."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import Progress

from tanzim.offices.models import Office
from tanzim.scheduling.services import slots_generate_all


class Command(BaseCommand):
    help = "Create, update and close future slots from hours, counters, policies and holidays (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Days ahead (default: the horizon setting)."
        )
        parser.add_argument("--office", action="append", default=[], help="Office code; repeat for several.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, days, office, quiet, **opts):
        console = Console(quiet=quiet)
        offices = Office.objects.all().order_by("pk")
        if office:
            offices = offices.filter(code__in=office)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("slots", total=offices.count())
            sync = slots_generate_all(days=days, offices=offices, progress=lambda: progress.advance(task))
        console.print(
            f"created {sync.created:,} · updated {sync.updated:,} · closed {sync.closed:,} · "
            f"kept because booked {sync.kept_booked:,}"
        )
