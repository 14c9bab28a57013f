"""The dispute deadline sweep on PostgreSQL: rows per second, one worker and two at once.

Three sets of N disputes wait for the respondent's answer, invited a month apart (their deadlines
fall at the end of a day, so sets invited the same day would all fall due together). When each set
falls due it is swept differently:

1. ``one by one (before)``: what ``deadlines_sweep`` did before: list the due ids, then act on
   each (every step re-reads and compare-and-sets);
2. ``claimed in batches, 1 worker``: ``deadlines_sweep`` (``FOR UPDATE SKIP LOCKED`` batches);
3. ``claimed in batches, 2 workers``: two ``deadlines_sweep`` at once in two processes.

After each, every dispute of the set must have been reminded exactly once. Figures only.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/sweeps_bench.py --n 100
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import Role  # noqa: E402
from tanzim.disputes import services  # noqa: E402
from tanzim.disputes.choices import DisputeStatus  # noqa: E402
from tanzim.disputes.models import Dispute  # noqa: E402
from tanzim.disputes.services.deadlines import invitation_follow_up  # noqa: E402
from tanzim.offices.models import City  # noqa: E402
from tanzim.testing.disputes import open_dispute  # noqa: E402
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, give_role  # noqa: E402


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def people() -> SimpleNamespace:
    code = f"SW{uuid.uuid4().hex[:4].upper()}"
    office = OfficeFactory.create(
        code=code, city=City.objects.filter(is_capital=True).order_by("code").first()
    )
    clerk = give_role(UserFactory.create(username=f"clerk.{code.lower()}"), Role.CLERK, office=office)
    return SimpleNamespace(office_a=office, clerk_a=clerk, citizen=CitizenFactory.create())


def invited(offices: list[SimpleNamespace], n: int) -> list[int]:
    """N disputes invited, spread over the offices (each office's audit events are one chain, so
    one office's disputes are written one after another whatever the number of workers)."""
    ids = []
    for i in range(n):
        ns = offices[i % len(offices)]
        dispute = services.dispute_triage(dispute=open_dispute(ns), actor=ns.clerk_a)
        services.dispute_invite(dispute=dispute, actor=ns.clerk_a)
        ids.append(dispute.pk)
    return ids


def one_by_one(now) -> dict:
    """The sweep's first step as it was: the due ids, then each acted on by itself."""
    counts: dict[str, int] = {}
    due = Dispute.objects.filter(status=DisputeStatus.INVITED, due_at__lt=now).values_list("pk", flat=True)
    for pk in list(due[:2000]):
        outcome = invitation_follow_up(dispute_id=pk, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _worker(now, results) -> None:
    connection.close()  # a forked process opens its own connection
    results.put(services.deadlines_sweep(now=now))


def two_workers(now) -> dict:
    """Two processes, as two Celery workers would be (threads would share one interpreter's lock)."""
    connection.close()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(now, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    merged: dict[str, int] = {}
    for _ in workers:
        for k, v in results.get().items():
            merged[k] = merged.get(k, 0) + v
    for worker in workers:
        worker.join()
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="disputes per set")
    parser.add_argument("--offices", type=int, default=10, help="offices the disputes are spread over")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    call_command("migrate", verbosity=0)
    offices = [people() for _ in range(args.offices)]
    start = timezone.now() + timedelta(minutes=1)  # after the clerk's role began
    ways = [
        ("one by one (before)", one_by_one),
        ("claimed in batches, 1 worker", lambda now: services.deadlines_sweep(now=now)),
        ("claimed in batches, 2 workers", two_workers),
    ]
    print(f"{'sweep':<32} {'rows':>6} {'seconds':>8} {'rows/s':>8}  outcomes")
    for k, (label, sweep) in enumerate(ways):
        # Each sweep has a set of its own: invited a month after the last, swept when it is due;
        # the deadlines fall at the end of a day, so the sets must not share one.
        with time_machine.travel(start + timedelta(days=30 * k), tick=True):
            ids = invited(offices, args.n)
        due = max(d for d in Dispute.objects.filter(pk__in=ids).values_list("due_at", flat=True) if d)
        due += timedelta(minutes=1)
        attempts = dict(Dispute.objects.filter(pk__in=ids).values_list("pk", "invite_attempts"))
        with time_machine.travel(due, tick=True):
            began = time.perf_counter()
            outcomes = sweep(timezone.now())
            seconds = time.perf_counter() - began
        after = dict(Dispute.objects.filter(pk__in=ids).values_list("pk", "invite_attempts"))
        wrong = sum(after[pk] != attempts[pk] + 1 for pk in ids)
        rows = sum(outcomes.values())
        print(f"{label:<32} {rows:6d} {seconds:8.1f} {rows / seconds:8.1f}  {outcomes}"
              f"  not reminded exactly once: {wrong}  ({load()})", flush=True)  # fmt: skip
        # The set's next step (its second deadline) must not be in the next set's sweep.
        Dispute.objects.filter(pk__in=ids).update(due_at=due + timedelta(days=3650))


if __name__ == "__main__":
    main()
