"""Forms of the case pages. They parse and normalise input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.cases.choices import (
    CancelReason,
    CaseStatus,
    PartyKind,
    PartyRole,
    ProceedingStage,
    RejectReason,
)
from tanzim.common.forms import (
    BootstrapForm,
    JalaliDateField,
    MobileField,
    NationalCodeField,
    RialsField,
    local_digits,
)
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.finance.forms import add_free_service_ground_fields


class CaseStartForm(BootstrapForm):
    """Last step of "start a request": the office that will handle it and a short subject."""

    office = forms.CharField(label=_("Office"), max_length=12)
    title = forms.CharField(
        label=_("Subject of the request"),
        max_length=200,
        help_text=_("A few words, e.g. “claim for an unpaid debt”. You can change it later."),
    )

    def clean_office(self):
        return normalize_digits(self.cleaned_data["office"]).strip().upper()


class CaseDetailsForm(BootstrapForm):
    title = forms.CharField(label=_("Subject of the request"), max_length=200)
    claim_text = forms.CharField(
        label=_("Text of the request"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you ask for and why. The office will review it before it is filed."),
    )
    claim_amount = RialsField(
        label=_("Claim amount (rials)"),
        required=False,
        help_text=_("Only for money claims. Leave empty otherwise."),
    )
    proceeding = forms.ChoiceField(
        label=_("Stage of proceedings"),
        choices=ProceedingStage.choices,
        initial=ProceedingStage.FIRST_INSTANCE,
        required=False,
        help_text=_("An appeal or cassation request is never sent to mediation: its period keeps running."),
    )
    judgment_notified_on = JalaliDateField(
        label=_("Day the judgment was notified"),
        required=False,
        help_text=_("Appeals and cassation: the period to file runs from this day."),
    )
    applicant_abroad = forms.BooleanField(
        label=_("The applicant lives abroad (two months to file, art. 446)"), required=False
    )


class PartyForm(BootstrapForm):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices, initial=PartyKind.NATURAL)
    name = forms.CharField(label=_("Full name or company name"), max_length=200)
    national_code = forms.CharField(
        label=_("National code"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
        help_text=_("10 digits. Not needed for a resident abroad without one."),
    )
    legal_id = forms.CharField(
        label=_("National ID of the legal entity"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
        help_text=_("11 digits, for companies and institutions."),
    )
    phone = forms.CharField(
        label=_("Mobile or foreign phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
        help_text=_("e.g. 09121234567, or +49… for a resident abroad"),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    resident_abroad = forms.BooleanField(label=_("Lives outside Iran"), required=False)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if data["kind"] == PartyKind.LEGAL:
            data["national_code"] = ""
        else:
            data["legal_id"] = ""
        return data


class DocumentForm(BootstrapForm):
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    title = forms.CharField(
        label=_("What is this document?"),
        required=False,
        max_length=200,
        help_text=_("e.g. “cheque”, “contract”, “ID card”"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(mb)s MB and %(pages)s pages per file.") % {
            "mb": local_digits(settings.CASES_MAX_UPLOAD_BYTES // (1024 * 1024)),
            "pages": local_digits(settings.CASES_MAX_PAGES_PER_DOCUMENT),
        }


class ExpectedStatusForm(BootstrapForm):
    """Every action carries the status the person saw: a move made on a stale page is a conflict."""

    expected_status = forms.ChoiceField(choices=CaseStatus.choices, widget=forms.HiddenInput)


class CorrectionForm(ExpectedStatusForm):
    note = forms.CharField(
        label=_("What needs correcting"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The citizen sees this note and gets an SMS."),
    )

    def clean_note(self):
        note = normalize_text(self.cleaned_data["note"])
        if not note:
            raise ValidationError(_("Say what needs correcting."))
        return note


class VerifyForm(ExpectedStatusForm):
    identity_checked_in_person = forms.BooleanField(
        label=_("I checked the identity card and the originals of the documents"), required=False
    )


class RejectForm(ExpectedStatusForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=RejectReason.choices)
    note = forms.CharField(
        label=_("Explanation for the citizen"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(ExpectedStatusForm):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=CancelReason.choices, initial=CancelReason.APPLICANT_WITHDREW
    )


class CloseForm(ExpectedStatusForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class WalkInForm(BootstrapForm):
    """A clerk identifies a walk-in citizen from their ID card and opens a request for them."""

    national_code = NationalCodeField()
    mobile = MobileField()
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    service = forms.ChoiceField(label=_("Service"))
    office = forms.ChoiceField(label=_("Office"))
    title = forms.CharField(label=_("Subject of the request"), max_length=200)
    proceeding = CaseDetailsForm.base_fields["proceeding"]
    free_service = forms.BooleanField(
        label=_("Free service (vulnerable client; the Kanoon reimburses the office)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-controls": "free-ground"}),
    )

    def __init__(self, *args, services=(), offices=(), missions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Ticking "free service" needs its ground and evidence (note to art. 505 CPC).
        add_free_service_ground_fields(self, missions=missions)
        self.fields["service"].choices = [("", _("— choose the service —"))] + [
            (s.code, s.name) for s in services
        ]
        self.fields["office"].choices = [(str(o.pk), f"{o.name} ({o.code})") for o in offices]
        self.fields["first_name"].help_text = _("Needed only if the citizen has no account yet.")


class SearchForm(BootstrapForm):
    q = forms.CharField(
        label=_("Tracking code or national code"),
        max_length=60,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}),
    )
