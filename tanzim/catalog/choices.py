from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    SEMI_IN_PERSON = "semi_in_person", _("Semi-in-person")
    REMOTE = "remote", _("Remote")


class ServiceCategory(models.TextChoices):
    FILING = "filing", _("Filing")
    SANA = "sana", _("SANA judicial identity")
    PAYMENT = "payment", _("Payments")
    FOLLOWUP = "followup", _("Follow-up and reports")
    CERTIFICATE = "certificate", _("Certificates")
    LICENCE = "licence", _("Licences")
    ADVICE = "advice", _("Consultation and advice")
    DISPUTE = "dispute", _("Dispute resolution")


MAX_CHANNEL_DISCOUNT_PCT = 50  # the announcement: remote services up to 50% cheaper


class AddOnUnit(models.TextChoices):
    """How an add-on is counted: once per request, or once per page of the document."""

    PER_REQUEST = "per_request", _("per request")
    PER_PAGE = "per_page", _("per page")
