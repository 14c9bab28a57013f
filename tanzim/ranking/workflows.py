"""The ranking run workflow, declared for the engine (``tanzim.audit.workflow``).

A run is queued by the Kanoon (or the system), claimed and computed by a worker (running →
finished or failed), then approved by the Kanoon; approving a re-run supersedes the approved run
of the same period.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon
from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.ranking.choices import ALLOWED, RunStatus
from tanzim.ranking.models import RankingRun, RankingRunEvent

KANOON = "kanoon"


def authorize(run: RankingRun, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    """Approval (and the superseding it causes) is the Kanoon's; ``None`` is the system."""
    if KANOON in kinds and actor is not None and not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can do this."))


RUN: Workflow[RankingRun] = Workflow(
    name="ranking.run",
    model=RankingRun,
    table=ALLOWED,
    movers={RunStatus.APPROVED: frozenset({KANOON}), RunStatus.SUPERSEDED: frozenset({KANOON})},
    authorize=authorize,
    stamps={
        "*": "status_changed_at",
        RunStatus.RUNNING: "started_at",
        RunStatus.FINISHED: "finished_at",
        RunStatus.FAILED: "finished_at",
        RunStatus.APPROVED: "approved_at",
    },
    event_model=RankingRunEvent,
    event_link=lambda run: {"run": run},
)
