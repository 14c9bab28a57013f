"""Where a web worker's Python memory grew between two tracemalloc snapshots (deploy/gunicorn.conf.py).

python deploy/tracemalloc_diff.py var/trace/tracemalloc-123-002.snap var/trace/tracemalloc-123-010.snap
"""

from __future__ import annotations

import sys
import tracemalloc


def main(first: str, second: str, top: int = 25) -> None:
    old, new = tracemalloc.Snapshot.load(first), tracemalloc.Snapshot.load(second)
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    ]
    old, new = old.filter_traces(ignore), new.filter_traces(ignore)
    total_old = sum(s.size for s in old.statistics("filename"))
    total_new = sum(s.size for s in new.statistics("filename"))
    print(
        f"traced: {total_old / 2**20:.2f} MB -> {total_new / 2**20:.2f} MB "
        f"({(total_new - total_old) / 2**10:+.0f} KiB)"
    )
    for kind in ("lineno", "traceback"):
        print(f"--- top {top} by {kind}")
        for stat in new.compare_to(old, kind)[:top]:
            print(
                f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                f"{stat.traceback.format()[-1].strip()}"
            )
            if kind == "traceback":
                for line in stat.traceback.format()[:-1]:
                    print("      ", line.strip())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:4]))
