"""Forms of the feedback pages. They parse and normalise input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tanzim.common.normalize import normalize_digits, normalize_free_text
from tanzim.feedback.choices import ComplaintAction, ComplaintCategory, ComplaintStatus
from tanzim.feedback.models import Questionnaire
from tanzim.feedback.services import COMMENT_MAX, DESCRIPTION_MAX


class SurveyForm(forms.Form):
    """One radio group per item (1-5, plus “does not apply” on optional items) and a comment."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )

    def __init__(self, *args, questionnaire: Questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(questionnaire.items.all())
        for item in self.items:
            choices: list[tuple[str, str | Promise]] = [(str(n), str(n)) for n in range(1, 6)]
            if not item.required:
                choices.append(("na", _("Does not apply")))
            self.fields[item.dimension] = forms.ChoiceField(
                label=item.text,
                choices=choices,
                required=item.required,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer this question.")},
            )

    def answers(self) -> dict[str, int | None]:
        result = {}
        for item in self.items:
            value = self.cleaned_data.get(item.dimension)
            result[item.dimension] = int(value) if value and value != "na" else None
        return result

    def rows(self):
        """(item, bound field) pairs for the template, in questionnaire order."""
        return [(item, self[item.dimension]) for item in self.items]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ComplaintForm(forms.Form):
    office = forms.ChoiceField(label=_("Office"), required=False)
    office_code = forms.CharField(
        label=_("…or the office code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "text", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("What is the complaint about?"), choices=ComplaintCategory.choices)
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When and where it happened, who was involved, and what you expected instead."),
    )
    about_staff = forms.BooleanField(label=_("It is about a particular staff member"), required=False)
    staff_description = forms.CharField(
        label=_("Which staff member (name, desk or counter)"), required=False, max_length=200
    )
    case = forms.ChoiceField(label=_("Related request (optional)"), required=False)
    appointment = forms.ChoiceField(label=_("Related appointment (optional)"), required=False)
    attachments = MultipleFileField(
        label=_("Files (optional: PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Receipts, photos or letters that support your complaint."),
    )

    def __init__(self, *args, offices=(), cases=(), appointments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("— choose —"))] + [
            (o.code, f"{o.name} ({o.code})") for o in offices
        ]
        self.fields["case"].choices = [("", _("— none —"))] + [
            (str(c.pk), f"{c.tracking_code_display} · {c.service.name} · {c.office.name}") for c in cases
        ]
        self.fields["appointment"].choices = [("", _("— none —"))] + [
            (str(a.pk), f"{a.reference} · {a.service.name} · {a.office.name}") for a in appointments
        ]

    def clean_office_code(self) -> str:
        return normalize_digits(self.cleaned_data.get("office_code") or "").strip().upper()

    def clean_description(self) -> str:
        return normalize_free_text(self.cleaned_data.get("description"))

    def chosen_office_code(self) -> str:
        return self.cleaned_data.get("office_code") or self.cleaned_data.get("office") or ""


class ComplaintActionForm(forms.Form):
    action = forms.ChoiceField(choices=ComplaintAction.choices)
    expected_status = forms.ChoiceField(choices=ComplaintStatus.choices)
    note = forms.CharField(
        label=_("Note (for a decision: the reasons the citizen will read)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Add a file (PDF, JPEG or PNG)"))


class PeriodForm(forms.Form):
    """A range of Jalali months, typed as 1405-03."""

    period_from = forms.CharField(label=_("From (month)"), required=False, max_length=10)
    period_to = forms.CharField(label=_("Until (month)"), required=False, max_length=10)
    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, *args, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces"))] + [(p.code, p.name) for p in provinces]
