"""Persistent database connections: /api/v1/me/ throughput with and without them, on PostgreSQL.

gunicorn serves the site as a production site (config/wsgi.py's deployment checks pass: Redis
cache and broker, HTTPS behind a proxy, a real secret key; the simulated adapters allowed as on
a staging site), once with ``DB_CONN_MAX_AGE=0`` (a new PostgreSQL connection for every request)
and once with ``DB_CONN_MAX_AGE=60`` and health checks (the default outside the embedded mode).
Concurrent clients call the lightest authenticated endpoint, ``GET /api/v1/me/`` with a token,
sending the proxy's ``X-Forwarded-Proto: https``. Printed per round: requests per second, p50 and
p95 latency, and how many database sessions the server opened (``pg_stat_database.sessions``).
Figures only; nothing here asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/connections_bench.py [--requests 3000] [--clients 8] [--workers 2]

Use a scratch database: the script migrates it and creates one citizen (a random national code)
and a token each run.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_urlsafe(48))
os.environ.setdefault("LOG_LEVEL", "WARNING")
FIELD_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()  # a throw-away key for this run

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tanzim.accounts.services import api_token_issue  # noqa: E402
from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.testing.factories import CitizenFactory  # noqa: E402

HOST = "tanzim.bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(conn_max_age: int, redis_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "TANZIM_EMBEDDED"},
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "ALLOW_SIMULATED_ADAPTERS": "true",
        "SILENCED_SYSTEM_CHECKS": "tanzim.W001",
        "LOG_LEVEL": "ERROR",
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "DB_CONN_HEALTH_CHECKS": "true",
        "SITE_URL": f"https://{HOST}",
        "FIELD_ENCRYPTION_KEYS": FIELD_KEY,
    }


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    for _ in range(120):
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": HOST}, timeout=2).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def sessions_opened() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def hammer(url: str, token: str, total: int, clients: int) -> tuple[float, list[float], int]:
    """(requests per second, latencies in ms, answers other than 200)."""
    headers = {"Authorization": f"Token {token}", "Host": HOST, "X-Forwarded-Proto": "https"}
    lock = threading.Lock()
    left = iter(range(total))
    latencies: list[float] = []
    bad = 0

    def client(_n: int) -> None:
        nonlocal bad
        session = requests.Session()
        while True:
            with lock:
                if next(left, None) is None:
                    return
            began = time.perf_counter()
            status = session.get(url, headers=headers, timeout=30).status_code
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                bad += status != 200

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return total / (time.perf_counter() - started), latencies, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=2, help="each mode this many times, alternating")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"

    call_command("migrate", verbosity=0)
    citizen = CitizenFactory.create(national_code=make_national_code(f"{secrets.randbelow(10**9):09d}"))
    token = api_token_issue(user=citizen, label="bench").key
    connection.close()

    print(f"GET /api/v1/me/ ×{args.requests}, {args.clients} clients, gunicorn {args.workers} sync workers")
    print(f"{'DB_CONN_MAX_AGE':>16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'sessions':>9} {'non-200':>8}")
    results: dict[int, list[float]] = {0: [], 60: []}
    for _round in range(args.rounds):
        for age in (0, 60):
            port = free_port()
            server = start_server(port, args.workers, production_environment(age, redis_url))
            try:
                url = f"http://127.0.0.1:{port}/api/v1/me/"
                hammer(
                    url, token, min(200, args.requests), args.clients
                )  # warm-up: imports, first connections
                before = sessions_opened()
                rate, latencies, bad = hammer(url, token, args.requests, args.clients)
                opened = sessions_opened() - before
            finally:
                server.terminate()
                server.wait(timeout=30)
            connection.close()
            p50 = statistics.median(latencies)
            p95 = statistics.quantiles(latencies, n=20)[-1]
            results[age].append(rate)
            print(f"{age:>16} {rate:>8.0f} {p50:>8.1f} {p95:>8.1f} {opened:>9} {bad:>8}")
    without, with_ = statistics.mean(results[0]), statistics.mean(results[60])
    print(
        f"\nmean: {without:.0f} req/s without, {with_:.0f} req/s with persistent connections (×{with_ / without:.2f})"
    )


if __name__ == "__main__":
    main()
