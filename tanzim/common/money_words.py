"""Money explained: the amount in words, tomans beside rials, one presentation everywhere.

A citizen reading ``۳۸۵٬۰۰۰ ریال`` should not have to count zeros, nor convert to the tomans
people speak in. ``explain(amount)`` gives the three readings the ``{% amount %}`` tag
(``tanzim.web.templatetags.money``) shows: the rials with separators (``formatting.money``),
the tomans (a tenth of the rials) and the amount in words in the page's language.
Amounts are whole rials (``int``), as everywhere in Tanzim.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanzim.common import formatting

_FA_ONES = ("", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه")
_FA_TEENS = (
    "ده",
    "یازده",
    "دوازده",
    "سیزده",
    "چهارده",
    "پانزده",
    "شانزده",
    "هفده",
    "هجده",
    "نوزده",
)
_FA_TENS = ("", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود")
_FA_HUNDREDS = ("", "صد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد")
# Iranian usage: میلیارد for 10^9, هزار میلیارد for 10^12 is also said, تریلیون is unambiguous.
_FA_SCALES = ("", "هزار", "میلیون", "میلیارد", "تریلیون", "هزار تریلیون")

_EN_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")


def _groups(n: int) -> list[int]:
    """``1_234_567`` → ``[567, 234, 1]``: groups of three digits, lowest first."""
    groups = []
    while n:
        n, rest = divmod(n, 1000)
        groups.append(rest)
    return groups


def _fa_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [_FA_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest < 20:
        parts.append(_FA_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            parts.append(_FA_TENS[tens])
        if ones:
            parts.append(_FA_ONES[ones])
    return " و ".join(parts)


def _en_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_EN_ONES[hundreds]} hundred"] if hundreds else []
    if 10 <= rest < 20:
        parts.append(_EN_TEENS[rest - 10])
    elif rest:
        tens, ones = divmod(rest, 10)
        parts.append("-".join(p for p in (_EN_TENS[tens], _EN_ONES[ones]) if p))
    return " ".join(parts)


def number_in_words(n: int, language: str | None = None) -> str:
    """A whole number in words: ``1_250_000`` → ``یک میلیون و دویست و پنجاه هزار`` (Persian pages)
    or ``one million two hundred fifty thousand`` (English ones)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"Amounts are whole numbers (int), got {type(n).__name__}.")
    persian = formatting.is_persian(language)
    if n == 0:
        return "صفر" if persian else "zero"
    if n < 0:
        return ("منفی " if persian else "minus ") + number_in_words(-n, language)
    groups = _groups(n)
    if len(groups) > len(_FA_SCALES):
        return formatting.number(n, language=language)
    parts = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        if persian:
            # هزار alone, not "یک هزار": how amounts are read aloud.
            words = "" if group == 1 and index == 1 else _fa_below_thousand(group)
            parts.append(" ".join(w for w in (words, _FA_SCALES[index]) if w))
        else:
            parts.append(" ".join(w for w in (_en_below_thousand(group), _EN_SCALES[index]) if w))
    return (" و " if persian else " ").join(parts)


@dataclass(frozen=True)
class Explained:
    rials: str  # ۱٬۲۵۰٬۰۰۰
    tomans: str  # ۱۲۵٬۰۰۰ (a tenth; a part after the decimal sign when not whole)
    words: str  # یک میلیون و دویست و پنجاه هزار


def tomans(amount: int, language: str | None = None) -> str:
    """The amount in tomans (rials ÷ 10), with separators in the page's digits."""
    whole, rest = divmod(amount, 10)
    if rest == 0:
        return formatting.money(whole, language)
    return formatting.number(amount / 10, 1, language)


def explain(amount: int, language: str | None = None) -> Explained:
    """The three readings of an amount in rials, in the page's language."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"Amounts are whole rials (int), got {type(amount).__name__}.")
    return Explained(
        rials=formatting.money(amount, language),
        tomans=tomans(amount, language),
        words=number_in_words(amount, language),
    )
