"""gunicorn's settings for Tanzim's web process (deploy/entrypoint.sh web passes --config here).

Every value the operator changes comes from the environment (entrypoint.sh lists them).

Memory (docs/operations.md, Memory). Under load a worker's RSS grows for its first minutes while its
live memory does not: Python's traced heap and the bytes glibc's malloc has handed out stay flat;
what grows is the memory malloc holds *free* inside its heap, in pieces too small to give back
(fragmentation), until it levels off. ``malloc_trim(0)`` every 100 requests was tried and changed
nothing measurable. The remedy is to recycle workers: ``WEB_MAX_REQUESTS`` (default 5000) with
``WEB_MAX_REQUESTS_JITTER`` (default 500) replaces a worker by a fresh one after that many requests,
never all workers at once; 0 turns it off.

Memory diagnosis, off unless asked for: with ``TANZIM_TRACEMALLOC=<directory>`` each worker starts
``tracemalloc`` when it is forked and writes a snapshot (``tracemalloc-<pid>-<n>.snap``) and a line of
its RSS and traced total (``tracemalloc-<pid>.txt``) every ``TANZIM_TRACEMALLOC_EVERY`` seconds
(default 60). Compare two snapshots with ``python deploy/tracemalloc_diff.py A B``. Tracing costs
CPU and memory of its own: never left on in production (docs/operations.md, Memory).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from typing import Any


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc_line() -> str:
    """glibc's own account: bytes in use by malloc (Python's and C libraries') and bytes it holds free."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return ""
    mb = 2**20
    return (
        f" malloc_in_use_mb={info.uordblks / mb:.1f} malloc_free_mb={info.fordblks / mb:.1f}"
        f" malloc_mmap_mb={info.hblkhd / mb:.1f} malloc_arena_mb={info.arena / mb:.1f}"
    )


def _trace(directory: str, every: float) -> None:
    import tracemalloc

    os.makedirs(directory, exist_ok=True)
    pid, n = os.getpid(), 0
    while True:
        time.sleep(every)
        n += 1
        snapshot = tracemalloc.take_snapshot()
        snapshot.dump(os.path.join(directory, f"tracemalloc-{pid}-{n:03d}.snap"))
        current, _peak = tracemalloc.get_traced_memory()
        with open(os.path.join(directory, f"tracemalloc-{pid}.txt"), "a") as log:
            rss, traced = _rss_bytes() / 2**20, current / 2**20
            log.write(f"{time.time():.0f} n={n} rss_mb={rss:.1f} traced_mb={traced:.1f}{_malloc_line()}\n")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise SystemExit(f"{name} must be a whole number of requests, not {value!r}")
    return int(value)


max_requests = _env_int("WEB_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("WEB_MAX_REQUESTS_JITTER", 500) if max_requests else 0


def post_fork(server: Any, worker: Any) -> None:
    directory = os.environ.get("TANZIM_TRACEMALLOC", "")
    if not directory:
        return
    import tracemalloc

    tracemalloc.start(int(os.environ.get("TANZIM_TRACEMALLOC_FRAMES", "8")))
    every = float(os.environ.get("TANZIM_TRACEMALLOC_EVERY", "60"))
    threading.Thread(target=_trace, args=(directory, every), daemon=True, name="tracemalloc").start()
