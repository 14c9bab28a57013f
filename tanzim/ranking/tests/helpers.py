from __future__ import annotations

from typing import Any

from tanzim.ranking import services

# The test networks have survey answers only, so every other indicator is left out and the run is
# flagged for weight drift: approving it takes the acknowledgement and a note.
ACK: dict[str, Any] = {"acknowledge_warnings": True, "note": "test network: surveys only"}


def approved_run(personas, period: str = "1405-03", reason: str = ""):
    run = services.run_request(actor=personas.kanoon_admin, period=period, reason=reason)
    run = services.run_execute(run_id=run.pk)
    return services.run_approve(run=run, actor=personas.kanoon_admin, **ACK)


def finished_run(personas, period: str = "1405-03"):
    run = services.run_request(actor=personas.kanoon_admin, period=period)
    return services.run_execute(run_id=run.pk)
