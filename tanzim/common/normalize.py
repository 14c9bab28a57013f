"""Text normalisation for Persian input.

Iranian users type digits from three scripts (ASCII, Persian, Arabic-Indic) and letters
from two keyboards (Arabic ي/ك and Persian ی/ک). Everything that is stored, compared or
searched goes through these functions first, so "۰۹۱۲" and "0912" are the same value and
"علي" finds "علی".
"""

from __future__ import annotations

import re

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

ZWNJ = "\u200c"
# Invisible characters with no meaning in stored Persian text; ZWNJ is kept because it
# is part of correct spelling (می‌خواهم), but only between two letters.
_INVISIBLE = "\u200b\u200d\ufeff\u200e\u200f"

_DIGITS_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_ASCII_TO_PERSIAN = str.maketrans(ASCII_DIGITS, PERSIAN_DIGITS)
_TEXT_TABLE = str.maketrans(
    {
        **{ord(ch): ASCII_DIGITS[i % 10] for i, ch in enumerate(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS)},
        ord("ي"): "ی",  # Arabic yeh
        ord("ى"): "ی",  # Arabic alef maksura, used for yeh on some keyboards
        ord("ك"): "ک",  # Arabic kaf
        **{ord(ch): None for ch in _INVISIBLE},
    }
)

# A run of whitespace and ZWNJ that contains at least one whitespace character: a ZWNJ
# next to a space joins nothing, so the whole run is one space.
_SPACE_RUN = re.compile(r"[\s\u200c]*\s[\s\u200c]*")
_ZWNJ_RUN = re.compile(r"\u200c{2,}")
_NON_DIGIT = re.compile(r"[^0-9]")


def normalize_digits(value: str) -> str:
    """Turn Persian and Arabic-Indic digits into ASCII so codes compare and parse alike."""
    return value.translate(_DIGITS_TO_ASCII)


def normalize_text(value: str | None) -> str:
    """Canonical form of free text: ASCII digits, Persian ی/ک, tidy spaces and ZWNJ.

    The result is idempotent (normalising twice changes nothing), which lets it be used
    for uniqueness checks and search keys. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    text = value.translate(_TEXT_TABLE)
    text = _SPACE_RUN.sub(" ", text)
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    return text.strip(" " + ZWNJ)


_FREE_TEXT_TABLE = str.maketrans(
    {
        ord("ي"): "ی",
        ord("ى"): "ی",
        ord("ك"): "ک",
        **{ord(ch): None for ch in _INVISIBLE},
    }
)
_LINE_SPACES = re.compile(r"[^\S\n]*[ \t\u00a0][^\S\n]*")


def normalize_free_text(value: str | None) -> str:
    """What a person wrote (a petition, a complaint, a settlement item, a note), kept as typed.

    Digits stay in the script the person typed them in (``۱۲ میلیون`` stays Persian), line
    breaks are kept; only the Arabic ي/ك become the Persian ی/ک, invisible marks are dropped,
    runs of spaces within a line become one and the ends are trimmed. Identifiers, numbers and
    search keys go through ``normalize_text`` / ``normalize_digits`` instead.
    """
    if value is None:
        return ""
    text = value.translate(_FREE_TEXT_TABLE).replace("\r\n", "\n")
    text = _LINE_SPACES.sub(" ", text)
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    return text.strip()


def to_persian_digits(value: str | int) -> str:
    """Render digits in Persian script for display (any input digit script is accepted)."""
    return normalize_digits(str(value)).translate(_ASCII_TO_PERSIAN)


def percent_sign(language: str | None) -> str:
    """The percent sign to show in a language: ٪ in Persian, % otherwise."""
    return "٪" if (language or "fa").startswith("fa") else "%"


def digits_only(value: str | None) -> str:
    """Keep only the digits (as ASCII) of a code typed with dashes, spaces or another script."""
    if value is None:
        return ""
    return _NON_DIGIT.sub("", normalize_digits(value))
