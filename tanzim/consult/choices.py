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
