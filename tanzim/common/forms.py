"""Form fields every app's pages share: amounts in rials, national codes, mobiles, Bootstrap widgets.

They parse and normalise what people type (Persian and Arabic digits, separators); the services
decide what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, overload

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.common.identifiers import clean_national_code, parse_phone
from tanzim.common.jalali import parse_jalali
from tanzim.common.normalize import normalize_digits, to_persian_digits

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # One error as Form.add_error takes it: a ValidationError or a message, or a list of them.
    FormError = ValidationError | StrOrPromise | Sequence[ValidationError | StrOrPromise]


def local_digits(number: int) -> str:
    return str(number) if (get_language() or "fa").startswith("en") else to_persian_digits(number)


_AMOUNT_SEPARATORS = str.maketrans("", "", ",،٬ \u200c")


class RialsField(forms.CharField):
    """An amount in rials typed any way people type it: Persian digits, thousands separators."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        digits = normalize_digits(text).translate(_AMOUNT_SEPARATORS)
        if not digits.isdigit():
            raise ValidationError(_("Enter the amount in rials, digits only."), code="invalid_amount")
        if len(digits) > 18:
            raise ValidationError(_("This amount is too large."), code="amount_too_large")
        return int(digits)


class BootstrapForm(forms.Form):
    """Gives every widget the Bootstrap class its kind needs, so templates can render ``{{ field }}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    @overload
    def add_error(self, field: None, error: Mapping[str, FormError]) -> None: ...
    @overload
    def add_error(self, field: str | None, error: FormError) -> None: ...
    def add_error(self, field: str | None, error: FormError | Mapping[str, FormError]) -> None:
        if isinstance(error, Mapping):  # {field: errors} for several fields, as Django takes it
            if field is not None:
                raise TypeError("The field must be None when the error names several fields.")
            super().add_error(None, error)
        else:
            super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class NationalCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        return clean_national_code(super().clean(value))


class JalaliDateField(forms.CharField):
    """A date typed as 1405/09/14 (any digit script); cleaned to a Gregorian date, or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("Jalali date, e.g. 1405/09/14"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"dir": "ltr", "inputmode": "numeric", "placeholder": "1405/09/14"})

    def clean(self, value: Any) -> date | None:
        text = super().clean(value)
        if not text:
            return None
        return parse_jalali(text)


class MobileField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", _("e.g. 09121234567, or an international number starting with +"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "dir": "ltr", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value and not self.required:
            return ""  # an optional number left empty
        return parse_phone(value)
