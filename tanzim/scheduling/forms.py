from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.common.identifiers import clean_national_code
from tanzim.scheduling.formatting import parse_day


class JalaliDayField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("e.g. 1405/09/30"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr", "placeholder": "1405/09/30"})

    def clean(self, value):
        value = super().clean(value)
        return parse_day(value) if value else None


class FindForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    city = forms.ChoiceField(label=_("City"), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    date_from = JalaliDayField(label=_("From"))
    date_to = JalaliDayField(label=_("Until"))

    def __init__(self, *args, services=(), cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Choose a service")), *((s.code, s.name) for s in services)]
        grouped: dict[str, list] = {}
        for city in cities:
            grouped.setdefault(city.province.name, []).append((city.code, city.name))
        self.fields["city"].choices = [("", _("Use my location")), *grouped.items()]

    def clean(self):
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not has_point and not data.get("city"):
            raise ValidationError(
                _("Choose a city, or let the page use your location."), code="location_required"
            )
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The last date must not be before the first."))
        return data


class BookForm(forms.Form):
    slot = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    service = forms.SlugField(max_length=40, widget=forms.HiddenInput)
    key = forms.CharField(max_length=64, min_length=8, widget=forms.HiddenInput)
    citizen_national_code = forms.CharField(label=_("Citizen's national code"), max_length=20, required=False)

    def clean_citizen_national_code(self):
        value = self.cleaned_data.get("citizen_national_code")
        return clean_national_code(value) if value else ""


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class WalkInForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), required=False)
    citizen_national_code = forms.CharField(
        label=_("National code (optional)"), max_length=20, required=False
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Any service")), *((s.code, s.name) for s in services)]

    def clean_citizen_national_code(self):
        value = self.cleaned_data.get("citizen_national_code")
        return clean_national_code(value) if value else ""


class PolicyForm(forms.Form):
    appointment_share_pct = forms.IntegerField(
        label=_("Counters for appointments (%)"), min_value=1, max_value=100
    )
    overbooking_enabled = forms.BooleanField(label=_("Overbook by the no-show rate"), required=False)
    overbooking_risk_pct = forms.IntegerField(
        label=_("Accepted risk of too many arrivals (%)"), min_value=1, max_value=50
    )
    show_rate_pct = forms.IntegerField(
        label=_("Show rate (%), empty to measure"), min_value=1, max_value=100, required=False
    )


class MetricsForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("office", _("Office")), ("province", _("Province")), ("nation", _("Nation"))],
    )
    code = forms.CharField(label=_("Office or province code"), max_length=12, required=False)
    date_from = JalaliDayField(label=_("From"))
    date_to = JalaliDayField(label=_("Until"))
