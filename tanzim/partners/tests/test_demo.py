"""The demo (seed_demo calls seed_partners): partners of every kind, referrals in every state at
office A, the partner persona with a working desk; seeding twice changes nothing."""

from __future__ import annotations

from datetime import datetime, time

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tanzim.accounts.models import User
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.models import Office
from tanzim.partners.choices import DeliveryStatus, PartnerKind, ReferralStatus
from tanzim.partners.demo import seed_partners
from tanzim.partners.models import Delivery, Partner, Referral


def test_the_demo_has_every_kind_every_state_and_a_working_partner_desk(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    late_evening = datetime.combine(tehran_date(timezone.now()), time(23, 50), tzinfo=TEHRAN)
    with time_machine.travel(late_evening, tick=True):
        offices = _seed_what_partners_build_on()
        seed_partners(offices=offices)
        assert set(Partner.objects.values_list("kind", flat=True)) == set(PartnerKind.values)
        assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
        assert Referral.objects.filter(dispute__isnull=False, status=ReferralStatus.OUTCOME).exists()
        assert Delivery.objects.filter(status=DeliveryStatus.DEAD).count() == 1
        count = Referral.objects.count()
        seed_partners(offices=offices)
        assert Referral.objects.count() == count

        client = Client(HTTP_ACCEPT_LANGUAGE="fa")
        client.force_login(User.objects.get(username="partner"))
        desk = client.get(reverse("partners:desk"))
        assert desk.status_code == 200
        waiting = Referral.objects.filter(
            partner__code="council-tehran", status__in=(ReferralStatus.SENT, ReferralStatus.IN_PROGRESS)
        )
        assert waiting.exists() and all(r.reference in desk.content.decode() for r in waiting)


def _seed_what_partners_build_on() -> list:
    """seed_demo's stages before partners (offices, people, money, requests, appointments, disputes)."""
    from tanzim.accounts.demo import seed_people
    from tanzim.cases.demo import seed_cases
    from tanzim.disputes.demo import seed_disputes
    from tanzim.finance.demo import seed_finance
    from tanzim.offices.demo import seed_offices
    from tanzim.offices.services import reference_data_load
    from tanzim.scheduling.demo import seed_scheduling

    reference_data_load()
    offices = seed_offices(total=12)
    seed_people(offices=offices, citizens=5)
    # Partners' demo refers office A's disputes and requests (clerk.a's office): the stages it builds
    # on are seeded there only (on all 31 offices the test took 11.8 CPU s instead of 5.7, most of
    # it in disputes' stage); seed_demo runs them everywhere, and web's test of the whole demo
    # checks that.
    office_a = Office.objects.get(staff_roles__user__username="clerk.a")
    for seed in (seed_finance, seed_cases, seed_scheduling, seed_disputes):
        seed(offices=[office_a])
    return list(offices)
