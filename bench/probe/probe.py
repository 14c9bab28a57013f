"""The security probe over HTTP against the production stack (bench/probe/run.sh; docs/scaling.md, "Probe").

Every GET route of the URL resolver is fetched by every persona, as a browser (session cookie) for
pages and as an app (API token) under /api/: routes with an id once with the id of the other world's
object and once with an id that exists nowhere; routes without one once. Then five forged payment
callbacks, 30 concurrent genuine ones, 50 concurrent bookings of a one-place slot, ``ledger_verify``
and ``audit_verify``, and schemathesis against the stack's schema (GET, response conformance).

- a **leak**: a 2xx (or a 303 to /files/) answering a persona that may not see the other world with
  that world's object, or any 2xx body carrying one of the other world's markers (a tracking code,
  dispute or complaint reference, payment id, its citizen's national code or mobile);
- **codes**: the other world's object and a missing id must get the same status (and, under /api/,
  the same error code): anything else is an existence oracle.

``python bench/probe/probe.py DATA.json`` with the stack's settings and STACK_BASE_URL. Prints the
table; exits 1 when a leak, a 5xx, an oracle, a failed concurrency or verify step was found.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
THREADS = int(os.environ.get("PROBE_THREADS", "6"))
# Who may see which world: a persona of one side must see nothing of the other.
SIDE = {
    "anonymous": "A",
    "citizen": "B",
    "clerk_a": "B",
    "manager_a": "B",
    "mediator_a": "B",
    "arbitrator_a": "B",
    "consultant_a": "B",
    "province_a": "B",
    "other_citizen": "A",
    "clerk_b": "A",
    "partner": "A",
    "inspector": "A",
    "kanoon": "A",
}
# National roles read both worlds by design: their answers are counted, not judged as leaks.
NATIONAL = {"inspector", "kanoon"}
# National objects (a ranking run, the checklist) belong to neither world.
NOT_JUDGED = {"run", "checklist"}
# GET routes the walk leaves out: signing out, the admin, the interactive docs, the metrics.
SKIP = re.compile(r"^(admin/|i18n/|api/docs/|metrics|logout|accounts/logout|files/)|logout")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def code(self) -> str:
        if self.status >= 400 and self.headers.get("content-type", "").startswith("application/json"):
            try:
                return str(json.loads(self.body).get("code", ""))
            except ValueError:
                return "?"
        return ""


@dataclass
class Tally:
    requests: int = 0
    api: int = 0
    pages: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    oracles: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


class Http:
    def __init__(self, base: str, host: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.address = (url.hostname or "127.0.0.1", url.port or 80)
        self.host = host

    def send(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None
    ) -> Answer:
        sent = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Request-ID": f"probe-{uuid.uuid4().hex[:16]}",
            "Accept-Language": "fa",
            **(headers or {}),
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in range(3):
            connection = http.client.HTTPConnection(*self.address, timeout=120)
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                return Answer(
                    response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
                )
            except (ConnectionError, http.client.HTTPException):
                if attempt == 2:
                    raise
                time.sleep(1)
            finally:
                connection.close()
        raise AssertionError("unreachable")


def routes() -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(routes with an id and their id parameters, GET routes without parameters)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from tanzim.web.tests.test_security_oracles import id_routes

    with_ids = [(route, ids) for route, ids in id_routes() if not SKIP.search(route)]
    plain: list[str] = []

    def walk(patterns: Any, prefix: str = "") -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and not SKIP.search(route):
                plain.append(route)

    walk(get_resolver().url_patterns)
    return with_ids, sorted(set(plain))


def auth(persona: str, route: str, data: dict[str, Any]) -> dict[str, str]:
    """The persona's credentials (a token for the API, the session cookie for pages) and address."""
    address = {"X-Forwarded-For": f"10.13.{list(SIDE).index(persona)}.7"}
    if persona == "anonymous":
        return address
    who = data["personas"][persona]
    if route.startswith("api/"):
        return {**address, "Authorization": f"Token {who['token']}"}
    return {**address, "Cookie": f"{who['cookie']}={who['session']}"}


def leaked_markers(answer: Answer, markers: list[str]) -> list[str]:
    if not 200 <= answer.status < 300:
        return []
    text = answer.body.decode("utf-8", "replace")
    return [marker for marker in markers if marker and marker in text]


