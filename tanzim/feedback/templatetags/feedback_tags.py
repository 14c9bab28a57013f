"""Display of survey figures: means with two decimals, shares as percentages, in the page's digits."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tanzim.common.normalize import to_persian_digits

register = template.Library()


def _digits(text: str) -> str:
    if (get_language() or "fa").startswith("en"):
        return text
    return to_persian_digits(text).replace(".", "٫")


@register.filter
def mean(value):
    """``4.2567`` → ``۴٫۲۶``; empty for no data."""
    if value is None or value == "":
        return "—"
    return _digits(f"{float(value):.2f}")


@register.filter
def pct(value):
    """``0.734`` → ``۷۳٪`` (``73%`` in English)."""
    if value is None or value == "":
        return "—"
    number = f"{100 * float(value):.0f}"
    return _digits(number) + ("%" if (get_language() or "fa").startswith("en") else "٪")


@register.filter
def bar(value):
    """Width of a 1-5 mean as a percentage of a bar (1 → 0%, 5 → 100%)."""
    if value is None:
        return 0
    return max(0, min(100, round((float(value) - 1) * 25)))


def _not_enough():
    return format_html('<span class="not-enough">{}</span>', _("not enough answers yet"))


@register.simple_tag
def shown_mean(value):
    """A mean as shown: "not enough answers yet" where the selectors masked it (fewer than 5)."""
    return _not_enough() if value is None else mean(value)


@register.simple_tag
def shown_pct(value):
    """A share as shown: "not enough answers yet" where the selectors masked it (fewer than 5)."""
    return _not_enough() if value is None else pct(value)
