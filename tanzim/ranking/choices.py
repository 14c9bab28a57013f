from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


# The one transition table of a ranking run. Nothing else writes ``status``.
ALLOWED: dict[str, frozenset[str]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.FINISHED, RunStatus.FAILED}),
    RunStatus.FINISHED: frozenset({RunStatus.APPROVED, RunStatus.SUPERSEDED}),
    RunStatus.APPROVED: frozenset({RunStatus.SUPERSEDED}),
    RunStatus.FAILED: frozenset(),
    RunStatus.SUPERSEDED: frozenset(),
}
ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
HAS_RESULTS = frozenset({RunStatus.FINISHED, RunStatus.APPROVED, RunStatus.SUPERSEDED})


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Jalali month")
    QUARTER = "quarter", _("Jalali quarter")


class Normalisation(models.TextChoices):
    GOALPOSTS = "goalposts", _("Distance to fixed goalposts")
    MINMAX = "minmax", _("Min-max over the offices")
    ZSCORE = "zscore", _("Z-score over the offices")


class OutlierTreatment(models.TextChoices):
    NONE = "none", _("None")
    WINSORISE = "winsorise", _("Winsorise skewed indicators (|skew| > 2 and kurtosis > 3.5)")


class IndicatorKey(models.TextChoices):
    """What the ranking measures; the weights and goalposts of each are policy data."""

    SATISFACTION = "satisfaction", _("Client satisfaction (surveys)")
    SETTLEMENT = "dispute_settlement", _("Dispute resolution: settlement rate")
    KEPT_OUT = "dispute_kept_out", _("Dispute resolution: kept out of court per 1,000 services")
    INSPECTION = "inspection", _("Inspection score")
    TIMELINESS = "timeliness", _("Timeliness: steps within their deadline")
    COMPLAINTS = "complaints", _("Upheld complaints per 1,000 services")
    SOCIAL = "social_service", _("Social service: share of work given free")
