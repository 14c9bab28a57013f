"""One formatting layer for what people read: numbers, percentages, money, dates, codes and messages.

The template tags (``tanzim.web.templatetags.tanzim``), the forms' help texts and the flash
messages all go through these functions, so a number looks the same wherever it appears:

- Persian pages: Persian digits, ``٬`` between thousands, ``٫`` before decimals, ``۵۰٪``;
  English pages: ``1,234.5`` and ``50%``.
- Dates: always the Jalali calendar (the calendar of every deadline and office day). English
  pages use the transliterated month names (``5 Azar 1405``), Persian pages the Persian ones.
- Times: Tehran time. A reader who lives abroad (``tanzim.common.timezones``: their profile's zone is
  the viewer zone) reads every time in their own zone, with the Gregorian day beside it, **and** in
  Tehran time (``both_zones``): ``1405/09/12 22:30 Berlin time (3 Dec 2026) · 1405/09/13 01:00
  Tehran time``.
- Weeks start on Saturday (``week_days``).
- Codes a person copies (tracking codes, dispute references, appointment codes): left-to-right
  isolated, never wrapped, digits in the page's style (Persian on Persian pages) when the code is
  all digits; a code with Latin letters (``TZP-4F0A…``) keeps Latin digits, since mixing scripts
  inside one word is unreadable. The copy button always copies the ASCII form, which every
  system accepts; our own forms accept any digit script.

Each function takes the language explicitly or reads the active one. Nothing here touches the
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import jdatetime
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from tanzim.common.jalali import (
    MONTH_NAMES_EN,
    MONTH_NAMES_FA,
    WEEK_ORDER,
    DateLike,
    format_jalali,
    to_jalali_date,
)
from tanzim.common.normalize import normalize_digits, to_persian_digits
from tanzim.common.timezones import TEHRAN, is_abroad_zone, viewer_zone, zone_label

__all__ = [
    "PERSIAN_DECIMAL_SEPARATOR",
    "PERSIAN_THOUSANDS_SEPARATOR",
    "abroad_zone",
    "both_zones",
    "code_html",
    "digits",
    "gregorian_date",
    "in_week_order",
    "is_persian",
    "jalali_date",
    "local_text",
    "money",
    "number",
    "percent",
    "week_days",
]

T = TypeVar("T")

PERSIAN_THOUSANDS_SEPARATOR = "\u066c"  # ٬
PERSIAN_DECIMAL_SEPARATOR = "\u066b"  # ٫
PERSIAN_PERCENT = "\u066a"  # ٪

# Indexed by Python's ``date.weekday()`` (Monday = 0).
WEEKDAY_NAMES_EN: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
WEEKDAY_NAMES_FA: tuple[str, ...] = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه", "شنبه", "یکشنبه")


def is_persian(language: str | None = None) -> bool:
    """Whether ``language`` (default: the active one) shows Persian digits: every language but English."""
    return not (language or get_language() or "fa").startswith("en")


def digits(value: object, language: str | None = None) -> str:
    """The value as text with the page's digits (any digit script in, ``None`` → ``""``); a float or
    Decimal is a number (Persian decimal separator); an int is left as it is (years, counts, codes)."""
    if value is None:
        return ""
    if isinstance(value, (float, Decimal)):  # a rate: the page's decimal separator (۲٫۵), not "۲.۵"
        return number(value, language=language)
    text = str(value)
    return to_persian_digits(text) if is_persian(language) else normalize_digits(text)


def number(
    value: int | float | Decimal | str | None, places: int | None = None, language: str | None = None
) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷``; ``2.5`` → ``۲٫۵``; ``places`` fixes the decimals (half up)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise TypeError("A number, not a boolean.")
    amount = Decimal(str(normalize_digits(str(value)))) if not isinstance(value, Decimal) else value
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    else:
        amount = amount.normalize()
    text = f"{amount:,f}"
    if not is_persian(language):
        return text
    text = text.replace(",", "\0").replace(".", PERSIAN_DECIMAL_SEPARATOR)
    text = text.replace("\0", PERSIAN_THOUSANDS_SEPARATOR)
    return to_persian_digits(text)


def percent(value: int | float | Decimal | str | None, places: int = 0, language: str | None = None) -> str:
    """A percentage given in points: ``50`` → ``۵۰٪`` on Persian pages, ``50%`` on English ones."""
    if value is None or value == "":
        return ""
    sign = PERSIAN_PERCENT if is_persian(language) else "%"
    return f"{number(value, places, language)}{sign}"


def money(amount: int | None, language: str | None = None) -> str:
    """Whole rials with thousands separators, without the currency word (``۷۷۰٬۰۰۰``)."""
    if amount is None:
        return ""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"Amounts are whole rials (int), got {type(amount).__name__}.")
    return number(amount, language=language)


def jalali_date(value: DateLike | None, mode: str = "date", language: str | None = None) -> str:
    """A Jalali date: ``mode`` is ``date`` (1405/09/12), ``time`` (with HH:MM, Tehran) or ``long``
    (12 Azar 1405 / ۱۲ آذر ۱۴۰۵). English pages keep the Jalali calendar with English month names.

    A time shown to a reader abroad is written in their zone and in Tehran's (``both_zones``)."""
    if value is None or value == "":
        return ""
    if mode == "time" and _is_instant(value) and (zone := abroad_zone()) is not None:
        assert isinstance(value, datetime)
        return both_zones(value, zone, language)
    persian = is_persian(language)
    if mode == "long":
        if isinstance(value, jdatetime.datetime):
            jdate = value.date()
        elif isinstance(value, jdatetime.date):
            jdate = value
        else:
            assert isinstance(value, (date, datetime))
            jdate = to_jalali_date(value)
        names = MONTH_NAMES_FA if persian else MONTH_NAMES_EN
        text = f"{jdate.day} {names[jdate.month - 1]} {jdate.year}"
        return to_persian_digits(text) if persian else text
    return format_jalali(value, with_time=mode == "time", persian_digits=persian)


