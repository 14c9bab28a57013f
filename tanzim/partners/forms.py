"""Forms of the partners pages: refer a file, attach a checklist document, the partner's moves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.common.forms import BootstrapForm
from tanzim.common.normalize import normalize_text
from tanzim.partners.choices import OutcomeCode
from tanzim.partners.models import Branch, ReferralKind


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.partner.name} — {obj.name}"


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.partner.name} — {obj.name} ({obj.city})"


class ReferForm(BootstrapForm):
    file_reference = forms.CharField(
        label=_("Dispute reference or request tracking code"),
        max_length=20,
        help_text=_("As printed on the dispute or the request."),
    )
    kind = KindChoiceField(
        label=_("Refer to"), queryset=ReferralKind.objects.none(), empty_label=_("Choose…")
    )
    branch = BranchChoiceField(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=_("The partner's nearest branch"),
        help_text=_("Left empty, the branch nearest the office receives the file."),
    )
    note = forms.CharField(
        label=_("Note to the partner"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ReferralKind.objects.filter(active=True, partner__active=True).select_related(
            "partner"
        )
        branch = self.fields["branch"]
        assert isinstance(branch, forms.ModelChoiceField)
        branch.queryset = Branch.objects.filter(active=True, partner__active=True).select_related(
            "partner", "city"
        )

    def clean_file_reference(self) -> str:
        return normalize_text(self.cleaned_data["file_reference"]).replace(" ", "").upper()


class DocumentForm(BootstrapForm):
    requirement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class StepForm(BootstrapForm):
    """A move of the referral by its action name, with what some moves need."""

    action = forms.CharField(widget=forms.HiddenInput)
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    partner_reference = forms.CharField(label=_("The partner's reference"), max_length=60, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class OutcomeForm(BootstrapForm):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    outcome_code = forms.ChoiceField(label=_("Outcome"), choices=[("", _("Choose…")), *OutcomeCode.choices])
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(label=_("Outcome document (PDF, JPEG or PNG)"), required=False)
