"""Secret codes: the respondent's join code and the parties' one-time codes.

Neither is ever stored: only an HMAC keyed with SECRET_KEY, so a database dump reveals no
code. Join codes are twelve digits (easy to type on any phone keyboard, in any digit script)
shown as three groups of four; one-time codes follow the accounts app's OTP length.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

from tanzim.common.normalize import digits_only

JOIN_CODE_DIGITS = 12
# Failed tries are also counted per the code's first half: someone who read part of a code and
# tries the rest is stopped whatever addresses they use.
JOIN_CODE_PREFIX_DIGITS = 6


def _hmac(purpose: str, text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()


def new_join_code() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(JOIN_CODE_DIGITS))


def format_join_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def clean_join_code(value: str | None) -> str | None:
    """The twelve digits of a typed code (dashes, spaces, Persian digits allowed), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    digits = digits_only(value)
    return digits if len(digits) == JOIN_CODE_DIGITS else None


def join_code_hash(code: str) -> str:
    return _hmac("dispute-join", code)


def new_otp() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(settings.OTP_LENGTH))


def otp_hash(otp_id: int, code: str) -> str:
    return _hmac(f"dispute-otp:{otp_id}", code)


def otp_matches(otp_id: int, stored_hash: str, entered: str) -> bool:
    return hmac.compare_digest(stored_hash, otp_hash(otp_id, digits_only(entered or "")))