GREGORIAN_MONTHS_EN: tuple[str, ...] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
GREGORIAN_MONTHS_FA: tuple[str, ...] = (
    "ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر",
)  # fmt: skip


def _is_instant(value: object) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def abroad_zone() -> ZoneInfo | None:
    """The reader's zone when they live outside Tehran's, else ``None``."""
    zone = viewer_zone()
    return zone if is_abroad_zone(zone) else None


def gregorian_date(value: date, language: str | None = None) -> str:
    """``3 Dec 2026`` / ``۳ دسامبر ۲۰۲۶``: the day as a reader abroad knows it."""
    if is_persian(language):
        return to_persian_digits(f"{value.day} {GREGORIAN_MONTHS_FA[value.month - 1]} {value.year}")
    return f"{value.day} {GREGORIAN_MONTHS_EN[value.month - 1]} {value.year}"


def zone_time(text: str, zone: ZoneInfo, language: str | None = None) -> str:
    """``22:30 Berlin time`` / ``۲۲:۳۰ به وقت برلین``."""
    with translation.override(language or get_language()):
        return gettext("%(when)s %(city)s time") % {"when": text, "city": zone_label(zone, language)}


def both_zones(value: datetime, zone: ZoneInfo, language: str | None = None) -> str:
    """An instant for a reader abroad: the Jalali day and time where they live, the Gregorian day
    beside it, then Tehran's day (only when it differs) and time.

    ``1405/09/12 22:30 Berlin time (3 Dec 2026) · 1405/09/13 01:00 Tehran time``."""
    persian = is_persian(language)
    local, tehran = value.astimezone(zone), value.astimezone(TEHRAN)
    here = format_jalali(local.replace(tzinfo=None), with_time=True, persian_digits=persian)
    there = format_jalali(tehran.replace(tzinfo=None), with_time=True, persian_digits=persian)
    if local.date() == tehran.date():
        there = there.rsplit(" ", 1)[1]
    return (
        f"{zone_time(here, zone, language)} ({gregorian_date(local.date(), language)})"
        f" · {zone_time(there, TEHRAN, language)}"
    )


def week_days(language: str | None = None) -> list[tuple[int, str]]:
    """The days of the Iranian week, Saturday first: ``[(python_weekday, name), …]``."""
    names = WEEKDAY_NAMES_FA if is_persian(language) else WEEKDAY_NAMES_EN
    return [(day, names[day]) for day in WEEK_ORDER]


