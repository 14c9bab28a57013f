"""Weights: the effective weights beside the policy's, the drift and variance-share flags, and
approval of a flagged run only with an acknowledgement (issue 12, defect 10)."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError
from tanzim.ranking import method as m
from tanzim.ranking import method_doc, selectors, services
from tanzim.ranking import policy as policy_rules
from tanzim.ranking.choices import IndicatorKey, RunStatus
from tanzim.ranking.tests.helpers import finished_run

INDICATORS = tuple(m.Indicator(**i) for i in policy_rules.DEFAULT_INDICATORS)
BANDS = tuple(m.Band(**b) for b in policy_rules.DEFAULT_BANDS)
K = len(INDICATORS)
KEYS = [i.key for i in INDICATORS]
SOCIAL = KEYS.index(IndicatorKey.SOCIAL)
SATISFACTION = KEYS.index(IndicatorKey.SATISFACTION)


def network(
    n: int = 120, *, seed: int = 3, empty: tuple[int, ...] = (), spread: dict[int, float] | None = None
):
    """``n`` offices with data on every indicator but those in ``empty``; ``spread`` scales the
    spread of an indicator's values around the middle of its goalposts (1: the whole span)."""
    rng = np.random.default_rng(seed)
    values = np.zeros((n, K))
    for j, ind in enumerate(INDICATORS):
        middle, span = (ind.lower + ind.upper) / 2, ind.upper - ind.lower
        values[:, j] = middle + span * (spread or {}).get(j, 0.4) * rng.uniform(-1, 1, n)
    values[:, list(empty)] = np.nan
    return m.Inputs(
        offices=np.arange(1, n + 1),
        provinces=rng.integers(1, 5, n),
        values=values,
        samples=np.full((n, K), 1000.0),
        population=np.zeros((n, K)),
        age_days=np.full((n, K), np.nan),
    )


def checks_of(out: m.Output, *, drift: float = 0.02, share: float = 0.10) -> list[m.WeightCheck]:
    return m.weight_checks(
        out.params, out.variance_share, out.variance_share_mc, drift_limit=drift, share_limit=share
    )


def method_(draws: int = 200) -> m.Method:
    return m.Method(indicators=INDICATORS, bands=BANDS, draws=draws)


# --- effective weights -----------------------------------------------------------------------------


