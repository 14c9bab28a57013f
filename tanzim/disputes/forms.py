"""Forms of the dispute pages: they parse and normalise input; the services decide what is allowed."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.common.formatting import abroad_zone
from tanzim.common.forms import BootstrapForm, JalaliDateField, MobileField, NationalCodeField, RialsField
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.common.timezones import entry_datetime, zone_label
from tanzim.disputes.choices import (
    MANUAL_FAILURE_REASONS,
    MAX_PANEL_SIZE,
    AgreementKind,
    ArbitratorSeat,
    ArbitratorVote,
    CriminalTrack,
    DisputeCategory,
    Disqualification,
    NoticeMethod,
    ObligationKind,
    OffenceGrade,
    PartyRole,
    ReferralReason,
    ReferralTarget,
    ResolutionPath,
    SessionMode,
    SessionResult,
)


class ClockField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update({"dir": "ltr", "inputmode": "numeric", "placeholder": "10:30"})

    def clean(self, value):
        text = normalize_digits(super().clean(value) or "").strip()
        if not text:
            return None
        try:
            hour, minute = (int(part) for part in text.split(":"))
            return time(hour, minute)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("Enter a time such as 10:30."), code="invalid_time") from exc


def _name_the_zone(form: forms.Form) -> None:
    """A person abroad types their own clock time: each time field says so, naming the zone
    (called when the form is made, inside the reader's request)."""
    zone = abroad_zone()
    if zone is None:
        return
    for field in form.fields.values():
        if isinstance(field, ClockField):
            field.help_text = _("Your own time (%(city)s time); the page also shows it in Tehran time.") % {
                "city": zone_label(zone)
            }


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class TimeFactsForm(BootstrapForm):
    """What a criminal complaint or a cheque must state: art. 82 eligibility and the time limit
    that keeps running during mediation (only the fields of the chosen category are used)."""

    offence_compoundable = forms.TypedChoiceField(
        label=_("Is the offence compoundable (qabel-e gozasht)?"),
        choices=[("", "—"), ("yes", _("Yes, compoundable")), ("no", _("No, not compoundable"))],
        coerce=_yes_no,
        empty_value=None,
        required=False,
        help_text=_("Criminal complaints only."),
    )
    offence_grade = forms.TypedChoiceField(
        label=_("Ta'zir grade of the offence"),
        choices=[("", "—"), *OffenceGrade.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Criminal complaints only. Art. 82 mediation: compoundable offences or grades 6 to 8."),
    )
    knowledge_date = JalaliDateField(
        label=_("Day the complainant learned of the offence"),
        required=False,
        help_text=_("Compoundable offences: a complaint within a year of this day (art. 106)."),
    )
    cheque_date = JalaliDateField(
        label=_("Date written on the cheque"),
        required=False,
        help_text=_("Cheques only: it must be presented to the bank within six months of this date."),
    )
    dishonour_date = JalaliDateField(
        label=_("Date of the bank's dishonour certificate"),
        required=False,
        help_text=_("If there is one: a criminal complaint within six months of it (Cheque Law art. 11)."),
    )

    TIME_FIELDS = ("offence_compoundable", "offence_grade", "knowledge_date", "cheque_date", "dishonour_date")

    def time_facts(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.TIME_FIELDS}


class IntakeForm(TimeFactsForm):
    category = forms.ChoiceField(label=_("Category"), choices=DisputeCategory.choices)
    claim_amount = RialsField(label=_("Claim amount (rials)"), required=False)
    summary = forms.CharField(
        label=_("What the dispute is about"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    claimant_national_code = NationalCodeField(label=_("Claimant's national code"))
    claimant_mobile = MobileField(label=_("Claimant's mobile"))
    claimant_name = forms.CharField(label=_("Claimant's full name"), max_length=200)
    respondent_name = forms.CharField(label=_("Respondent's full name"), max_length=200)
    respondent_mobile = MobileField(label=_("Respondent's mobile"), required=False)
    respondent_national_code = NationalCodeField(label=_("Respondent's national code"), required=False)

    def clean_respondent_national_code(self):
        return self.cleaned_data.get("respondent_national_code") or ""


class FromCaseForm(TimeFactsForm):
    category = forms.ChoiceField(label=_("Category"), choices=DisputeCategory.choices)
    respondent_mobile = MobileField(label=_("Respondent's mobile"), required=False)

    field_order = ["category", "respondent_mobile", *TimeFactsForm.TIME_FIELDS]


class JoinForm(BootstrapForm):
    code = forms.CharField(
        label=_("Join code"),
        max_length=30,
        help_text=_("The twelve digits in the SMS, e.g. 1234-5678-9012"),
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    national_code = NationalCodeField()


class OtpForm(BootstrapForm):
    otp = forms.CharField(
        label=_("The code we texted you"),
        max_length=12,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_otp(self):
        return normalize_digits(self.cleaned_data["otp"]).strip()


class ExpectedForm(BootstrapForm):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FailForm(ExpectedForm):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[(r.value, r.label) for r in MANUAL_FAILURE_REASONS]
    )


class ReferForm(ExpectedForm):
    target = forms.ChoiceField(
        label=_("Refer to"), choices=[("", "—"), *ReferralTarget.choices], required=False
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—")]
        + [(r.value, r.label) for r in ReferralReason if r != ReferralReason.AWARD_NOT_COMPLIED],
        required=False,
    )


class TrackingForm(BootstrapForm):
    tracking_reference = forms.CharField(label=_("Tracking reference given by the receiver"), max_length=40)


class ExtendForm(BootstrapForm):
    reason = forms.CharField(label=_("Why extend"), max_length=300)


class TrackForm(BootstrapForm):
    track = forms.ChoiceField(label=_("Track"), choices=CriminalTrack.choices)


class AssignForm(BootstrapForm):
    mediator = forms.ChoiceField(label=_("Peace-maker / mediator"), required=False)

    def __init__(self, *args, mediators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].choices = [("", _("The least loaded"))] + [
            (str(u.pk), u.display_name) for u in mediators
        ]


class SessionForm(BootstrapForm):
    day = JalaliDateField(label=_("Day"))
    start = ClockField(label=_("Starts at"))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=15, max_value=240, initial=60)
    mode = forms.ChoiceField(label=_("Where"), choices=SessionMode.choices)
    location = forms.CharField(label=_("Address or video link"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_the_zone(self)

    def starts_at(self) -> datetime:
        # Typed in the reader's zone (Tehran for office staff; a party abroad types their own time).
        return entry_datetime(self.cleaned_data["day"], self.cleaned_data["start"])


class PastSessionForm(SessionForm):
    """A session that already took place, entered with what happened."""

    status = forms.ChoiceField(
        label=_("What happened"), choices=[("held", _("Held")), ("no_show", _("A party did not come"))]
    )
    result = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *SessionResult.choices], required=False)
    claimant_attended = forms.BooleanField(label=_("Claimant attended"), required=False, initial=True)
    respondent_attended = forms.BooleanField(label=_("Respondent attended"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TriageCorrectForm(BootstrapForm):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    path = forms.ChoiceField(label=_("Correct path"), choices=ResolutionPath.choices)
    target = forms.ChoiceField(
        label=_("Where the file goes if it fails"),
        choices=[("", "—"), *ReferralTarget.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("Why the triage is corrected"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class SessionRecordForm(BootstrapForm):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[("held", _("Held")), ("no_show", _("A party did not come")), ("cancelled", _("Cancelled"))],
    )
    result = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *SessionResult.choices], required=False)
    claimant_attended = forms.BooleanField(label=_("Claimant attended"), required=False, initial=True)
    respondent_attended = forms.BooleanField(label=_("Respondent attended"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProposalForm(BootstrapForm):
    day1 = JalaliDateField(label=_("Day"))
    time1 = ClockField(label=_("Time"))
    day2 = JalaliDateField(label=_("Another day"), required=False)
    time2 = ClockField(label=_("Time"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_the_zone(self)

    def times(self) -> list[datetime]:
        data = self.cleaned_data
        found = []
        for d, t in (("day1", "time1"), ("day2", "time2")):
            if data.get(d) and data.get(t):
                found.append(entry_datetime(data[d], data[t]))
        return found


class DocumentForm(BootstrapForm):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    shared = forms.BooleanField(label=_("Share with both parties"), required=False, initial=True)


class ObligationForm(BootstrapForm):
    obligor = forms.ChoiceField(label=_("Who"), choices=PartyRole.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=ObligationKind.choices)
    description = forms.CharField(label=_("What"), max_length=500)
    amount = RialsField(label=_("Amount (rials)"), required=False)
    due_date = JalaliDateField(label=_("Due date"), required=False)


ObligationFormSet = forms.formset_factory(ObligationForm, extra=0, min_num=1, max_num=60, validate_min=True)


class SettlementTermsForm(BootstrapForm):
    terms = forms.CharField(
        label=_("What the parties agreed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SignForm(BootstrapForm):
    party = forms.ChoiceField(choices=PartyRole.choices, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Signing code"),
        max_length=12,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class VoidForm(BootstrapForm):
    reason = forms.CharField(label=_("Why void it"), max_length=300)


class ArbitrationForm(BootstrapForm):
    agreement_kind = forms.ChoiceField(label=_("Agreement"), choices=AgreementKind.choices)
    agreement_date = JalaliDateField(label=_("Agreement date"))
    agreement_text = forms.CharField(
        label=_("The agreement or clause"), widget=forms.Textarea(attrs={"rows": 3})
    )
    panel_size = forms.IntegerField(
        label=_("Number of arbitrators the agreement fixes (empty: three, art. 464)"),
        required=False,
        min_value=1,
        max_value=MAX_PANEL_SIZE,
    )
    agreed_term_days = forms.IntegerField(
        label=_("Agreed term in days (empty: three months)"), required=False, min_value=1, max_value=365
    )


class ArbitratorForm(BootstrapForm):
    """A seat is posted as ``<seat>:<number>`` (``claimant:1``, ``member:4``) from the panel's own seats."""

    seat = forms.ChoiceField(label=_("Seat"))
    account = forms.ChoiceField(label=_("An arbitrator of the office"), required=False)
    name = forms.CharField(label=_("Or: full name"), max_length=200, required=False)
    national_code = NationalCodeField(required=False)
    mobile = MobileField(required=False)
    birth_date = JalaliDateField(label=_("Birth date"), required=False)

    def __init__(self, *args, arbitrators=(), seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—")] + [(str(u.pk), u.display_name) for u in arbitrators]
        self.fields["seat"].choices = [
            (
                f"{seat}:{number}",
                _("Member %(n)s of the panel") % {"n": number}
                if seat == ArbitratorSeat.MEMBER
                else ArbitratorSeat(seat).label,
            )
            for seat, number in seats
        ]

    def clean_seat(self):
        seat, _sep, number = self.cleaned_data["seat"].partition(":")
        return seat, int(number) if number.isdigit() else None

    def clean_national_code(self):
        return self.cleaned_data.get("national_code") or ""


class DeclarationForm(BootstrapForm):
    grounds = forms.MultipleChoiceField(
        label=_("Grounds that apply (leave all unticked if none)"),
        choices=[(g.value, g.label) for g in Disqualification if g != Disqualification.UNDER_AGE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    note = forms.CharField(label=_("Details"), max_length=500, required=False)


class ArbitrationExtendForm(BootstrapForm):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365)
    agreed_by_both = forms.BooleanField(label=_("Both parties agreed in writing"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AwardForm(BootstrapForm):
    reasoning = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = JalaliDateField(label=_("Decided on"), required=False)
    amount = RialsField(label=_("Amount awarded (rials)"), required=False)
    in_favour_of = forms.ChoiceField(
        label=_("In favour of"), choices=[("", "—"), *PartyRole.choices], required=False
    )
    dissent = forms.CharField(
        label=_("Dissenting opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=(), **kwargs):
        """A panel of more than one: each member's vote, signature (or refusal) and dissent (art. 482)."""
        super().__init__(*args, **kwargs)
        self.members = list(members) if len(members) > 1 else []
        for member in self.members:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=_("%(name)s votes") % {"name": member.name}, choices=ArbitratorVote.choices
            )
            self.fields[f"signed_{member.pk}"] = forms.BooleanField(
                label=_("%(name)s signed") % {"name": member.name}, required=False, initial=True
            )
            self.fields[f"dissent_{member.pk}"] = forms.CharField(
                label=_("%(name)s: dissent") % {"name": member.name}, required=False, max_length=5000
            )

    def votes(self) -> list[dict] | None:
        if not self.members:
            return None
        data = self.cleaned_data
        return [
            {
                "arbitrator": m.pk,
                "vote": data[f"vote_{m.pk}"],
                "signed": data[f"signed_{m.pk}"],
                "dissent": data[f"dissent_{m.pk}"],
            }
            for m in self.members
        ]


class AwardNoticeForm(BootstrapForm):
    party = forms.ChoiceField(label=_("Party"), choices=PartyRole.choices)
    notified_on = JalaliDateField(label=_("Notified on"))
    method = forms.ChoiceField(label=_("How"), choices=NoticeMethod.choices)


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=1390, max_value=1500, required=False)
    month = forms.IntegerField(min_value=1, max_value=12, required=False)


def clean_note(value: str) -> str:
    return normalize_text(value or "")


def today_tehran():
    return timezone.localdate()
