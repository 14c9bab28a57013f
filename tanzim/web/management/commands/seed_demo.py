"""Fill the database with demo data. Safe to run again: nothing is duplicated."""

import functools

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tanzim.accounts.demo import seed_people
from tanzim.cases.demo import seed_cases
from tanzim.consult.demo import seed_consult
from tanzim.dashboards.demo import seed_dashboards
from tanzim.disputes.demo import seed_disputes
from tanzim.enforcement.demo import seed_enforcement
from tanzim.feedback.demo import seed_feedback
from tanzim.finance.demo import seed_finance
from tanzim.inspections.demo import seed_inspections
from tanzim.membership.demo import seed_membership
from tanzim.offices.demo import seed_offices
from tanzim.offices.models import City
from tanzim.offices.services import reference_data_load
from tanzim.outreach.demo import seed_outreach
from tanzim.partners.demo import seed_partners
from tanzim.ranking.demo import seed_ranking
from tanzim.scheduling.demo import seed_scheduling


class Command(BaseCommand):
    help = "Create demo offices, staff for every role, citizens and activity in every app (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--offices", type=int, default=200)
        parser.add_argument("--citizens", type=int, default=60)
        parser.add_argument("--quiet", action="store_true", help="No progress bar, no login table.")

    def handle(self, *args, offices: int, citizens: int, quiet: bool, **options):
        console = Console(quiet=quiet)
        with Progress(console=console, transient=True) as progress:
            with transaction.atomic():
                reference_data_load()
                capitals = City.objects.filter(is_capital=True).count()
                task = progress.add_task("offices", total=offices + capitals)
                created = seed_offices(total=offices, progress=functools.partial(progress.advance, task))
                task = progress.add_task("people", total=len(created))
                logins = seed_people(
                    offices=created, citizens=citizens, progress=functools.partial(progress.advance, task)
                )
            # Each later stage is its own transaction: a long seed never holds one giant lock.
            stages = (
                ("money", seed_finance),
                ("requests", seed_cases),
                ("appointments", seed_scheduling),
                ("disputes", seed_disputes),
                ("consultations", seed_consult),
                ("partners", seed_partners),
                ("enforcement", seed_enforcement),
                ("surveys", seed_feedback),
                ("inspections", seed_inspections),
                ("outreach", seed_outreach),
                ("ranking", seed_ranking),  # reads what the stages above wrote
                ("new offices and members", seed_membership),
                ("dashboards", seed_dashboards),  # last: counts what every stage above wrote
            )
            for label, seed in stages:
                task = progress.add_task(label, total=len(created))
                with transaction.atomic():
                    seed(offices=created, progress=functools.partial(progress.advance, task))
        table = Table(title=f"Demo logins ({settings.SITE_URL})")
        for column in ("role", "login", "password / how"):
            table.add_column(column)
        for row in logins:
            table.add_row(*row)
        console.print(table)
        console.print(f"{len(created)} offices ready.")
