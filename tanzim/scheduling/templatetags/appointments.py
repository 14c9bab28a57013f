"""Template helpers for appointment pages: clock times, day names and minutes in the page language."""

from __future__ import annotations

import uuid

from django import template

from tanzim.common import formatting
from tanzim.scheduling.formatting import clock_text, day_text, when_text

register = template.Library()


@register.filter
def clock(value):
    """``۱۰:۳۰`` in Persian pages, ``10:30`` in English ones (Tehran time)."""
    return clock_text(value) if value else ""


@register.filter
def dayname(value):
    return day_text(value) if value else ""


@register.filter
def when(value):
    return when_text(value) if value else ""


@register.filter
def minutes(value):
    """Whole minutes, at least 1 for anything above zero; ``—`` when unknown."""
    if value is None or value == "":
        return "—"
    number = max(0, round(float(value)))
    if float(value) > 0:
        number = max(1, number)
    return formatting.digits(number)


@register.filter
def percent(value):
    """A rate (0.125) as a percentage with one decimal in the page's style: ``۱۲٫۵٪`` / ``12.5%``."""
    if value is None:
        return "—"
    return formatting.percent(float(value) * 100, 1)


@register.simple_tag
def new_key() -> str:
    """A fresh Idempotency key for one booking form: a double click sends the same key twice."""
    return uuid.uuid4().hex
