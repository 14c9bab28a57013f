"""Domain signals for higher apps (cases, disputes, ranking). Sent only after commit."""

from django.dispatch import Signal

# kwargs: payment
payment_captured = Signal()
# kwargs: payment, refund
payment_refunded = Signal()
# kwargs: payment (failed, cancelled or expired: the thing it paid for is still unpaid)
payment_closed = Signal()
# kwargs: run
settlement_completed = Signal()
