"""Domain signals of the cases app, sent after commit. Feedback and ranking subscribe."""

from django.dispatch import Signal

case_filed = Signal()  # kwargs: case
case_closed = Signal()  # kwargs: case, status (closed, rejected or cancelled)