def test_effective_weights_are_shown_when_an_indicator_has_no_data(client, surveyed):
    """The test network has survey answers only: satisfaction carries the whole score, and the run,
    the public page and the API say so beside the policy's 40%."""
    run = finished_run(surveyed)
    report = selectors.weight_report(run=run)
    rows = {r.key: r for r in report.rows}

    assert rows[IndicatorKey.SATISFACTION].policy_pct == 40
    assert rows[IndicatorKey.SATISFACTION].effective_pct == pytest.approx(100)
    assert rows[IndicatorKey.INSPECTION].dropped and rows[IndicatorKey.INSPECTION].effective_pct == 0
    assert sum(r.effective_pct for r in report.rows) == pytest.approx(100)

    client.force_login(surveyed.kanoon_admin)
    with translation.override("en"):
        page = client.get(reverse("ranking:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    row = page.text.split('data-indicator="satisfaction"')[1].split("</tr>")[0]
    assert "40.0%" in row and "100.0%" in row

    services.run_approve(run=run, actor=surveyed.kanoon_admin, acknowledge_warnings=True, note="surveys only")
    client.logout()
    public = client.get(reverse("ranking:public"))
    assert 'id="weights-table"' in public.text and 'id="weight-drift-warning"' in public.text
    assert reverse("ranking:method") in public.text

    payload = client.get("/api/v1/ranking/public/runs/").json()["results"][0]
    weights = {w["key"]: w for w in payload["weights"]}
    assert weights["satisfaction"]["policy_weight_pct"] == 40
    assert weights["satisfaction"]["effective_weight_pct"] == pytest.approx(100)
    assert weights["inspection"]["no_data_in_network"] is True
    assert {w["kind"] for w in payload["weight_warnings"]} >= {m.WEIGHT_DRIFT}
    assert payload["warnings_acknowledged"] is True


def test_the_policy_weight_and_the_effective_weight_are_stored_with_the_run(surveyed):
    run = finished_run(surveyed)

    stored = {p["key"]: p for p in run.parameters["indicators"]}
    assert stored["satisfaction"]["policy_weight"] == pytest.approx(0.40)
    assert stored["satisfaction"]["weight"] == pytest.approx(1.0)
    assert stored["social_service"]["policy_weight"] == pytest.approx(0.05)


# --- drift --------------------------------------------------------------------------------------------


def test_weight_drift_over_two_points_warns():
    """No office has social-service data (5%): the others are scaled by 1/0.95, so satisfaction
    carries 42.1% (2.1 points over) and is flagged; settlement carries 10.5% (0.5 over) and is not."""
    out = m.rank(network(empty=(SOCIAL,)), method_(draws=0), seed=1)

    drift = {c.key: c for c in checks_of(out) if c.kind == m.WEIGHT_DRIFT}

    assert out.params[SATISFACTION].weight == pytest.approx(0.40 / 0.95)
    assert set(drift) == {IndicatorKey.SATISFACTION, IndicatorKey.SOCIAL}
    assert drift[IndicatorKey.SATISFACTION].difference == pytest.approx(0.40 / 0.95 - 0.40)
    assert drift[IndicatorKey.SOCIAL].value == 0 and drift[IndicatorKey.SOCIAL].policy_weight == 0.05


def test_no_drift_warning_when_every_indicator_has_data():
    out = m.rank(network(), method_(draws=0), seed=1)

    assert [c for c in checks_of(out) if c.kind == m.WEIGHT_DRIFT] == []
    assert all(p.weight == pytest.approx(p.policy_weight) for p in out.params)


def test_variance_share_warnings_alone_do_not_block_approval(surveyed, settings):
    settings.RANKING_WEIGHT_DRIFT_MAX_BP = 10_000  # no drift flag; satisfaction's 100% share still flagged
    run = finished_run(surveyed)
    assert {c.kind for c in selectors.run_checks(run)} == {m.VARIANCE_SHARE, m.VARIANCE_SHARE_MC}

    approved = services.run_approve(run=run, actor=surveyed.kanoon_admin)

    assert approved.status == RunStatus.APPROVED and not approved.warnings_acknowledged
    event = AuditEvent.objects.get(action="ranking.run.approved")
    assert {w["indicator"] for w in event.data["variance_warnings"]} == {"satisfaction"}


def test_the_drift_limit_comes_from_settings(surveyed, settings):
    settings.RANKING_WEIGHT_DRIFT_MAX_BP = 10_000  # nothing can drift further than 100 points
    settings.RANKING_VARIANCE_SHARE_MAX_BP = 10_000
    run = finished_run(surveyed)

    assert selectors.run_checks(run) == []
    approved = services.run_approve(run=run, actor=surveyed.kanoon_admin)  # no acknowledgement needed
    assert approved.status == RunStatus.APPROVED and not approved.warnings_acknowledged


def test_a_flagged_run_is_approved_only_with_an_acknowledgement_and_a_note(surveyed):
    run = finished_run(surveyed)
    assert {c.kind for c in selectors.run_checks(run)} >= {m.WEIGHT_DRIFT}

    with pytest.raises(ConflictError) as refused:
        services.run_approve(run=run, actor=surveyed.kanoon_admin)
    assert refused.value.code == "warnings_not_acknowledged"
    with pytest.raises(DomainError) as no_note:
        services.run_approve(run=run, actor=surveyed.kanoon_admin, acknowledge_warnings=True)
    assert no_note.value.code == "note_required"
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED

    approved = services.run_approve(
        run=run, actor=surveyed.kanoon_admin, acknowledge_warnings=True, note="only surveys this month"
    )

    assert approved.status == RunStatus.APPROVED and approved.warnings_acknowledged
    event = AuditEvent.objects.get(action="ranking.run.approved")
    assert {w["indicator"] for w in event.data["warnings_acknowledged"]} >= {"satisfaction"}


def test_the_approve_form_asks_for_the_acknowledgement_of_a_flagged_run(client, surveyed):
    run = finished_run(surveyed)
    client.force_login(surveyed.kanoon_admin)

    page = client.get(reverse("ranking:run", args=[run.pk]))
    assert 'id="id_acknowledge_warnings"' in page.text and 'id="weight-drift-warning"' in page.text

    client.post(reverse("ranking:run-approve", args=[run.pk]), {"note": "checked"})
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED  # refused: not acknowledged

    client.post(
        reverse("ranking:run-approve", args=[run.pk]), {"note": "checked", "acknowledge_warnings": "on"}
    )
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.warnings_acknowledged


# --- variance shares --------------------------------------------------------------------------------


def test_monte_carlo_variance_share_check():
    """Satisfaction varies across offices while the other indicators hardly do: it carries nearly all
    the variance of the scores, at the policy's method and over the Monte-Carlo draws, far from its
    40%, and both checks flag it; light indicators varying like the others are not flagged."""
    lopsided = network(spread={j: (0.45 if j == SATISFACTION else 0.01) for j in range(K)})
    out = m.rank(lopsided, method_(), seed=4)

    flagged = {(c.kind, c.key) for c in checks_of(out)}

    assert sum(out.variance_share_mc.values()) == pytest.approx(1.0)
    # the point share is all satisfaction; the Monte Carlo's min-max and z-score draws stretch the
    # flat indicators to their own spread, so there it carries less, still far above 40%
    assert out.variance_share[IndicatorKey.SATISFACTION] > 0.95
    assert (
        0.6 < out.variance_share_mc[IndicatorKey.SATISFACTION] < out.variance_share[IndicatorKey.SATISFACTION]
    )
    assert (m.VARIANCE_SHARE_MC, IndicatorKey.SATISFACTION) in flagged
    assert (m.VARIANCE_SHARE, IndicatorKey.SATISFACTION) in flagged

    # Shares follow the weights when every indicator spreads over its whole goalposts alike
    # (the squared weight over the sum of squares, for independent indicators): social (5%) and
    # complaints (10%) stay within 10 points; satisfaction (40%) does not.
    balanced = m.rank(network(n=400, spread=dict.fromkeys(range(K), 0.5)), method_(), seed=4)
    share_flags = {c.key for c in checks_of(balanced) if c.kind == m.VARIANCE_SHARE_MC}
    assert IndicatorKey.SOCIAL not in share_flags and IndicatorKey.COMPLAINTS not in share_flags


def test_a_monte_carlo_share_beyond_the_limit_is_flagged_even_when_the_point_share_is_not():
    """The two checks are separate: a share limit between the point share and the Monte-Carlo share
    of an indicator flags only the Monte-Carlo one."""
    out = m.rank(network(spread={SATISFACTION: 0.45}), method_(), seed=4)
    point = out.variance_share[IndicatorKey.SATISFACTION]
    mc = out.variance_share_mc[IndicatorKey.SATISFACTION]
    assert point != mc
    between = (abs(point - 0.40) + abs(mc - 0.40)) / 2

    kinds = {c.kind for c in checks_of(out, share=between) if c.key == IndicatorKey.SATISFACTION}

    assert kinds == ({m.VARIANCE_SHARE_MC} if abs(mc - 0.40) > abs(point - 0.40) else {m.VARIANCE_SHARE})


def test_no_share_is_flagged_when_the_scores_do_not_vary():
    flat = network(spread=dict.fromkeys(range(K), 0.0))
    out = m.rank(flat, method_(), seed=2)

    assert out.variance_share == {} and out.variance_share_mc == {}
    assert checks_of(out) == []


def test_the_method_page_renders_docs_ranking_md_in_each_language(client, db):
    persian = client.get(reverse("ranking:method"))

    assert "<h1>رتبه‌بندی دفترها چگونه محاسبه می‌شود</h1>" in persian.text
    assert "<table>" in persian.text and "docs/ranking.fa.md" in persian.text
    english = str(method_doc.render(persian=False))
    assert "<h1>How the office ranking is computed</h1>" in english and "<script" not in english
