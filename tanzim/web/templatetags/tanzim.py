"""Display helpers for templates, all through one formatting layer (``tanzim.common.formatting``):
Jalali dates, digits, numbers, percentages, rials, codes and flash messages in the active language."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tanzim.common import formatting
from tanzim.common.normalize import percent_sign as sign_for

register = template.Library()


@register.filter
def jalali(value, mode: str = "date"):
    """``{{ d|jalali }}``, ``{{ dt|jalali:"time" }}`` or ``{{ d|jalali:"long" }}`` (month names in the
    page's language, the Jalali calendar in both)."""
    return formatting.jalali_date(value, mode)


@register.filter
def digits(value):
    """Persian digits in Persian pages, ASCII digits in English ones."""
    return formatting.digits(value)


@register.filter
def number(value, places=None):
    """``{{ n|number }}`` → ``۱٬۲۳۴``; ``{{ rate|number:1 }}`` → ``۲٫۵`` (Persian decimal separator)."""
    return formatting.number(value, None if places in (None, "") else int(places))


@register.filter
def percent(value, places=0):
    """``{{ 50|percent }}`` → ``۵۰٪`` in Persian, ``50%`` in English (the value is in points)."""
    return formatting.percent(value, int(places or 0))


@register.filter
def rials(value):
    if value in (None, ""):
        return ""
    return formatting.money(int(value))


@register.filter
def local_text(value) -> SafeString:
    """A sentence (a flash message): page digits, codes and web addresses isolated left to right."""
    return formatting.local_text(value)


@register.simple_tag
def code(value, copy: bool = True, label: str = "", css: str = "", id: str = "") -> SafeString:
    """``{% code case.tracking_code_display %}``: a code to copy, left to right, never wrapped, one digit
    style, with a copy button (``copy=False`` in long lists)."""
    return formatting.code_html(value, copy=bool(copy), label=label, css=css, html_id=id)


@register.simple_tag
def percent_sign() -> str:
    """The percent sign of the page's language (٪ in Persian)."""
    return sign_for(get_language())


@register.simple_tag
def week_days():
    """``[(python_weekday, name), …]`` Saturday first, names in the page's language."""
    return formatting.week_days()


@register.filter
def week_order(items):
    """``{% for h in office.hours.all|week_order %}``: Saturday first, as the Iranian week runs."""
    return formatting.in_week_order(items)
