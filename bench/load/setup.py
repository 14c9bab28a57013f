"""Data for the national-day load test (bench/load/locustfile.py), on a production-stack database.

Ten offices with a week of slots, and survey invitations whose tokens are written to a file for the
survey share of the load (in production a visit's SMS carries each token; here nobody visits).
Run by bench/load/run.sh with the stack's settings: ``python bench/load/setup.py TOKENS_FILE``.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OFFICES = [f"LOAD{n:02d}" for n in range(1, 11)]
INVITATIONS = 3000


def main(tokens_file: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.utils import timezone

    from tanzim.accounts.choices import Role
    from tanzim.feedback.models import Questionnaire, SurveyInvitation
    from tanzim.feedback.periods import period_of
    from tanzim.feedback.services.surveys import token_hash
    from tanzim.offices.models import City, Office
    from tanzim.scheduling.services import slots_generate_all
    from tanzim.testing.factories import OfficeFactory, UserFactory, give_role

    tehran = City.objects.get(code="THR-01")
    offices = []
    for code in OFFICES:
        office = Office.objects.filter(code=code).first() or OfficeFactory.create(
            code=code, city=tehran, name_fa=f"دفتر بار {code}", name_en=f"Load office {code}"
        )
        give_role(UserFactory.create(username=f"clerk.{code.lower()}"), Role.CLERK, office=office)
        offices.append(office)
    sync = slots_generate_all(days=7, offices=Office.objects.filter(code__in=OFFICES))

    now = timezone.now()
    questionnaire = Questionnaire.objects.filter(active=True).order_by("-version").first()
    tokens = [secrets.token_urlsafe(24) for _ in range(INVITATIONS)]
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            office=offices[i % len(offices)],
            period=period_of(now),
            source="visit",
            source_id=i,
            recipient_key=f"load-{i}",
            phone_hash=f"load-{i}",
            token_hash=token_hash(token),
            questionnaire=questionnaire,
            created_at=now,
            expires_at=now + timedelta(days=7),
        )
        for i, token in enumerate(tokens)
    )
    Path(tokens_file).write_text("\n".join(tokens) + "\n")
    print(f"  {len(offices)} offices, {sync.created} slots, {len(tokens)} survey invitations")


if __name__ == "__main__":
    main(sys.argv[1])