def in_week_order(items: Iterable[T], attribute: str = "weekday") -> list[T]:
    """``items`` (each with a Python weekday number in ``attribute``) sorted Saturday first, keeping
    the order of items on the same day (office hours: Saturday's, then Sunday's … Friday's)."""
    position = {day: index for index, day in enumerate(WEEK_ORDER)}
    return sorted(items, key=lambda item: position[getattr(item, attribute)])


def weekday_name(value: date | datetime | int, language: str | None = None) -> str:
    """The name of a weekday (a date, or Python's weekday number) in the page's language."""
    day = value if isinstance(value, int) else value.weekday()
    return (WEEKDAY_NAMES_FA if is_persian(language) else WEEKDAY_NAMES_EN)[day]


_HAS_LETTER = re.compile(r"[A-Za-z]")


def code_text(value: object, language: str | None = None) -> str:
    """A code as the page shows it: Persian digits when it is all digits and separators on a Persian
    page, otherwise as stored (a code with Latin letters keeps Latin digits)."""
    text = "" if value is None else str(value)
    if _HAS_LETTER.search(text):
        return normalize_digits(text)
    return digits(text, language)


def code_html(
    value: object,
    *,
    copy: bool = True,
    label: str = "",
    css: str = "",
    html_id: str = "",
    language: str | None = None,
) -> SafeString:
    """``<bdi dir="ltr" class="code">`` with the code, and a copy button switched on by web/tanzim.js.

    The copy button copies the ASCII form. It is ``hidden`` until the script runs, so a page
    without script never shows a button that does nothing.
    """
    if value in (None, ""):
        return mark_safe("")
    plain = normalize_digits(str(value))
    classes = f"code {css}".strip()
    shown = format_html(
        '<bdi dir="ltr"{} class="{}" data-code="{}">{}</bdi>',
        format_html(' id="{}"', html_id) if html_id else "",
        classes,
        plain,
        code_text(value, language),
    )
    if not copy:
        return shown
    return format_html(
        '<span class="code-wrap">{}<button type="button" class="btn btn-link btn-sm code-copy" data-copy="{}"'
        ' data-copied="{}" aria-label="{}" hidden>{}</button></span>',
        shown,
        plain,
        _copied(),
        f"{_copy_label()} {label}".strip() if label else _copy_label(),
        _copy_label(),
    )


def _copy_label() -> str:
    return gettext("Copy")


def _copied() -> str:
    return gettext("Copied")


# In a message: a web address (kept as it is, isolated left to right), or a code — digit groups
# joined by hyphens, or a letters-and-digits code with a hyphen (TZP-4F0A12) — isolated too.
_URL = r"https?://[^\s<>\"']+"
_CODE = (
    r"(?<![\w/.:])(?:"
    r"[0-9۰-۹]{2,}(?:[-‑][0-9۰-۹]{2,})+"  # digit groups: 5008-7182-3488-4029, 05-1234-5678
    # letters and digits: TZP-4F0A12, C123456789, ACDE3479
    r"|(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*[0-9])[A-Z0-9]{2,}(?:-[A-Z0-9]+)*"
    r")(?![\w/])"
)
_TOKENS = re.compile(f"({_URL})|({_CODE})")


_PERCENT_AFTER_DIGIT = re.compile(r"([0-9۰-۹])\s?%")


def _plain(text: str, language: str | None) -> str:
    shown = digits(text, language)
    if is_persian(language):
        shown = _PERCENT_AFTER_DIGIT.sub("\\1" + PERSIAN_PERCENT, shown)
    return escape(shown)


def local_text(text: object, language: str | None = None) -> SafeString:
    """A sentence for the page (a flash message): escaped, digits in the page's style, web addresses
    left as they are in a left-to-right isolate that may wrap anywhere, codes isolated left to right."""
    source = "" if text is None else str(text)
    parts: list[str] = []
    last = 0
    for match in _TOKENS.finditer(source):
        parts.append(_plain(source[last : match.start()], language))
        url, code = match.group(1), match.group(2)
        if url:
            parts.append(format_html('<bdi dir="ltr" class="url">{}</bdi>', url))
        else:
            parts.append(code_html(code, copy=False, language=language))
        last = match.end()
    parts.append(_plain(source[last:], language))
    return mark_safe("".join(parts))
