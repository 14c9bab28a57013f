"""The citizens' write paths at peak, against gunicorn on PostgreSQL, as ratios to ``GET /api/v1/me/``.

One run drives, with 32 concurrent clients, the paths below **interleaved** (round after round,
each path in turn, the order rotating), so a shared and noisy machine slows them alike and the
ratios stay fair:

* ``GET /api/v1/me/`` (the reference: a token lookup and one small answer) and ``GET /healthz``;
* booking an appointment (``POST /api/v1/appointments/`` with an Idempotency-Key; half of the
  requests fight over a few hot slots, one in ten replays the previous request's key);
* sign-in with an SMS code (``POST /api/v1/auth/otp/verify/``; the codes are laid in beforehand);
* the bank's signed payment callback (``POST /api/v1/payments/callback/``, capturing a payment);
* a survey answer (``POST /api/v1/surveys/<token>/``).

It prints each path's throughput, p50/p95 and ratio to ``/me/``; the queries each path makes
(one request of each, counted in process with ``CaptureQueriesContext``, with its time); the
machine's load; and the checks at the end: no overbooked slot, no appointment without its
places, no key used twice, no replay that lost its answer, every payment captured once.
``--profile booking`` (or ``otp``, ``callback``, ``survey``) profiles N requests of one path in
process with cProfile and lists the queries with their times. Figures only: nothing asserts on time.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/booking_bench.py
    ... bench/booking_bench.py --rounds 3 --per-round 100    # a quick look
    ... bench/booking_bench.py --profile booking --profile-n 200

Use a scratch database (the script migrates it and adds its own offices, coded BK…, and people)
and a scratch Redis database (``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/9, emptied at the
end): the server runs as a site with Redis for its cache, rate limits and broker (no worker: the
queued tasks are only counted), so nothing it sends to Redis is hidden by an in-memory stand-in.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter as Tally
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# The server and this script share the settings (the secret that signs OTP codes, the bank's key).
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "TANZIM_EMBEDDED": "1",  # the simulated bank and SMS; config/wsgi.py accepts it as a scratch site
    "DEBUG": "false",
    "REDIS_URL": REDIS,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "DB_CONN_MAX_AGE": "60",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "LOG_LEVEL": "ERROR",  # a 409 is an answer here, not something to log
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",  # every answerer from an address of their own
    "CLIENT_IP_PROXY_COUNT": "1",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tanzim.accounts.choices import OtpPurpose, Role  # noqa: E402
from tanzim.accounts.models import ApiToken, OtpChallenge, RoleAssignment, User  # noqa: E402
from tanzim.accounts.services import _code_hash, api_token_hash  # noqa: E402
from tanzim.catalog.fees import fee_quote  # noqa: E402
from tanzim.catalog.models import Service  # noqa: E402
from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.feedback.models import Questionnaire, SurveyInvitation  # noqa: E402
from tanzim.feedback.periods import period_of  # noqa: E402
from tanzim.feedback.services.surveys import token_hash  # noqa: E402
from tanzim.finance import services as finance  # noqa: E402
from tanzim.finance.choices import PaymentStatus  # noqa: E402
from tanzim.finance.gateways import simulated  # noqa: E402
from tanzim.finance.models import Payment  # noqa: E402
from tanzim.offices.models import Office  # noqa: E402
from tanzim.scheduling import selectors  # noqa: E402
from tanzim.scheduling.services import slots_generate_all  # noqa: E402
from tanzim.testing.factories import OfficeFactory  # noqa: E402

CLIENTS = 32
OFFICES = [f"BK{n:03d}" for n in range(20)]
SERVICE = "case_followup"  # one 15-minute unit
PAID_SERVICE = "civil_petition"
ITEMS = ("access", "courtesy", "clarity", "timeliness", "fairness", "overall")
PATHS = ("me", "healthz", "booking", "otp", "callback", "survey")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


# --- the data ---------------------------------------------------------------------------------


def ensure_offices() -> list[Office]:
    from tanzim.offices.models import City

    tehran = City.objects.filter(is_capital=True).order_by("code").first()
    offices = []
    for code in OFFICES:
        office = Office.objects.filter(code=code).first() or OfficeFactory.create(
            code=code, city=tehran, name_fa=f"دفتر سنجش {code}", name_en=f"Bench office {code}"
        )
        offices.append(office)
    slots_generate_all(days=14, offices=Office.objects.filter(code__in=OFFICES))
    return offices


def make_citizens(count: int, run: str, *, tokens: bool = True) -> list[tuple[User, str]]:
    """Active citizens with a national code and mobile; with an API token each when ``tokens``."""
    rng = random.Random(run)
    users = []
    for i in range(count):
        user = User(
            username=f"bench-bk-{run}-{i}",
            first_name="شهروند",
            last_name=str(i),
            national_code=make_national_code(f"{rng.randrange(10**8, 10**9):09d}"),
            mobile=f"+98912{rng.randrange(10**7):07d}",
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
    users = list(User.objects.filter(username__startswith=f"bench-bk-{run}-").order_by("pk"))
    now = timezone.now()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.CITIZEN, valid_from=now - timedelta(minutes=1)) for u in users],
        batch_size=2000,
    )
    keys = [secrets.token_urlsafe(32) if tokens else "" for _ in users]
    if tokens:
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    user=u,
                    prefix=k[:8],
                    key_hash=api_token_hash(k),
                    created_at=now,
                    expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL),
                    label="bench",
                )
                for u, k in zip(users, keys, strict=True)
            ],
            batch_size=2000,
        )
    return list(zip(users, keys, strict=True))


def booking_plan(offices: list[Office], people: list[tuple[User, str]], total: int, rng) -> list[tuple]:
    """(token, slot, key) per request: half on 40 hot slots, one in ten a replay of the one before."""
    start = selectors.bookable_from(timezone.now()) + timedelta(hours=1)
    end = start + timedelta(days=12)
    ids = [o.pk for o in offices]
    pool = list(selectors.free_slots(office_ids=ids, start=start, end=end).values_list("pk", flat=True))
    rng.shuffle(pool)
    hot, spread = pool[:40], pool[40:]
    plan: list[tuple] = []
    for i in range(total):
        if i % 10 == 9:
            plan.append(plan[-1])  # the same request again with the same key: a double click
            continue
        token = people[(i // 2) % len(people)][1]
        slot = rng.choice(hot) if i % 2 == 0 else spread[i % len(spread)]
        plan.append((token, slot, uuid.uuid4().hex))
    return plan


def otp_plan(count: int, run: str) -> list[tuple[str, str]]:
    """(national code, code) per sign-in: each citizen has one fresh code waiting."""
    people = make_citizens(count, f"{run}o", tokens=False)
    now = timezone.now()
    codes = [f"{secrets.randbelow(10**6):06d}" for _ in people]
    challenges = OtpChallenge.objects.bulk_create(
        [
            OtpChallenge(user=u, purpose=OtpPurpose.LOGIN, code_hash="", expires_at=now + timedelta(hours=2))
            for u, _k in people
        ]
    )
    for challenge, code in zip(challenges, codes, strict=True):
        challenge.code_hash = _code_hash(str(challenge.pk), code)
    OtpChallenge.objects.bulk_update(challenges, ["code_hash"], batch_size=2000)
    return [(str(u.national_code), code) for (u, _k), code in zip(people, codes, strict=True)]


def callback_plan(offices: list[Office], people: list[tuple[User, str]], count: int, run: str) -> list:
    """(payload, signature) per callback: pending payments, started and paid at the simulated bank."""
    quote = fee_quote(service=Service.objects.get(code=PAID_SERVICE), channel="in_person", court_fee=0)
    plan = []
    for n in range(count):
        payment = finance.payment_create(
            office=offices[n % len(offices)],
            payer=people[n % len(people)][0],
            quote=quote,
            reference_type="bench.callback",
            reference_id=f"{run}-{n}",
        )
        url = finance.payment_start(payment=payment)
        _session, payload, signature = simulated.bank_decide(
            token=url.rstrip("/").split("/")[-1], action="pay"
        )
        plan.append((payload, signature))
    return plan


def survey_plan(offices: list[Office], count: int, run: str) -> list[str]:
    now = timezone.now()
    questionnaire = Questionnaire.objects.filter(active=True).order_by("-version").first()
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]
    SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(
                office=offices[i % len(offices)],
                period=period_of(now),
                source="visit",
                source_id=i,
                recipient_key=f"bench-{run}-{i}",
                phone_hash=f"bench-{run}-{i}",
                token_hash=token_hash(token),
                questionnaire=questionnaire,
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
            for i, token in enumerate(tokens)
        ],
        batch_size=2000,
    )
    return tokens


# --- one request of each path -------------------------------------------------------------------


class Requests:
    """Makes the i-th request of each path with a requests-like ``post``/``get`` (a session or Client)."""

    def __init__(self, plans: dict, me_tokens: list[str]):
        self.plans = plans
        self.me_tokens = me_tokens
        self.answers: dict[int, tuple[int, int | None]] = {}  # booking request → (status, appointment)
        self.paid: set[str] = set()  # the references of the payments whose callback was sent

    def run(self, path: str, http, i: int) -> str:
        return getattr(self, path)(http, i)

    def me(self, http, i):
        token = self.me_tokens[i % len(self.me_tokens)]
        return str(http.get("/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code)

    def healthz(self, http, _i):
        return str(http.get("/healthz").status_code)

    def booking(self, http, i):
        token, slot, key = self.plans["booking"][i]
        r = http.post(
            "/api/v1/appointments/",
            json={"slot": slot, "service": SERVICE},
            headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
        )
        body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}
        self.answers[i] = (r.status_code, body.get("id") if r.status_code == 201 else None)
        replayed = " replayed" if r.headers.get("Idempotent-Replayed") else ""
        return (
            f"{r.status_code} {body.get('code', 'created')}{replayed}"
            if r.status_code < 500
            else str(r.status_code)
        )

    def otp(self, http, i):
        national_code, code = self.plans["otp"][i]
        r = http.post("/api/v1/auth/otp/verify/", json={"national_code": national_code, "code": code})
        return str(r.status_code)

    def callback(self, http, i):
        payload, signature = self.plans["callback"][i]
        self.paid.add(payload["reference"])
        r = http.post("/api/v1/payments/callback/", json=payload, headers={"X-Gateway-Signature": signature})
        return f"{r.status_code} {r.json().get('status', '')}" if r.status_code == 200 else str(r.status_code)

    def survey(self, http, i):
        token = self.plans["survey"][i]
        r = http.post(
            f"/api/v1/surveys/{token}/",
            json={"answers": dict.fromkeys(ITEMS, 3 + i % 3)},
            headers={"X-Forwarded-For": f"10.{200 + i // 65536 % 50}.{i // 256 % 256}.{i % 256}"},
        )
        return str(r.status_code)


class Http:
    """A requests.Session on the server, with a base URL and a timeout."""

    def __init__(self, base: str):
        self.base, self.session = base, requests.Session()

    def get(self, path, headers=None):
        return self.session.get(self.base + path, headers=headers, timeout=60)

    def post(self, path, json=None, headers=None):
        return self.session.post(self.base + path, json=json, headers=headers, timeout=60)


class InProcess:
    """Django's test client with the same calls (``CaptureQueriesContext`` counts its queries)."""

    def __init__(self):
        self.client = Client(HTTP_HOST="127.0.0.1")

    @staticmethod
    def _meta(headers):
        meta = {}
        for name, value in (headers or {}).items():
            meta["HTTP_" + name.upper().replace("-", "_")] = value
        return meta

    def get(self, path, headers=None):
        return self.client.get(path, **self._meta(headers))

    def post(self, path, json=None, headers=None):
        return self.client.post(path, data=json, content_type="application/json", **self._meta(headers))


