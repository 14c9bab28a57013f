from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Language
from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.jalali import parse_jalali
from tanzim.common.normalize import digits_only
from tanzim.common.timezones import TEHRAN_NAME, valid_zone_name, zone_choices


class NationalCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "username", "dir": "ltr"})

    def clean(self, value):
        return clean_national_code(super().clean(value))


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 40)  # room for a foreign number written with spaces and brackets
        kwargs.setdefault("help_text", _("e.g. 09121234567, or an international number starting with +"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"})

    def clean(self, value):
        return parse_phone(super().clean(value))


class OtpRequestForm(forms.Form):
    national_code = NationalCodeField()
    mobile = MobileField()


class BrowserZoneField(forms.CharField):
    """A hidden field web/tanzim.js fills with the browser's time zone (``Europe/Berlin``); an empty
    or unknown value is Tehran's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.HiddenInput(attrs={"data-browser-zone": ""}))
        super().__init__(**kwargs)

    def clean(self, value):
        # What a browser reports is never an error the person could fix: anything else is Tehran.
        value = (super().clean(value) or "").strip()[:64]
        return value if valid_zone_name(value) else TEHRAN_NAME


class OtpVerifyForm(forms.Form):
    browser_zone = BrowserZoneField()
    code = forms.CharField(
        label=_("Code sent by SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )

    def clean_code(self):
        code = digits_only(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("Enter the code."))
        return code


class SignupForm(forms.Form):
    national_code = NationalCodeField()
    mobile = MobileField()
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    birth_date = forms.CharField(
        label=_("Birth date"),
        max_length=10,
        required=False,
        help_text=_("Jalali, e.g. 1370/05/21"),
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=Language.choices)
    resident_abroad = forms.BooleanField(label=_("I live outside Iran"), required=False)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("Codes and messages go here when an SMS to your country does not arrive."),
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )
    time_zone = BrowserZoneField()

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        return parse_jalali(value) if value else None


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_("Times are shown in this zone and in Tehran time; times you type are read in it."),
    )
    resident_abroad = forms.BooleanField(label=_("I live outside Iran"), required=False)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("Codes and messages go here when an SMS to your country does not arrive."),
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=Language.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    province = forms.ChoiceField(label=_("Province"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    licence = forms.ChoiceField(label=_("Licence"), required=False)

    def __init__(self, *args, provinces=(), cities=(), services=(), licences=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["province"].choices = everything + [(p.code, p.name) for p in provinces]
        self.fields["city"].choices = everything + [(c.code, c.name) for c in cities]
        self.fields["service"].choices = everything + [(s.code, s.name) for s in services]
        self.fields["licence"].choices = everything + list(licences)
