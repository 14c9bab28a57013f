"""The outbox's one workflow, declared for the engine (``tanzim.audit.workflow``).

A message's states are mechanical delivery states with no person behind them, so the workflow
is not audited and keeps no event rows: the row itself holds its attempts, last error and times.
A claim (pending → sending) and the take-over of a crashed worker's claim (sending → sending) go
through ``bulk_transition``, so only one worker ever holds a message.
"""

from __future__ import annotations

from tanzim.audit.workflow import Workflow
from tanzim.notify.choices import MessageStatus
from tanzim.notify.models import Message

MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    MessageStatus.PENDING: frozenset({MessageStatus.SENDING}),
    # Sent, put back for a retry, given up after the last attempt, or taken over when stale.
    MessageStatus.SENDING: frozenset(
        {MessageStatus.SENT, MessageStatus.PENDING, MessageStatus.FAILED, MessageStatus.SENDING}
    ),
    MessageStatus.SENT: frozenset(),
    MessageStatus.FAILED: frozenset(),
}

MESSAGE: Workflow[Message] = Workflow(
    name="notify.message",
    model=Message,
    table=MESSAGE_TRANSITIONS,
    stamps={MessageStatus.SENDING: "claimed_at", MessageStatus.SENT: "sent_at"},
    audited=False,
)
