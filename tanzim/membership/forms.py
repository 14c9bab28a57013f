"""Forms of the membership pages: numbers in any digit script, amounts in rials."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.common.forms import BootstrapForm, JalaliDateField, MobileField, NationalCodeField, RialsField
from tanzim.common.normalize import normalize_digits
from tanzim.membership.choices import ROLE_CERTIFICATE, DocumentKind
from tanzim.offices.choices import LicenceKind


class DigitsField(forms.CharField):
    """A whole number typed in Persian, Arabic or ASCII digits."""

    def __init__(self, *, min_value: int = 0, max_value: int = 10**9, **kwargs) -> None:
        self.min_value, self.max_value = min_value, max_value
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr"})

    def clean(self, value):
        text = normalize_digits(super().clean(value) or "").strip()
        if not text and not self.required:
            return None
        if not text.isdigit() or not self.min_value <= int(text) <= self.max_value:
            raise forms.ValidationError(
                _("Enter a whole number from %(low)s to %(high)s.")
                % {"low": self.min_value, "high": self.max_value}
            )
        return int(text)


class ExamImportForm(BootstrapForm):
    exam_year = DigitsField(label=_("Exam year (Jalali)"), min_value=1390, max_value=1500)
    file = forms.FileField(label=_("Exam results (CSV, UTF-8)"))


class DocumentForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class PremisesForm(BootstrapForm):
    premises_address = forms.CharField(label=_("Address of the premises"), max_length=300)


class EquipmentForm(BootstrapForm):
    computers = DigitsField(label=_("Computers"), min_value=0, max_value=100)
    internet_mbps = DigitsField(label=_("Internet connection (Mbit/s)"), min_value=0, max_value=10000)
    scanner = forms.BooleanField(label=_("Document scanner"), required=False)
    card_reader = forms.BooleanField(label=_("Card reader (POS)"), required=False)


class GuaranteeForm(BootstrapForm):
    guarantee_reference = forms.CharField(label=_("Guarantee letter or deposit reference"), max_length=60)
    guarantee_amount = RialsField(label=_("Amount (rials)"))


class SendBackForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Why it is sent back"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class TrainingForm(BootstrapForm):
    hours = DigitsField(label=_("Hours attended"), min_value=0, max_value=500)
    score = DigitsField(label=_("Final test score (0-100)"), min_value=0, max_value=100)


class LicenceForm(BootstrapForm):
    kinds = forms.MultipleChoiceField(
        label=_("Licences"),
        choices=LicenceKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["mediation"],
    )


class LoanForm(BootstrapForm):
    amount = RialsField(label=_("Amount (rials)"))
    purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False)


class StaffForm(BootstrapForm):
    national_code = NationalCodeField()
    mobile = MobileField()
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r, Role(r).label) for r in ROLE_CERTIFICATE],
    )
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40)
    valid_from = JalaliDateField(label=_("Certificate valid from"))
    valid_until = JalaliDateField(label=_("Certificate valid until"))
