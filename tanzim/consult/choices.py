"""Choices of the consult app: stable English values, translated labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemFamily(models.TextChoices):
    DEBT_CHEQUE = "debt_cheque", _("Unpaid debt or cheque")
    MAHRIEH = "mahrieh", _("Dowry (mahrieh)")
    NAFAQEH = "nafaqeh", _("Maintenance (nafaqeh)")
    RENT = "rent", _("Rent and eviction")
    NEIGHBOUR = "neighbour", _("Neighbour dispute")
    INHERITANCE = "inheritance", _("Inheritance")
    CRIME = "crime", _("Complaint of a crime")
    ENFORCEMENT = "enforcement", _("A judgment to enforce")
    BRIEF = "brief", _("A brief in an existing case")


class NodeType(models.TextChoices):
    QUESTION = "question", _("Question")
    RESULT = "result", _("Result")


class AnswerKind(models.TextChoices):
    """How a diagnosis question is answered: a choice among options, or a date (a time-critical fact)."""

    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")


class FieldType(models.TextChoices):
    """The kinds of answer an interview question takes, each validated as typed."""

    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    NATIONAL_CODE = "national_code", _("National code")
    MOBILE = "mobile", _("Mobile number")
    AMOUNT = "amount", _("Amount in rials")
    DATE = "date", _("Jalali date")
    CHOICE = "choice", _("Choice")
    YESNO = "yesno", _("Yes or no")


class StartAction(models.TextChoices):
    """What the one button at the end of a diagnosis starts."""

    INTERVIEW = "interview", _("Draft the document")
    REQUEST = "request", _("Start a request")
    DISPUTE = "dispute", _("Start a dispute (mediation)")
    CONSULTATION = "consultation", _("Book a consultation")
    APPOINTMENT = "appointment", _("Book an appointment")


class ConsultantBasis(models.TextChoices):
    """Under what a consultant advises (recorded on every answer: advice is not representation)."""

    OFFICE_LICENCE = "office_licence", _("Staff of an office holding the consultation licence")
    KANOON_APPROVED = "kanoon_approved", _("Approved by the Kanoon (licensed legal adviser)")


class ConsultationMode(models.TextChoices):
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")
    WRITTEN = "written", _("Written question")


TIMED_MODES = (ConsultationMode.VIDEO, ConsultationMode.PHONE)


class ConsultationStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    BOOKED = "booked", _("Booked")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REFUNDED = "refunded", _("Refunded (not answered in time)")
    CANCELLED = "cancelled", _("Cancelled")


#: The states that hold the consultant's time: a second booking of the same start is refused.
HOLDS_TIME = (
    ConsultationStatus.AWAITING_PAYMENT,
    ConsultationStatus.BOOKED,
    ConsultationStatus.ANSWERED,
    ConsultationStatus.CLOSED,
)

CONSULTATION_MOVES: dict[str, frozenset[str]] = {
    ConsultationStatus.AWAITING_PAYMENT: frozenset({ConsultationStatus.BOOKED, ConsultationStatus.CANCELLED}),
    ConsultationStatus.BOOKED: frozenset(
        {ConsultationStatus.ANSWERED, ConsultationStatus.REFUNDED, ConsultationStatus.CANCELLED}
    ),
    ConsultationStatus.ANSWERED: frozenset({ConsultationStatus.CLOSED}),
    ConsultationStatus.CLOSED: frozenset(),
    ConsultationStatus.REFUNDED: frozenset(),
    ConsultationStatus.CANCELLED: frozenset(),
}


class Outcome(models.TextChoices):
    ADVICE_GIVEN = "advice_given", _("Advice given")
    REFERRED_TO_LAWYER = "referred_to_lawyer", _("Referred to a lawyer")
    STARTED_REQUEST = "started_request", _("Started a request")
    STARTED_DISPUTE = "started_dispute", _("Started a dispute")


class ReviewVerdict(models.TextChoices):
    """The consultant's word on a drafted document the citizen asked them to review."""

    APPROVED = "approved", _("Approved as drafted")
    CHANGES = "changes", _("Changes needed (see the comments)")
