"""Domain signals of the feedback app, sent after commit with ids only. Inspections subscribes."""

from django.dispatch import Signal

complaint_filed = Signal()  # kwargs: complaint_id, office_id, category
complaint_decided = (
    Signal()
)  # kwargs: complaint_id, office_id, category, outcome (upheld, partly_upheld, dismissed)
