from __future__ import annotations

import uuid
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.choices import ChannelKind
from tanzim.common.forms import JalaliDateField
from tanzim.common.identifiers import clean_national_code
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.finance.choices import COUNTER_METHODS, FreeServiceGround, PaymentMethod, PaymentPart


class AmountField(forms.IntegerField):
    """Whole rials; accepts Persian digits and thousands separators (۷۷۰٬۰۰۰)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_digits(value).replace(",", "").replace("٬", "").replace(" ", "")
        return super().to_python(value)


def add_free_service_ground_fields(form: forms.BaseForm, *, missions=()) -> None:
    """The ground of a free service (note to art. 505 CPC) and its evidence, shown under its checkbox.

    The service (``free_service_grant``) decides what is required for which ground; these are
    only the inputs, named as its field errors are, so a refusal lands next to its field.
    """
    form.fields["ground"] = forms.ChoiceField(
        label=_("Ground for the free service"),
        choices=[("", _("— choose —")), *FreeServiceGround.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    form.fields["evidence_number"] = forms.CharField(
        label=_("Card or file number"),
        max_length=40,
        required=False,
        help_text=_(
            "Relief Committee or Welfare Organisation: the number on the client's card (6 to 16 digits)."
        ),
        widget=forms.TextInput(
            attrs={"class": "form-control", "dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    form.fields["confirmation_document"] = forms.FileField(
        label=_("Official confirmation (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.FileInput(
            attrs={"class": "form-control", "accept": "application/pdf,image/jpeg,image/png"}
        ),
    )
    form.fields["decision_date"] = JalaliDateField(
        label=_("Date of the Kanoon's decision"),
        required=False,
        help_text=_("For a service free by a decision of the Kanoon: its number above, its date here."),
    )
    form.fields["mission"] = forms.ChoiceField(
        label=_("Outreach mission"),
        choices=[("", _("— choose —")), *[(str(m.pk), m.name) for m in missions]],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def free_service_ground_values(data: dict) -> dict:
    """The ground inputs of a cleaned form, as ``free_service_grant`` takes them."""
    return {
        "ground": data.get("ground") or "",
        "evidence_number": data.get("evidence_number") or "",
        "confirmation_document": data.get("confirmation_document"),
        "mission": data.get("mission") or None,
        **({"decision_date": data["decision_date"]} if data.get("decision_date") else {}),
    }


class DirectPaymentForm(forms.Form):
    office = forms.CharField(
        label=_("Office code"), max_length=12, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    service = forms.ChoiceField(label=_("Service"))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ChannelKind.choices, initial=ChannelKind.IN_PERSON
    )
    extra_parties = forms.IntegerField(label=_("Extra parties"), min_value=0, max_value=500, initial=0)
    extra_pages = forms.IntegerField(label=_("Extra pages"), min_value=0, max_value=500, initial=0)
    court_fee = AmountField(
        label=_("Court fee (rials)"),
        min_value=0,
        max_value=10**13,
        initial=0,
        required=False,
        help_text=_("Only if the judiciary asked you to pay a court fee or deposit."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, services=(), staff: bool = False, missions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [(s.code, s.name) for s in services]
        if staff:
            # Office staff may open a payment for a client, and waive the fee of a vulnerable one.
            self.fields["payer_national_code"] = forms.CharField(
                label=_("Client's national code"),
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"dir": "ltr"}),
            )
            self.fields["free_service"] = forms.BooleanField(
                label=_("Free service for a vulnerable client"), required=False
            )
            add_free_service_ground_fields(self, missions=missions)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)

    def clean_payer_national_code(self):
        code = self.cleaned_data.get("payer_national_code") or ""
        return clean_national_code(code) if code.strip() else ""

    def clean_office(self):
        return normalize_text(self.cleaned_data["office"]).upper()

    def clean_court_fee(self):
        return self.cleaned_data.get("court_fee") or 0

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not 8 <= len(key) <= 64 or not key.isascii() or not key.isalnum():
            raise forms.ValidationError(_("Reload the page and try again."))
        return key


class CounterForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How the client paid"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in COUNTER_METHODS],
        initial=PaymentMethod.POS,
    )


class RefundForm(forms.Form):
    part = forms.ChoiceField(label=_("What to refund"), choices=PaymentPart.choices)
    amount = AmountField(
        label=_("Amount (rials)"),
        min_value=1,
        max_value=10**13,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class SettlementForm(forms.Form):
    year = forms.IntegerField(label=_("Jalali year"), min_value=1300, max_value=1600)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
