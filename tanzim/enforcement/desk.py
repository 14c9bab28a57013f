"""This app's links on "My desk" (tanzim/web/desk.py collects them under the app's title)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import COUNTER, OVERSIGHT
from tanzim.common.desk import DeskLink
from tanzim.enforcement import access

TITLE = _("Enforcement of civil judgments")


def links(*, user: Any, scope: Any, offices: list[Any]) -> list[DeskLink]:
    """The links this user's roles open, in the order the desk shows them."""
    out: list[DeskLink] = []
    officer = bool(access.officer_province_ids(user))
    if officer:
        out.append(DeskLink(_("Steps awaiting the court officer"), "enforcement:approvals", primary=True))
    if officer or scope.has(*COUNTER):
        out.append(DeskLink(_("Enforcement files"), "enforcement:board", primary=not officer))
    elif getattr(user, "is_authenticated", False) and not scope.is_staff_member:
        out.append(DeskLink(_("My enforcement files"), "enforcement:board"))
    if officer or scope.has(*OVERSIGHT):
        out.append(DeskLink(_("Enforcement pilot figures"), "enforcement:metrics"))
    return out
