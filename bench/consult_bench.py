"""Diagnosis and interview pages with 100 trees of 200 steps: server time per request, p50/p95.

Creates (or reuses) 100 bench trees of 200 steps each (a chain of choice questions with side
results, validated like any save), then times with Django's test client, in one process:

* a diagnosis step: GET of a tree's current question, then a POST answering it (one step on);
* an interview page: GET of page 3 of the bounced-cheque complaint;
* the validation of a 200-step tree on save.

The target (issue 16) is p95 under 50 ms server time. Figures only; nothing asserts on time.

    .venv/bin/python bench/consult_bench.py                # the embedded SQLite database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/consult_bench.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from tanzim.consult import trees as tree_rules  # noqa: E402
from tanzim.consult.models import Tree  # noqa: E402
from tanzim.consult.selectors import interview_version_for_run  # noqa: E402
from tanzim.consult.services import draft_save_page, draft_start, tree_version_save  # noqa: E402

TREES = 100
STEPS = 200


def definition(steps: int) -> dict:
    """A chain of questions, every other one with a side result: ``steps`` nodes in all."""
    nodes: dict = {}
    questions = steps // 2
    for i in range(questions):
        nxt = f"q{i + 1}" if i + 1 < questions else "end"
        nodes[f"q{i}"] = {
            "type": "question",
            "text_fa": f"پرسش شماره {i}؟",
            "critical": i == 0,
            "answer": "choice",
            "options": [
                {"value": "yes", "label_fa": "بله", "next": nxt},
                {"value": "no", "label_fa": "خیر", "next": f"r{i}"},
            ],
        }
        nodes[f"r{i}"] = {
            "type": "result",
            "title_fa": f"نتیجه {i}",
            "body_fa": "متن نتیجه",
            "service": "consultation",
        }
    nodes["end"] = {"type": "result", "title_fa": "پایان", "body_fa": "متن", "service": "criminal_complaint"}
    nodes.pop(f"r{questions - 1}", None)
    nodes[f"q{questions - 1}"]["options"][1]["next"] = "end"
    return {"start": "q0", "none": "end", "nodes": nodes}


def ensure_trees() -> list[str]:
    slugs = []
    for n in range(TREES):
        slug = f"bench-{n:03d}"
        tree, created = Tree.objects.get_or_create(
            slug=slug, defaults={"family": "debt_cheque", "title_fa": f"بنچ {n}"}
        )
        if created or tree.published is None:
            tree_version_save(tree=tree, actor=None, definition=definition(STEPS), publish=True)
        slugs.append(slug)
    return slugs


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:<34} n={len(samples):>4}  p50={statistics.median(samples):6.1f} ms  p95={pct(samples, 95):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    slugs = ensure_trees()
    client = Client()
    rng = random.Random(16)
    step_get, step_post = [], []
    for _ in range(args.calls):
        slug = rng.choice(slugs)
        url = reverse("consult:diagnosis", args=[slug])
        started = time.perf_counter()
        page = client.get(url)
        step_get.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200
        node = page.content.decode().split('name="node" value="', 1)[1].split('"', 1)[0]
        started = time.perf_counter()
        answered = client.post(url, {"node": node, "value": "yes"})
        step_post.append((time.perf_counter() - started) * 1000)
        assert answered.status_code == 302
    run = draft_start(version=interview_version_for_run(slug="cheque-complaint"))
    from tanzim.testing.consult import cheque_pages

    for index, answers in enumerate(cheque_pages()[:2]):
        draft_save_page(run=run, page=index, data=answers)
    interview = []
    for _ in range(args.calls):
        started = time.perf_counter()
        page = client.get(reverse("consult:draft-page", args=[run.token, 2]))
        interview.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200
    validation = []
    big = definition(STEPS)
    for _ in range(50):
        started = time.perf_counter()
        assert tree_rules.validate(big) == []
        validation.append((time.perf_counter() - started) * 1000)
    print(f"{TREES} trees × {STEPS} steps; {args.calls} calls each")
    report("diagnosis step (GET)", step_get)
    report("diagnosis answer (POST)", step_post)
    report("interview page (GET)", interview)
    report("validate a 200-step tree", validation)


if __name__ == "__main__":
    from django.conf import settings

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False, STORAGES={**settings.STORAGES, "staticfiles": static}
    ):
        main()