def walk(http: Http, data: dict[str, Any]) -> dict[str, Tally]:
    from tanzim.web.tests.test_security_oracles import _fixed_values, _key, _missing, _path

    with_ids, plain = routes()
    jobs: list[tuple[str, str, str, str]] = []  # persona, kind, route, path
    for persona in SIDE:
        foreign = data["worlds"][SIDE[persona]]["values"]
        for route, ids in with_ids:
            present = {name: foreign[_key(route, name)] for name in ids}
            fixed = _fixed_values(route)
            jobs.append((persona, "foreign", route, _path(route, present, fixed)))
            jobs.append((persona, "missing", route, _path(route, _missing(route, ids, present), fixed)))
        for route in plain:
            jobs.append((persona, "plain", route, "/" + route))

    def run(job: tuple[str, str, str, str]) -> tuple[tuple[str, str, str, str], Answer]:
        persona, _kind, route, path = job
        return job, http.send("GET", path, headers=auth(persona, route, data))

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(run, jobs))

    ids_of = dict(with_ids)
    tallies: dict[str, Tally] = defaultdict(Tally)
    pairs: dict[tuple[str, str], dict[str, Answer]] = defaultdict(dict)
    for (persona, kind, route, path), answer in answers:
        tally = tallies[persona]
        tally.requests += 1
        if route.startswith("api/"):
            tally.api += 1
        else:
            tally.pages += 1
        tally.statuses[answer.status] += 1
        if answer.status >= 500:
            tally.errors.append(f"{persona}: GET {path} {answer.status}")
        judged = persona not in NATIONAL
        markers = data["worlds"][SIDE[persona]]["markers"]
        found = leaked_markers(answer, markers) if judged else []
        if found:
            tally.leaks.append(
                f"{persona}: GET {path} {answer.status} carries {len(found)} marker(s) of the other world"
            )
        if kind in ("foreign", "missing"):
            pairs[(persona, route)][kind] = answer
    for (persona, route), both in pairs.items():
        theirs, nobodys = both["foreign"], both["missing"]
        kinds = {_key(route, name) for name in ids_of[route]}
        location = urllib.parse.urlsplit(theirs.headers.get("location", "")).path
        granted = 200 <= theirs.status < 300 or (
            theirs.status in (302, 303) and location.startswith("/files/")
        )
        if persona in NATIONAL or kinds & NOT_JUDGED:
            continue  # they may see both worlds (and a national object): neither a leak nor an oracle
        if granted:
            tallies[persona].leaks.append(
                f"{persona}: GET /{route} answered {theirs.status} with the other world's object"
            )
        if (theirs.status, theirs.code()) != (nobodys.status, nobodys.code()):
            tallies[persona].oracles.append(
                f"{persona}: GET /{route}: other world's {theirs.status} {theirs.code()}"
                f" ≠ missing {nobodys.status} {nobodys.code()}"
            )
    return tallies


def callbacks(http: Http, data: dict[str, Any]) -> dict[str, Any]:
    payments = data["payments"]
    refused = {}
    for what, (payload, signature) in payments["forgeries"].items():
        headers = {"X-Gateway-Signature": signature} if signature else {}
        answer = http.send("POST", "/api/v1/payments/callback/", headers=headers, body=payload)
        refused[what] = answer.status
    genuine = payments["genuine"]

    def one(_: int) -> int:
        headers = {"X-Gateway-Signature": genuine["signature"]}
        return http.send(
            "POST", "/api/v1/payments/callback/", headers=headers, body=genuine["payload"]
        ).status

    with ThreadPoolExecutor(30) as pool:
        statuses = Counter(pool.map(one, range(30)))
    return {"forged": refused, "genuine": dict(statuses)}


def bookings(http: Http, data: dict[str, Any]) -> dict[int, int]:
    booking = data["booking"]

    def one(n: int) -> int:
        return http.send(
            "POST",
            "/api/v1/appointments/",
            headers={
                "Authorization": f"Token {booking['tokens'][n]}",
                "Idempotency-Key": f"probe-{uuid.uuid4().hex}",
                "X-Forwarded-For": f"10.50.{n}.9",
            },
            body={"slot": booking["slot"], "service": booking["service"], "office": booking["office"]},
        ).status

    with ThreadPoolExecutor(len(booking["tokens"])) as pool:
        return dict(Counter(pool.map(one, range(len(booking["tokens"])))))


def captured_once(data: dict[str, Any]) -> dict[str, Any]:
    """From the database: the genuine payment captured once, the forged one not at all."""
    from tanzim.finance.models import Payment

    genuine = Payment.objects.get(uuid=data["payments"]["genuine"]["id"])
    forged = Payment.objects.get(uuid=data["payments"]["forged"]["id"])
    captures = genuine.events.filter(to_status=genuine.status).count()
    return {"genuine": genuine.status, "captures": captures, "forged": forged.status}


