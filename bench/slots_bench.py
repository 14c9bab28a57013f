"""The national slot inventory: 3,000 offices × 30 days (≈ 2.1 million slots) on PostgreSQL.

1. a fresh inventory by ``slots_generate_all`` (set-based on PostgreSQL: ``slots_bulk``);
2. the same run again (nothing to change: every slot compared, none written);
3. the nightly extension (``slots_extend_all``: the last days of the horizon only);
4. with ``--before``, the office-by-office path (``slots_generate`` per office, what
   ``slots_generate_all`` did before) on a fresh inventory, for the comparison.

Figures only; nothing here asserts on time. The machine's load is printed with each figure.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/slots_bench.py
    ... bench/slots_bench.py --scale 0.1 --before     # 300 offices, both paths

Use a scratch database: the offices are those of bench/scheduling_bench.py (coded BS…, made if
missing); their slots are deleted before each fresh run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The offices of bench/scheduling_bench.py (importing it sets Django up).
scheduling_bench = importlib.import_module("bench.scheduling_bench")
OFFICE_PREFIX, ensure_offices = scheduling_bench.OFFICE_PREFIX, scheduling_bench.ensure_offices

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tanzim.offices.models import Office  # noqa: E402
from tanzim.offices.selectors import working_calendar  # noqa: E402
from tanzim.scheduling.models import Slot  # noqa: E402
from tanzim.scheduling.services import slots_generate, slots_generate_all  # noqa: E402
from tanzim.scheduling.services.slots import slots_extend_all  # noqa: E402


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def offices_qs(ids: list[int]):
    return Office.objects.filter(pk__in=ids).order_by("pk")


def clear(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scheduling_slot WHERE office_id = ANY(%s)", [ids])
        cursor.execute("VACUUM ANALYZE scheduling_slot")


def timed(label: str, run) -> float:
    began = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - began
    print(f"{label:<44} {seconds:7.1f} s  {vars(result) if result else ''}  ({load()})", flush=True)
    return seconds


def one_by_one(ids: list[int]):
    """What slots_generate_all did before: office by office, rows built in Python."""
    calendar = working_calendar()
    total = None
    for office in offices_qs(ids).prefetch_related("hours", "counters"):
        sync = slots_generate(
            office=office,
            days=30,
            hours=list(office.hours.all()),
            counters=sum(1 for c in office.counters.all() if c.active),
            calendar=calendar,
        )
        total = sync if total is None else total.__iadd__(sync)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 3,000 offices")
    parser.add_argument("--before", action="store_true", help="also time the office-by-office path")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    call_command("migrate", verbosity=0)
    offices = ensure_offices(max(20, round(3000 * args.scale)), random.Random(1405))
    ids = [o.pk for o in offices]
    print(f"Slots bench: {len(ids):,} offices × 30 days, {os.cpu_count()} CPUs ({load()})")
    if args.before:
        clear(ids)
        timed("office by office (before), fresh", lambda: one_by_one(ids))
    clear(ids)
    timed("set-based, fresh", lambda: slots_generate_all(days=30, offices=offices_qs(ids)))
    rows = Slot.objects.filter(office__code__startswith=OFFICE_PREFIX).count()
    print(f"{'  slots now':<44} {rows:,}")
    timed(
        "set-based, again (nothing to change)", lambda: slots_generate_all(days=30, offices=offices_qs(ids))
    )
    timed("nightly extension (last days only)", lambda: slots_extend_all(offices=offices_qs(ids)))


if __name__ == "__main__":
    main()
