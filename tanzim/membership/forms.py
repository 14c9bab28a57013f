"""Forms of the membership pages: numbers in any digit script, amounts in rials."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.common.forms import BootstrapForm, JalaliDateField, MobileField, NationalCodeField, RialsField
from tanzim.common.normalize import normalize_digits
from tanzim.membership.choices import ROLE_CERTIFICATE, DocumentKind, LoanDocumentKind, Relation
from tanzim.membership.models import InsurancePolicy
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a claim's invoices and reports)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


DEPENDANT_ROWS = 4


class EnrolForm(BootstrapForm):
    """Enrolment: the dependants in up to four rows (name, national code, relation), empty rows skipped."""

    policy = forms.ModelChoiceField(label=_("Policy"), queryset=InsurancePolicy.objects.filter(active=True))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        relations = [("", "—"), *Relation.choices]
        for n in range(1, DEPENDANT_ROWS + 1):
            self.fields[f"name_{n}"] = forms.CharField(
                label=_("Dependant %(n)s: name") % {"n": n}, max_length=200, required=False
            )
            self.fields[f"code_{n}"] = forms.CharField(
                label=_("Dependant %(n)s: national code") % {"n": n}, max_length=20, required=False
            )
            self.fields[f"relation_{n}"] = forms.ChoiceField(
                label=_("Dependant %(n)s: relation") % {"n": n}, choices=relations, required=False
            )

    def dependants(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        rows = []
        for n in range(1, DEPENDANT_ROWS + 1):
            values = {
                "full_name": data.get(f"name_{n}") or "",
                "national_code": normalize_digits(data.get(f"code_{n}") or "").strip(),
                "relation": data.get(f"relation_{n}") or "",
            }
            if any(values.values()):
                rows.append(values)
        return rows


class ClaimForm(BootstrapForm):
    person = forms.ChoiceField(label=_("Insured person"))
    amount = RialsField(label=_("Amount claimed (rials)"))
    description = forms.CharField(label=_("What it is for"), max_length=300)
    documents = MultipleFileField(label=_("Invoices and reports (PDF, JPEG or PNG; up to 5)"))

    def __init__(self, *args, enrolment=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Myself"))]
        if enrolment is not None:
            choices += [(str(d.pk), d.full_name) for d in enrolment.dependants.all()]
        self.fields["person"].choices = choices  # type: ignore[attr-defined]
        self.fields["person"].required = False


class ClaimPayForm(BootstrapForm):
    paid_amount = RialsField(label=_("Amount the insurer paid (rials)"))
    reference = forms.CharField(label=_("Insurer's reference"), max_length=60)


class LoanDocumentForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Document"), choices=LoanDocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class MonthRunForm(BootstrapForm):
    """The Kanoon's monthly run: which Jalali month, and each office's dues for it."""

    month = forms.CharField(
        label=_("Jalali month"),
        max_length=16,
        help_text=_("For example 1405-09"),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    dues_amount = RialsField(label=_("Dues per office (rials)"))
