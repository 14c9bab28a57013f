"""Display helpers: Jalali dates, Persian digits and rials in the active language."""

from django import template
from django.utils.translation import get_language

from tanzim.common.jalali import format_jalali
from tanzim.common.money import format_rials
from tanzim.common.normalize import percent_sign as sign_for
from tanzim.common.normalize import to_persian_digits

register = template.Library()


def _persian() -> bool:
    return not (get_language() or "fa").startswith("en")


@register.filter
def jalali(value, mode: str = "date"):
    """``{{ d|jalali }}``, ``{{ dt|jalali:"time" }}`` or ``{{ d|jalali:"long" }}``."""
    if value in (None, ""):
        return ""
    return format_jalali(value, with_time=mode == "time", long=mode == "long", persian_digits=_persian())


@register.filter
def digits(value):
    """Persian digits in Persian pages, ASCII digits in English ones."""
    if value is None:
        return ""
    return to_persian_digits(str(value)) if _persian() else str(value)


@register.filter
def rials(value):
    if value in (None, ""):
        return ""
    return format_rials(int(value), persian_digits=_persian())


@register.simple_tag
def percent_sign() -> str:
    """The percent sign of the page's language (٪ in Persian)."""
    return sign_for(get_language())
