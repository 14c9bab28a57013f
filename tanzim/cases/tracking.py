"""Tracking codes: 16 digits, the last a Luhn check digit so a mistyped code is caught at once."""

from __future__ import annotations

import secrets

from tanzim.common.normalize import digits_only


def luhn_check_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # the digit next to the check digit is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def new_tracking_code() -> str:
    body = str(secrets.randbelow(9 * 10**14) + 10**14)  # 15 digits, no leading zero
    return body + str(luhn_check_digit(body))


def clean_tracking_code(value: str) -> str | None:
    """The 16-digit code from any typing of it (Persian digits, dashes, spaces), or None if invalid."""
    if value is None or any(ch.isalpha() for ch in str(value)):
        return None
    code = digits_only(value)
    if len(code) != 16 or luhn_check_digit(code[:15]) != int(code[15]):
        return None
    return code
