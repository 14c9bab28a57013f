"""Amounts of money: stored as whole rials (int), shown with thousands separators.

Tariffs are set in rials and every fee is a sum of whole rials, so floats never enter:
passing one is a bug (rounding drift in fees), and raises TypeError.
"""

from __future__ import annotations

from tanzim.common.normalize import to_persian_digits

__all__ = ["MAX_RIALS", "PERSIAN_THOUSANDS_SEPARATOR", "format_rials", "rials_to_tomans"]

PERSIAN_THOUSANDS_SEPARATOR = "\u066c"  # ٬ ARABIC THOUSANDS SEPARATOR, used in Persian
# The largest amount an input may state: a thousand trillion rials, past any claim or fee and far
# inside a 64-bit column (10**19 rials overflowed PostgreSQL's bigint: a 500 before it was bounded).
MAX_RIALS = 10**15


def _require_int(amount: object) -> int:
    # bool is an int subclass but an amount of True rials is always a mistake.
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"Amounts are whole rials (int), got {type(amount).__name__}.")
    return amount


def format_rials(amount: int, *, persian_digits: bool = True) -> str:
    """``770000`` → ``۷۷۰٬۰۰۰`` (or ``770,000`` with ``persian_digits=False``); no currency word."""
    text = f"{_require_int(amount):,}"
    if persian_digits:
        return to_persian_digits(text.replace(",", PERSIAN_THOUSANDS_SEPARATOR))
    return text


def rials_to_tomans(amount: int) -> int:
    """Rials to tomans (1 toman = 10 rials), rounded down (floor) as in everyday quoting.

    Floor, not truncation: -15 rials is -2 tomans. Keep rials for any arithmetic; tomans
    are for display only.
    """
    return _require_int(amount) // 10