# --- the server and the load ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env={**os.environ, **SERVER_ENV}, start_new_session=True,
    )  # fmt: skip
    for _ in range(120):
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def hammer(indices: list[int], call):
    """A client loop taking the requests ``indices`` in turn, its answers and latencies in ms."""
    tally: Tally = Tally()
    latencies: list[float] = []
    lock = threading.Lock()
    todo = iter(indices)

    def client(http):
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            began = time.perf_counter()
            try:
                outcome = call(http, i)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                tally[outcome] += 1
                latencies.append(elapsed)

    return client, tally, latencies


def drive(base: str, reqs: Requests, rounds: int, per_round: int) -> dict:
    sessions = [Http(base) for _ in range(CLIENTS)]
    figures: dict[str, dict[str, Any]] = {
        p: {"seconds": 0.0, "n": 0, "tally": Tally(), "ms": []} for p in PATHS
    }
    for r in range(rounds):
        order = PATHS[r % len(PATHS) :] + PATHS[: r % len(PATHS)]
        for path in order:
            indices = list(range(r * per_round, (r + 1) * per_round))
            client, tally, latencies = hammer(indices, lambda http, i, p=path: reqs.run(p, http, i))
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                list(pool.map(client, sessions))
            f = figures[path]
            f["seconds"] += time.perf_counter() - started
            f["n"] += len(indices)
            f["tally"].update(tally)
            f["ms"].extend(latencies)
        print(f"  round {r + 1}/{rounds} done ({load()})", flush=True)
    return figures