def verify() -> dict[str, tuple[int, str]]:
    results = {}
    for command in ("ledger_verify", "audit_verify"):
        done = subprocess.run(
            [sys.executable, "manage.py", command], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1]
        results[command] = (done.returncode, last[:120])
    return results


def schemathesis(base: str, data: dict[str, Any]) -> str:
    """schemathesis against the stack's schema as the Kanoon administrator: GET, conformance checked."""
    host = data["host"]
    token = data["personas"]["kanoon"]["token"]
    report = ROOT / "var" / "probe" / "schemathesis.ndjson"
    report.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base}/api/schema/?format=json",
        "--url",
        base,
        "--include-method",
        "GET",
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        os.environ.get("PROBE_SCHEMA_EXAMPLES", "25"),
        "--workers",
        "2",
        "-H",
        f"Host: {host}",
        "-H",
        "X-Forwarded-Proto: https",
        "-H",
        f"Authorization: Token {token}",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    (report.parent / "schemathesis.txt").write_text(done.stdout)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failing = sorted({m.group(1) for line in lines if (m := re.match(r"^_+ (GET \S+) _+$", line.strip()))})
    summary = lines[-10:] + [f"failing: {operation}" for operation in failing]
    return f"exit {done.returncode} (all of it: var/probe/schemathesis.txt)\n    " + "\n    ".join(summary)


def main(path: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    data = json.loads(Path(path).read_text())
    base = os.environ["STACK_BASE_URL"]
    http = Http(base, data["host"])
    started = time.monotonic()
    tallies = walk(http, data)
    walked = time.monotonic() - started
    paid = callbacks(http, data)
    booked = bookings(http, data)
    capture = captured_once(data)
    checks = verify()
    schema = (
        schemathesis(base, data) if os.environ.get("PROBE_SCHEMATHESIS", "1") == "1" else "exit 0 (skipped)"
    )

    print(f"\n== walk: {sum(t.requests for t in tallies.values())} requests in {walked:.0f} s")
    print(
        f"{'persona':<14}{'requests':>9}{'api':>6}{'pages':>7}{'leaks':>7}{'5xx':>5}{'oracles':>9}  statuses"
    )
    for persona in SIDE:
        t = tallies[persona]
        codes = " ".join(f"{code}:{n}" for code, n in sorted(t.statuses.items()))
        judged = "" if persona not in NATIONAL else " (national: leaks not judged)"
        print(
            f"{persona:<14}{t.requests:>9}{t.api:>6}{t.pages:>7}{len(t.leaks):>7}{len(t.errors):>5}"
            f"{len(t.oracles):>9}  {codes}{judged}"
        )
    total = Tally()
    for t in tallies.values():
        total.requests += t.requests
        total.api += t.api
        total.pages += t.pages
        total.leaks += t.leaks
        total.errors += t.errors
        total.oracles += t.oracles
    print(
        f"{'all':<14}{total.requests:>9}{total.api:>6}{total.pages:>7}{len(total.leaks):>7}"
        f"{len(total.errors):>5}{len(total.oracles):>9}"
    )
    for what, items in (("leak", total.leaks), ("5xx", total.errors), ("oracle", total.oracles)):
        for item in sorted(set(items))[:60]:
            print(f"  {what}: {item}")
    print("\n== payment callbacks")
    for what, status in paid["forged"].items():
        print(f"  forged ({what}): {status}")
    print(
        f"  30 concurrent genuine callbacks: {paid['genuine']}; payment {capture['genuine']}, "
        f"{capture['captures']} capture event(s); the forged one is {capture['forged']}"
    )
    print(f"\n== 50 concurrent bookings of a one-place slot: {booked}")
    print("\n== verify")
    for command, (status, last) in checks.items():
        print(f"  {command}: exit {status} — {last}")
    print(f"\n== schemathesis (GET, response conformance, as the Kanoon administrator)\n    {schema}")

    ok = (
        not total.leaks
        and not total.errors
        and not total.oracles
        and all(400 <= s < 500 for s in paid["forged"].values())
        and capture["captures"] == 1
        and booked.get(201) == 1
        and all(status == 0 for status, _ in checks.values())
        and schema.startswith("exit 0")
    )
    print("\nPROBE", "CLEAN" if ok else "FOUND PROBLEMS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
