"""Pages: public ranking and open data, runs and approval, explanations and their scope, the policy form."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tanzim.ranking.choices import RunStatus
from tanzim.ranking.models import RankingPolicy, RankingRun
from tanzim.ranking.tests.helpers import approved_run, finished_run


def test_the_public_page_needs_no_login_and_shows_only_approved_runs(client, surveyed):
    finished_run(surveyed)
    response = client.get(reverse("ranking:public"))
    assert response.status_code == 200
    assert 'id="no-ranking"' in response.text

    RankingRun.objects.all().delete()
    run = approved_run(surveyed)
    response = client.get(reverse("ranking:public"))

    assert response.status_code == 200
    assert surveyed.office_a.name_fa in response.text
    assert "<svg" in response.text and 'id="histogram"' in response.text and 'id="trend"' in response.text
    assert f"?run={run.pk}" in response.text


def test_the_public_page_filters_by_province(client, surveyed):
    approved_run(surveyed)
    province = surveyed.office_b.province

    response = client.get(reverse("ranking:public"), {"province": province.code})

    assert surveyed.office_b.name_fa in response.text
    assert surveyed.office_a.name_fa not in response.text


def test_an_unapproved_run_is_not_public_even_by_number(client, surveyed):
    run = finished_run(surveyed)

    assert client.get(reverse("ranking:public"), {"run": run.pk}).status_code == 404
    assert client.get(reverse("ranking:open-data-csv"), {"run": run.pk}).status_code == 404


def test_open_data_as_csv_and_json(client, surveyed):
    run = approved_run(surveyed)

    text = client.get(reverse("ranking:open-data-csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    data = client.get(reverse("ranking:open-data-json")).json()

    assert {r["office_code"] for r in rows} >= {"A0001", "B0001"}
    assert data["run"] == run.pk and data["period"] == "1405-03"
    b = next(o for o in data["offices"] if o["office_code"] == "B0001")
    assert b["satisfaction_insufficient_data"] is True and b["satisfaction"] > 3  # never zero


def test_the_kanoon_starts_a_run_from_the_page_and_sees_its_status(
    client, surveyed, django_capture_on_commit_callbacks
):
    client.force_login(surveyed.kanoon_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ranking:runs"), {"period": "۱۴۰۵-۰۳"})

    run = RankingRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("ranking:run", args=[run.pk])
    assert run.status == RunStatus.FINISHED  # eager Celery in tests
    page = client.get(response.url)
    assert page.status_code == 200 and 'id="weights"' in page.text and 'id="approve-form"' in page.text
    assert 'id="run-progress"' in client.get(reverse("ranking:run-status", args=[run.pk])).text


def test_a_run_for_a_period_with_no_data_shows_a_clear_error(client, surveyed):
    client.force_login(surveyed.kanoon_admin)

    response = client.post(reverse("ranking:runs"), {"period": "1404-07"})

    assert response.status_code == 400
    assert "no data" in response.text.lower() or "داده" in response.text
    assert not RankingRun.objects.exists()


def test_rerunning_an_approved_period_from_the_page_asks_for_a_reason(client, surveyed):
    approved_run(surveyed)
    client.force_login(surveyed.kanoon_admin)

    response = client.post(reverse("ranking:runs"), {"period": "1405-03"})

    assert response.status_code == 409
    assert RankingRun.objects.count() == 1


def test_approving_from_the_page(client, surveyed):
    run = finished_run(surveyed)
    client.force_login(surveyed.kanoon_admin)

    response = client.post(
        reverse("ranking:run-approve", args=[run.pk]), {"note": "checked", "acknowledge_warnings": "on"}
    )

    run.refresh_from_db()
    assert response.status_code == 302 and run.status == RunStatus.APPROVED


def test_a_province_admin_cannot_approve(client, surveyed):
    run = finished_run(surveyed)
    client.force_login(surveyed.province_admin_a)

    response = client.post(reverse("ranking:run-approve", args=[run.pk]))

    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED


# --- explanation scope --------------------------------------------------------------------------


def test_the_manager_sees_their_own_office_explanation(client, surveyed):
    run = approved_run(surveyed)
    client.force_login(surveyed.manager_a)

    response = client.get(reverse("ranking:explain", args=[run.pk, "A0001"]))

    assert response.status_code == 200
    assert 'id="indicators"' in response.text and 'data-indicator="satisfaction"' in response.text
    assert client.get(reverse("ranking:office", args=["A0001"])).status_code == 302


def test_the_manager_gets_404_for_another_office_and_for_an_unapproved_run(client, surveyed):
    approved = approved_run(surveyed)
    client.force_login(surveyed.manager_a)

    assert client.get(reverse("ranking:explain", args=[approved.pk, "B0001"])).status_code == 404
    RankingRun.objects.filter(pk=approved.pk).update(status=RunStatus.SUPERSEDED)
    assert client.get(reverse("ranking:explain", args=[approved.pk, "A0001"])).status_code == 404


def test_a_province_admin_sees_their_province_only(client, surveyed):
    run = finished_run(surveyed)
    client.force_login(surveyed.province_admin_a)

    assert client.get(reverse("ranking:explain", args=[run.pk, "A0001"])).status_code == 200
    assert client.get(reverse("ranking:explain", args=[run.pk, "B0001"])).status_code == 404
    page = client.get(reverse("ranking:run", args=[run.pk]))
    assert 'data-office="A0001"' in page.text and 'data-office="B0001"' not in page.text


def test_the_kanoon_sees_every_office(client, surveyed):
    run = finished_run(surveyed)
    client.force_login(surveyed.kanoon_admin)

    assert client.get(reverse("ranking:explain", args=[run.pk, "B0001"])).status_code == 200


@pytest.mark.parametrize("persona", ["citizen", "clerk_b"])
def test_others_get_no_ranking_pages(client, surveyed, persona):
    run = approved_run(surveyed)
    client.force_login(getattr(surveyed, persona))

    assert client.get(reverse("ranking:explain", args=[run.pk, "A0001"])).status_code == 404
    assert client.get(reverse("ranking:runs")).status_code == 403


def test_an_office_with_no_surveys_reads_insufficient_data(client, surveyed):
    run = approved_run(surveyed)
    client.force_login(surveyed.kanoon_admin)

    response = client.get(reverse("ranking:explain", args=[run.pk, "B0001"]))

    assert "insufficient data" in response.text or "دادهٔ کافی" in response.text or "داده" in response.text


# --- policy form --------------------------------------------------------------------------------


def _policy_post(**changes):
    from tanzim.ranking import policy as policy_rules

    data = {"normalisation": "goalposts", "outliers": "winsorise", "winsor_pct": "2.5", "mc_draws": "500",
            "mc_weight_spread_pct": "25", "note": "test"}  # fmt: skip
    for spec in policy_rules.DEFAULT_INDICATORS:
        key = spec["key"]
        data |= {
            f"{key}__weight": str(spec["weight_bp"] / 100),
            f"{key}__lower": str(spec["lower"]),
            f"{key}__upper": str(spec["upper"]),
            f"{key}__prior_weight": str(spec["prior_weight"]),
            f"{key}__min_sample": str(spec["min_sample"]),
        }
    for band in policy_rules.DEFAULT_BANDS:
        tier = band["tier"]
        data |= {
            f"band_{tier}__low": str(band["low"]),
            f"band_{tier}__high": str(band["high"]),
            f"band_{tier}__adjust": str(policy_rules.DEFAULT_ADJUSTMENTS_BP[tier]),
        }
    data.update(changes)
    return data


def test_the_kanoon_saves_a_new_policy_version(client, surveyed):
    client.force_login(surveyed.kanoon_admin)
    client.get(reverse("ranking:policy"))

    response = client.post(reverse("ranking:policy"), _policy_post(mc_draws="800"))

    assert response.status_code == 302
    assert RankingPolicy.objects.order_by("-version").first().mc_draws == 800
    assert RankingPolicy.objects.count() == 2


def test_the_policy_form_refuses_weights_off_100(client, surveyed):
    client.force_login(surveyed.kanoon_admin)

    response = client.post(reverse("ranking:policy"), _policy_post(satisfaction__weight="35"))

    assert response.status_code == 400
    assert "95٪" in response.text and "۱۰۰٪" in response.text  # the total it came to, and the rule


def test_the_policy_form_refuses_overlapping_bands(client, surveyed):
    client.force_login(surveyed.kanoon_admin)

    response = client.post(reverse("ranking:policy"), _policy_post(band_B__high="90"))

    assert response.status_code == 400
    assert "overlap" in response.text or "هم‌پوشانی" in response.text


def test_a_province_admin_reads_the_policy_but_cannot_save(client, surveyed):
    client.force_login(surveyed.province_admin_a)

    assert client.get(reverse("ranking:policy")).status_code == 200
    assert client.post(reverse("ranking:policy"), _policy_post()).status_code == 403


def test_a_manager_finds_the_offices_ranking_on_the_desk_once_a_run_is_approved(client, surveyed):
    office_url = reverse("ranking:office", args=[surveyed.office_a.code])
    client.force_login(surveyed.manager_a)
    assert office_url not in client.get(reverse("web:home")).text  # nothing to show yet
    approved_run(surveyed)
    desk = client.get(reverse("web:home")).text
    assert office_url in desk
    assert reverse("ranking:office", args=[surveyed.office_b.code]) not in desk
    assert client.get(office_url, follow=True).status_code == 200


def test_the_explanation_reads_in_english_with_its_own_percent_sign(client, surveyed):
    run = approved_run(surveyed)
    client.force_login(surveyed.manager_a)
    url = reverse("ranking:explain", args=[run.pk, surveyed.office_a.code])
    persian = client.get(url).text
    assert '<html lang="fa" dir="rtl">' in persian and "٪" in persian
    client.cookies["django_language"] = "en"
    english = client.get(url).text
    assert '<html lang="en" dir="ltr">' in english
    assert "٪" not in english and "%" in english