# --- counting, profiling and checking --------------------------------------------------------


def count_queries(reqs: Requests, start: int, repeat: int = 3) -> dict:
    """Queries and in-process time of one request of each path (the median of ``repeat``)."""
    http = InProcess()
    result = {}
    for path in PATHS:
        reqs.run(path, http, start)  # warm: imports, caches, the first connection
        counts, times = [], []
        for k in range(1, repeat + 1):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                reqs.run(path, http, start + k)
                times.append((time.perf_counter() - began) * 1000)
            counts.append(len(captured.captured_queries))
        result[path] = (sorted(counts)[len(counts) // 2], sorted(times)[len(times) // 2])
    return result


def profile(reqs: Requests, path: str, start: int, n: int, out_file: str | None = None) -> None:
    http = InProcess()
    reqs.run(path, http, start)
    queries: dict[str, list[float]] = defaultdict(list)
    profiler = cProfile.Profile()
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        for i in range(start + 1, start + 1 + n):
            reqs.run(path, http, i)
        profiler.disable()
    wall = time.perf_counter() - began
    if out_file:
        profiler.dump_stats(out_file)
    for q in captured.captured_queries:
        queries[q["sql"][:110]].append(float(q["time"]))
    db = sum(sum(t) for t in queries.values())
    print(f"\n{path}: {n} requests in process, {wall / n * 1000:.2f} ms each, "
          f"{len(captured.captured_queries) / n:.1f} queries each, {db / wall * 100:.0f}% of the time in the database")  # fmt: skip
    for sql, times in sorted(queries.items(), key=lambda kv: -sum(kv[1]))[:25]:
        print(f"  {len(times) / n:4.1f}×  {sum(times) / n * 1000:6.3f} ms  {sql}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"tanzim|rest_framework/(views|serializers|fields)", 45)
    stats.sort_stats("tottime").print_stats(20)
    print(out.getvalue())


def checks(reqs: Requests) -> dict:
    uncaptured = (
        Payment.objects.filter(uuid__in=list(reqs.paid)).exclude(status=PaymentStatus.CAPTURED).count()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scheduling_slot WHERE booked > bookable")
        overbooked = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM (
                 SELECT s.id FROM scheduling_slot s
                 LEFT JOIN scheduling_appointment a ON a.office_id = s.office_id AND a.start <= s.start
                  AND s.start < a."end" AND a.status IN ('booked', 'checked_in')
                 WHERE s.booked > 0 OR a.id IS NOT NULL
                 GROUP BY s.id, s.booked HAVING count(a.id) <> s.booked) m"""
        )
        mismatched = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM (SELECT booked_by_id, idempotency_key FROM scheduling_appointment
               WHERE idempotency_key IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) k"""
        )
        keys = cursor.fetchone()[0]
    plan = reqs.plans["booking"]
    lost = 0
    for i in range(1, len(plan)):
        if plan[i] is plan[i - 1] and i in reqs.answers and i - 1 in reqs.answers:
            first, again = reqs.answers[i - 1], reqs.answers[i]
            if (first[0] == 201 or again[0] == 201) and first != again:
                lost += 1
    return {"overbooked slots": overbooked, "slot/appointment mismatches": mismatched,
            "idempotency keys used twice": keys, "lost idempotency replays": lost,
            "payments called back but not captured": uncaptured}  # fmt: skip


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=200, help="requests of each path per round")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--profile", choices=[p for p in PATHS if p not in ("healthz",)])
    parser.add_argument("--profile-n", type=int, default=200)
    parser.add_argument(
        "--profile-out", help="also write the raw cProfile stats here (for pstats or snakeviz)"
    )
    parser.add_argument("--seed", type=int, default=1405)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a scratch PostgreSQL database.")
    rng = random.Random(args.seed)
    run = uuid.uuid4().hex[:6]
    extra = 20 if not args.profile else args.profile_n + 5  # for counting queries / profiling
    total = args.rounds * args.per_round + extra
    if args.profile:
        total = extra
    print(f"Booking bench · {args.rounds} rounds × {args.per_round} requests per path · {CLIENTS} clients · "
          f"{args.workers} gunicorn workers · PostgreSQL {connection.cursor().connection.info.server_version // 10000}")  # fmt: skip
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    offices = ensure_offices()
    people = make_citizens(total // 2 + CLIENTS, run)
    plans: dict[str, list[Any]] = {"booking": booking_plan(offices, people, total, rng)}
    if args.profile in (None, "otp"):
        plans["otp"] = otp_plan(total, run)
    if args.profile in (None, "survey"):
        plans["survey"] = survey_plan(offices, total, run)
    if args.profile in (None, "callback"):
        plans["callback"] = callback_plan(offices, people, total, run)
    reqs = Requests(plans, [k for _u, k in people])
    print(f"  data ready in {time.perf_counter() - began:.0f} s ({load()})", flush=True)
    try:
        if args.profile:
            profile(reqs, args.profile, 0, args.profile_n, args.profile_out)
            return
        queries = count_queries(reqs, total - extra)
        port = free_port()
        server = start_server(port, args.workers)
        try:
            print(f"  gunicorn up; before the load: {load()}", flush=True)
            figures = drive(f"http://127.0.0.1:{port}", reqs, args.rounds, args.per_round)
            after = load()
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        report(figures, queries, checks(reqs), after)
    finally:
        redis.Redis.from_url(REDIS).flushdb()


def report(figures: dict, queries: dict, found: dict, after: str) -> None:
    me_rps = figures["me"]["n"] / figures["me"]["seconds"]
    print(
        f"\n{'path':<10} {'req/s':>8} {'÷ /me/':>7} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'in-proc ms':>10}  answers"
    )
    for path in PATHS:
        f = figures[path]
        rps = f["n"] / f["seconds"]
        count, ms = queries[path]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(f["tally"].items()))
        print(f"{path:<10} {rps:8.0f} {rps / me_rps:7.2f} {percentile(f['ms'], 0.5):8.1f} "
              f"{percentile(f['ms'], 0.95):8.1f} {count:8d} {ms:10.1f}  {answers}")  # fmt: skip
    print(f"\nmachine after the load: {after}")
    for name, value in found.items():
        print(f"  {name}: {value}")
    if any(found.values()):
        print("PROBLEMS FOUND")


if __name__ == "__main__":
    main()
