"""Helpers for accounts tests: the sign-in code as the person reads it from the SMS."""

from __future__ import annotations

import re

from django.conf import settings

from tanzim.notify.models import Message


def latest_code(user) -> str:
    """The code in the newest sign-in SMS sent to ``user``, read the way a person would."""
    message = Message.objects.filter(recipient=user, template="accounts.otp").order_by("-pk").first()
    assert message is not None, "no OTP message was sent"
    match = re.search(rf"(?<![0-9])[0-9]{{{settings.OTP_LENGTH}}}(?![0-9])", message.body)
    assert match, f"no code in {message.body!r}"
    return match.group(0)
