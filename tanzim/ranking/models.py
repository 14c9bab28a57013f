"""Ranking: a versioned policy, runs per period, and every input and output of a run.

A policy row is never edited: the Kanoon saves a new version and past runs keep the one they
used. A run stores, per office and indicator, the raw value and its sample (the inputs) and
the shrunk value, normalised value and points (the outputs), so it can be reproduced and
explained without reading the other apps again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.audit.models import TransitionEvent
from tanzim.ranking.choices import Normalisation, OutlierTreatment, PeriodKind, RunStatus


class RankingPolicy(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    indicators = models.JSONField(
        _("indicators"),
        help_text=_(
            "Each indicator's weight (basis points), polarity, goalposts, prior weight and minimum sample."
        ),
    )
    normalisation = models.CharField(
        _("normalisation"), max_length=12, choices=Normalisation.choices, default=Normalisation.GOALPOSTS
    )
    outliers = models.CharField(
        _("outlier treatment"),
        max_length=12,
        choices=OutlierTreatment.choices,
        default=OutlierTreatment.WINSORISE,
    )
    winsor_pct = models.FloatField(_("winsorising percentile"), default=2.5)
    tier_bands = models.JSONField(_("tier bands"), help_text='[{"tier": "A", "low": 85, "high": 100}, …]')
    share_adjustments_bp = models.JSONField(
        _("share-rate adjustment per tier (basis points)"), default=dict, help_text='{"A": -300, "D": 200}'
    )
    mc_draws = models.PositiveIntegerField(_("Monte-Carlo draws"), default=1000)
    mc_weight_spread_pct = models.PositiveSmallIntegerField(
        _("weight spread in the Monte Carlo (%)"), default=25
    )
    mc_normalisations = models.JSONField(_("normalisations tried in the Monte Carlo"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ranking policy")
        verbose_name_plural = _("ranking policies")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(winsor_pct__gte=0, winsor_pct__lt=50), name="ranking_policy_winsor"
            ),
            models.CheckConstraint(condition=Q(mc_weight_spread_pct__lt=100), name="ranking_policy_spread"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class RankingRun(models.Model):
    policy = models.ForeignKey(
        RankingPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="runs"
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_first = models.PositiveIntegerField(_("first month"))  # YYYYMM, Jalali
    period_last = models.PositiveIntegerField(_("last month"))
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    seed = models.BigIntegerField(_("random seed"))
    reason = models.CharField(_("reason for a re-run"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    office_count = models.PositiveIntegerField(_("offices"), default=0)
    ranked_count = models.PositiveIntegerField(_("offices ranked"), default=0)
    previous_run = models.ForeignKey(
        "self", verbose_name=_("previous period's run"), null=True, blank=True, on_delete=models.SET_NULL
    )
    effective_year = models.PositiveSmallIntegerField(_("tiers apply from year"), null=True, blank=True)
    effective_month = models.PositiveSmallIntegerField(_("tiers apply from month"), null=True, blank=True)
    warnings_acknowledged = models.BooleanField(
        _("approved despite weight warnings"),
        default=False,
        help_text=_("The approver acknowledged the run's weight warnings (see the approval's note)."),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    inputs_digest = models.CharField(_("digest of the inputs"), max_length=64, blank=True)
    outputs_digest = models.CharField(_("digest of the outputs"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ranking run")
        verbose_name_plural = _("ranking runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="ranking_run_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="ranking_run_progress"),
            models.CheckConstraint(
                condition=Q(period_last__gte=models.F("period_first")), name="ranking_run_period"
            ),
            # One approved ranking per period (a re-run supersedes it), one run at work per period.
            models.UniqueConstraint(
                fields=["period_kind", "period_first"],
                condition=Q(status=RunStatus.APPROVED),
                name="ranking_one_approved_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_first"],
                condition=Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]),
                name="ranking_one_active_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "period_kind", "period_first"], name="ranking_run_period_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period_first}-{self.period_last} {self.status}"


class RankingRunEvent(TransitionEvent):
    """One row per status change of a run (written by the engine): who, when, from what, to what."""

    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("ranking run event")
        verbose_name_plural = _("ranking run events")
        ordering = ["created_at", "pk"]


class RankingResult(models.Model):
    run = models.ForeignKey(
        RankingRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="results"
    )
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    province = models.ForeignKey(
        "offices.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    ranked = models.BooleanField(_("ranked"), default=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("national rank"), null=True, blank=True)
    province_rank = models.PositiveIntegerField(_("rank in the province"), null=True, blank=True)
    median_rank = models.FloatField(_("median rank"), null=True, blank=True)
    rank_p05 = models.FloatField(_("rank, 5th percentile"), null=True, blank=True)
    rank_p95 = models.FloatField(_("rank, 95th percentile"), null=True, blank=True)
    tier_score = models.FloatField(_("score at the median rank"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    satisfaction = models.FloatField(_("satisfaction (shrunk)"), null=True, blank=True)
    satisfaction_responses = models.PositiveIntegerField(_("survey answers"), default=0)
    satisfaction_insufficient = models.BooleanField(_("too few survey answers"), default=True)
    settlement_rate = models.FloatField(_("settlement rate"), null=True, blank=True)
    previous_score = models.FloatField(_("previous score"), null=True, blank=True)
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    previous_tier = models.CharField(_("previous tier"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("ranking result")
        verbose_name_plural = _("ranking results")
        ordering = ["run", "rank", "office_id"]
        constraints = [models.UniqueConstraint(fields=["run", "office"], name="ranking_result_office")]
        indexes = [
            models.Index(fields=["run", "rank"], name="ranking_result_rank"),
            models.Index(fields=["run", "province", "province_rank"], name="ranking_result_province"),
            models.Index(fields=["office", "run"], name="ranking_result_office_run"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.office_id} #{self.rank or '-'} {self.tier}"

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (positive: moved up)."""
        if not self.rank or not self.previous_rank:
            return None
        return self.previous_rank - self.rank


class IndicatorValue(models.Model):
    """One indicator of one office in one run: the input (raw, sample) and every derived figure."""

    result = models.ForeignKey(RankingResult, on_delete=models.CASCADE, related_name="indicators")
    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("indicator"), max_length=24)
    raw = models.FloatField(_("raw value"), null=True, blank=True)
    sample = models.FloatField(_("sample size"), default=0)
    population = models.FloatField(_("population"), default=0)
    age_days = models.FloatField(_("age (days)"), null=True, blank=True)
    shrunk = models.FloatField(_("shrunk value"), null=True, blank=True)
    normalised = models.FloatField(_("normalised (0-1)"), default=0)
    points = models.FloatField(_("points"), default=0)
    weight = models.FloatField(_("weight"), default=0)
    needed = models.FloatField(_("minimum sample"), default=0)
    insufficient = models.BooleanField(_("insufficient data"), default=True)
    gain = models.FloatField(_("points to gain"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["result", "pk"]
        constraints = [models.UniqueConstraint(fields=["result", "key"], name="ranking_indicator_once")]
        indexes = [models.Index(fields=["run", "key"], name="ranking_indicator_run")]

    def __str__(self) -> str:
        return f"{self.result_id}: {self.key}"
