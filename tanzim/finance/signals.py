"""Domain signals of the finance app, sent after commit."""

from django.dispatch import Signal

payment_captured = Signal()  # kwargs: payment
payment_refunded = Signal()  # kwargs: payment, refund
