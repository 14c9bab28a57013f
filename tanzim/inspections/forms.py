"""Forms of the inspections pages that go through ``common.views.run_service``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.common.forms import BootstrapForm
from tanzim.inspections.choices import NOTE_MAX, SampleVerdict


class SampleVerdictForm(BootstrapForm):
    """The inspector's verdict on one sampled free service (prefixed by the sample, one per card)."""

    verdict = forms.ChoiceField(
        label=_("Does the evidence hold?"),
        choices=[
            (SampleVerdict.HOLDS.value, SampleVerdict.HOLDS.label),
            (SampleVerdict.FAILS.value, SampleVerdict.FAILS.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the evidence holds.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the evidence does not hold: say what does not."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verdict"].widget.attrs["class"] = "form-check-input"
