"""Run the office ranking for a period with a progress bar, or reproduce a stored run.

manage.py rank_offices --period 1405-03 [--reason "…"] [--approve]
manage.py rank_offices --reproduce 12
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tanzim.common.errors import DomainError
from tanzim.ranking import services
from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingRun


class Command(BaseCommand):
    help = "Rank every office for a Jalali month (1405-03) or quarter (1405-Q1), or reproduce a run."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="1405-03 or 1405-Q1; default: the last ended month")
        parser.add_argument(
            "--reason", default="", help="Needed to re-run a period that has an approved run."
        )
        parser.add_argument("--approve", action="store_true", help="Approve the run once it has finished.")
        parser.add_argument(
            "--reproduce", type=int, metavar="RUN", help="Recompute a stored run and compare."
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, period, reason, approve, reproduce, quiet, **options):
        console = Console(quiet=quiet)
        try:
            if reproduce:
                run = RankingRun.objects.select_related("policy").filter(pk=reproduce).first()
                if run is None:
                    raise CommandError(f"No run {reproduce}.")
                result = services.run_reproduce(run=run)
                console.print(
                    f"run {run.pk}: {'identical' if result.identical else 'DIFFERENT'} "
                    f"({result.differences} offices differ) outputs {result.outputs_digest[:16]}"
                )
                if not result.identical:
                    raise CommandError("The run did not reproduce.")
                return
            from tanzim.ranking import periods

            chosen = periods.parse(period) if period else periods.last_ended_month()
            run = services.run_request(actor=None, period=chosen, reason=reason)
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), console=console, transient=quiet,
            ) as bar:  # fmt: skip
                task = bar.add_task(f"ranking {chosen.code}", total=100)
                run = services.run_execute(
                    run_id=run.pk,
                    progress=lambda stage, pct: bar.update(
                        task, completed=pct, description=f"{chosen.code}: {stage}"
                    ),
                )
                bar.update(task, completed=100)
            if run.status != RunStatus.FINISHED:
                raise CommandError(f"Run {run.pk} {run.status}: {run.error}")
            if approve:
                run = services.run_approve(run=run, actor=None)
            console.print(
                f"run {run.pk} {run.status}: {run.ranked_count} of {run.office_count} offices ranked"
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
