"""Recount the sources and report every (office, day, counter) the rollups disagree on, the
by-service rows' (office, service, day, counter) too (exit 1)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from tanzim.dashboards import rollups


class Command(BaseCommand):
    help = "Check the dashboards' daily rollups against the source tables; exit 1 on any disagreement."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="how many disagreements to print")

    def handle(self, *args, limit: int, **options):
        found = rollups.check()
        if not found:
            self.stdout.write("The rollups agree with the sources.")
            return
        for d in found[:limit]:
            where = (
                f"province {d.province_id} (its offices' sum)" if d.province_id else f"office {d.office_id}"
            )
            if d.service_id is not None:
                where += f" service {d.service_id}"
            self.stdout.write(
                f"{where} {d.day.isoformat()} {d.counter}: rollup {d.stored}, sources {d.source}"
            )
        self.stdout.write(f"{len(found)} disagreement(s).")
        sys.exit(1)
