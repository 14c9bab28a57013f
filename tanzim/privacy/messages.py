"""The privacy app's message templates, added to the outbox's (tanzim/notify/messages.py)."""

from django.utils.translation import gettext_lazy as _

from tanzim.notify.messages import TEMPLATES

TEMPLATES.update(
    {
        "privacy.read_alert": (
            _("Tanzim security: unusual reading of confidential files"),
            _(
                "Tanzim security alert: account #%(account)s opened %(reads)s confidential records on "
                "%(day)s, against a usual %(median)s a day (alert above %(threshold)s). "
                "Review the reads: %(url)s"
            ),
        ),
    }
)
