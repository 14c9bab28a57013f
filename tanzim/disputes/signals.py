"""Domain signals of the disputes app, sent after commit. Feedback and ranking subscribe."""

from django.dispatch import Signal

dispute_concluded = (
    Signal()
)  # kwargs: dispute, outcome ("settled", "failed", "referred", "awarded", "withdrawn")
