"""Helpers for two-factor tests: enrol a user, read the code their authenticator app would show."""

from __future__ import annotations

import time

from tanzim.accounts import twofactor


def current_code(secret: str, offset: int = 0) -> str:
    """The code the app shows now (``offset`` steps of 30 s later or earlier)."""
    return twofactor.totp(secret, time.time() + offset * twofactor.STEP)


def enrol(user) -> tuple[str, list[str]]:
    """Set up the authenticator of ``user`` as the enrolment page does: (secret, recovery codes)."""
    secret = twofactor.enrolment_start(user=user).secret
    codes = twofactor.enrolment_confirm(user=user, code=current_code(secret))
    return secret, codes
