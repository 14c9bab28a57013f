"""Display of ranking figures in the page's digits: scores, ranks, intervals, indicator values."""

from django import template
from django.utils.translation import get_language

from tanzim.common.normalize import percent_sign, to_persian_digits

register = template.Library()


def _local(text: str) -> str:
    if (get_language() or "fa").startswith("en"):
        return text
    return to_persian_digits(text).replace(".", "٫")


@register.filter
def score(value, places: int = 1):
    """``73.456`` → ``۷۳٫۵``; a dash for no value."""
    if value is None or value == "":
        return "—"
    return _local(f"{float(value):.{int(places)}f}")


@register.filter
def rankno(value):
    """A rank (a median rank may end in .5)."""
    if value is None or value == "":
        return "—"
    number = float(value)
    return _local(f"{number:.0f}" if number.is_integer() else f"{number:.1f}")


@register.filter
def share(value):
    if value is None or value == "":
        return "—"
    return _local(f"{100 * float(value):.0f}") + percent_sign(get_language())


@register.filter
def signed(value, places: int = 1):
    if value is None or value == "":
        return "—"
    number = float(value)
    sign = "+" if number > 0 else ("−" if number < 0 else "±")
    return sign + _local(f"{abs(number):.{int(places)}f}")


@register.filter
def indicator_value(value, key: str):
    """Raw or shrunk indicator values in their own units."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if key in ("dispute_settlement", "timeliness"):
        return share(number)
    if key == "social_service":
        return _local(f"{number:.1f}") + percent_sign(get_language())
    if key == "satisfaction":
        return _local(f"{number:.2f}")
    return _local(f"{number:.1f}")


@register.filter
def bar(value):
    """A 0..1 value as a bar width in percent."""
    if value is None:
        return 0
    return max(0, min(100, round(100 * float(value))))
