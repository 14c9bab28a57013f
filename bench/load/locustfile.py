"""The national day as a load: citizens who sign in, look for an office, book, file a request, pay
and answer a survey, against the production stack (bench/load/run.sh boots it).

Each simulated citizen comes from an address of its own (the proxy's X-Forwarded-For, which the
stack is told to trust), signs up and signs in with the code the worker sends through the SMS
provider, then repeats the day's actions in the proportions below. A refusal the system is meant to
give under load (a slot just taken: 409) counts as a success of its own name, so the error column
holds only what a citizen should never see.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

from tanzim.common.identifiers import make_national_code  # noqa: E402
from tanzim.finance.gateways.base import sign  # noqa: E402

OFFICES = [f"LOAD{n:02d}" for n in range(1, 11)]
SERVICE = "case_followup"
PAID_SERVICE = "civil_petition"
SMS = os.environ["LOAD_SMS_URL"].rstrip("/")
HOST = settings.ALLOWED_HOSTS[0].lstrip(".")
TOKENS = iter(Path(os.environ["LOAD_SURVEY_TOKENS"]).read_text().split())
_tokens_lock = threading.Lock()
_people = itertools.count(1)
_answerers = itertools.count(1)
SIGN_IN_EVERY = 300.0  # seconds
PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def _next_code(mobile: str, seen: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(
            f"{SMS}/_delivered?{urllib.parse.urlencode({'to': mobile})}", timeout=10
        ) as r:
            delivered = json.loads(r.read())
        for message in delivered[seen:]:
            found = re.findall(r"\b(\d{6})\b", str(message["text"]).translate(PERSIAN_DIGITS))
            if found:
                return str(found[-1])
        time.sleep(0.2)
    raise RuntimeError("no code reached the SMS provider in time")


def _delivered(mobile: str) -> int:
    with urllib.request.urlopen(
        f"{SMS}/_delivered?{urllib.parse.urlencode({'to': mobile})}", timeout=10
    ) as r:
        return len(json.loads(r.read()))


class Citizen(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        n = next(_people)
        # People differ between runs on one database (the load, then the soak): seeded by process.
        rng = random.Random(f"{os.getpid()}-{n}")
        self.rng = rng
        self.national_code = make_national_code(f"{rng.randrange(10**8, 10**9):09d}")
        self.mobile = f"+98912{rng.randrange(10**7):07d}"
        self.office = OFFICES[n % len(OFFICES)]
        self.client.headers.update(
            {
                "Host": HOST,
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                "Accept-Language": "fa",
            }
        )
        self.client.post(
            "/api/v1/citizens/",
            json={
                "national_code": self.national_code,
                "mobile": self.mobile,
                "first_name": "بار",
                "last_name": "آزمون",
            },
            name="sign-up",
        )
        self._verify(seen=0)
        self.signed_in_at = time.monotonic()

    def _verify(self, seen: int) -> None:
        code = _next_code(self.mobile, seen)
        with self.client.post(
            "/api/v1/auth/otp/verify/",
            json={"national_code": self.national_code, "code": code},
            name="sign-in: verify code",
            catch_response=True,
        ) as answer:
            if answer.ok:
                self.client.headers["Authorization"] = f"Token {answer.json()['token']}"

    @task(3)
    def sign_in(self) -> None:
        # A person signs in again after a while, not every minute (the code limits would refuse it).
        if time.monotonic() - self.signed_in_at < SIGN_IN_EVERY:
            return
        self.signed_in_at = time.monotonic()
        seen = _delivered(self.mobile)
        self.client.post(
            "/api/v1/auth/otp/request/",
            json={"national_code": self.national_code, "mobile": self.mobile},
            name="sign-in: request code",
        )
        self._verify(seen)

    @task(20)
    def me(self) -> None:
        self.client.get("/api/v1/me/", name="/me/")

    @task(20)
    def suggestions(self) -> None:
        self.client.get(
            "/api/v1/appointments/suggestions/?"
            + urllib.parse.urlencode(
                {"service": SERVICE, "lat": 35.7 + self.rng.uniform(-0.1, 0.1), "lon": 51.4, "limit": 5}
            ),
            name="suggestions",
        )

    @task(15)
    def book(self) -> None:
        days = self.client.get(
            "/api/v1/appointments/availability/?"
            + urllib.parse.urlencode({"office": self.office, "service": SERVICE}),
            name="availability",
        ).json()
        free = [slot for day in days for slot in day["slots"] if slot["free"] > 0]
        if not free:
            return
        slot = self.rng.choice(free[:20])
        with self.client.post(
            "/api/v1/appointments/",
            json={"slot": slot["id"], "service": SERVICE, "office": self.office},
            headers={"Idempotency-Key": f"load-{uuid.uuid4().hex}"},
            name="book",
            catch_response=True,
        ) as answer:
            if answer.status_code == 409:
                answer.success()  # taken by someone else a moment ago, or already booked: the right answer

    @task(8)
    def request(self) -> None:
        self.client.post(
            "/api/v1/cases/",
            json={
                "service": PAID_SERVICE,
                "channel": "in_person",
                "office": self.office,
                "title": "دادخواست مطالبه وجه",
                "claim_text": "خواهان مبلغی را از خوانده طلبکار است و مطالبه آن را دارد.",
                "claim_amount": self.rng.randrange(10**6, 10**9),
            },
            name="request (draft)",
        )

    @task(5)
    def pay(self) -> None:
        payment = self.client.post(
            "/api/v1/payments/",
            json={
                "office": self.office,
                "service": PAID_SERVICE,
                "channel": "in_person",
                "reference_id": f"load-{uuid.uuid4().hex[:12]}",
            },
            headers={"Idempotency-Key": f"load-pay-{uuid.uuid4().hex}"},
            name="payment",
        ).json()
        bank = urllib.parse.urlsplit(payment["redirect_url"]).path
        page = self.client.get(bank, name="bank page")
        # The cookie is Secure (the proxy speaks HTTPS to the citizen): sent by hand over plain HTTP.
        csrf = page.cookies.get("csrftoken", "")
        done = self.client.post(
            bank,
            data={"action": "pay", "csrfmiddlewaretoken": csrf},
            headers={
                "Referer": f"https://{HOST}{bank}",
                "Origin": f"https://{HOST}",
                "Cookie": f"csrftoken={csrf}",
            },
            name="bank page: pay",
        )
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', done.text))
        fields.pop("signature", None)
        self.client.post(
            "/api/v1/payments/callback/",
            json=fields,
            headers={"X-Gateway-Signature": sign(fields, settings.FINANCE_GATEWAY_SECRET)},
            name="payment callback",
        )

    @task(8)
    def survey(self) -> None:
        with _tokens_lock:
            token = next(TOKENS, None)
        if token is None:
            return
        # The invited person answers from their own phone, not from this citizen's address (the
        # site allows FEEDBACK_ANSWERS_PER_IP_PER_HOUR answers per address: 30).
        n = next(_answerers)
        phone = {"X-Forwarded-For": f"10.{200 + n // 65536 % 50}.{n // 256 % 256}.{n % 256}"}
        self.client.get(f"/api/v1/surveys/{token}/", name="survey", headers=phone)
        self.client.post(
            f"/api/v1/surveys/{token}/",
            headers=phone,
            json={
                "answers": {
                    d: self.rng.randint(3, 5)
                    for d in ("access", "courtesy", "clarity", "timeliness", "fairness", "overall")
                }
            },
            name="survey answer",
        )


@events.quitting.add_listener
def _exit_code(environment, **_kwargs) -> None:
    # A load test passes when no citizen saw an error; the figures are the point, not a threshold.
    environment.process_exit_code = 1 if environment.stats.total.num_failures else 0
