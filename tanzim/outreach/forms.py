"""Outreach forms: plan a mission, assign its team, report after the day, ask for SMS."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanzim.common.forms import BootstrapForm, JalaliDateField
from tanzim.common.normalize import normalize_text
from tanzim.offices.models import City, Office, Province
from tanzim.outreach.choices import ServiceKind
from tanzim.outreach.services.subscriptions import CONSENT


class PlanForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    county = forms.ModelChoiceField(label=_("County"), queryset=City.objects.order_by("code"))
    place = forms.CharField(label=_("Place (village, mosque, school)"), max_length=200)
    latitude = forms.FloatField(label=_("Latitude"), min_value=24, max_value=40)
    longitude = forms.FloatField(label=_("Longitude"), min_value=44, max_value=64)
    starts_on = JalaliDateField(label=_("First day"))
    ends_on = JalaliDateField(label=_("Last day"))
    services = forms.MultipleChoiceField(
        label=_("Services offered"), choices=ServiceKind.choices, widget=forms.CheckboxSelectMultiple
    )
    expected_demand = forms.IntegerField(
        label=_("Expected demand (people)"), min_value=0, max_value=1_000_000
    )

    def clean(self):
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            if name in data and data[name] is None:
                self.add_error(name, _("This field is required."))
        return data


class TeamForm(BootstrapForm):
    office = forms.CharField(label=_("Office code"), max_length=12)

    def clean_office(self) -> Office:
        code = normalize_text(self.cleaned_data["office"]).upper()
        office = Office.objects.filter(code=code).first()
        if office is None:
            raise forms.ValidationError(_("Unknown office."))
        return office


class ReportForm(BootstrapForm):
    people_served = forms.IntegerField(label=_("People served"), min_value=0, max_value=1_000_000)
    note = forms.CharField(
        label=_("What was delivered"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class SubscribeForm(BootstrapForm):
    """A citizen asks for an SMS when free service days are announced in their area."""

    phone = forms.CharField(label=_("Mobile number"), max_length=32)
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.order_by("code"), to_field_name="code"
    )
    county = forms.ModelChoiceField(
        label=_("County (optional)"),
        queryset=City.objects.order_by("code"),
        to_field_name="code",
        required=False,
    )
    consent = forms.BooleanField(label=CONSENT, required=False)
