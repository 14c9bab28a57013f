"""This app's links on "My desk" (tanzim/web/desk.py collects them under the app's title)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER, OVERSIGHT
from tanzim.common.desk import DeskLink

TITLE = _("Partners")


def links(*, user: Any, scope: Any, offices: list[Any]) -> list[DeskLink]:
    """The links this user's roles open, in the order the desk shows them."""
    from tanzim.partners.selectors import memberships_for

    found: list[DeskLink] = []
    if scope.has(Role.PARTNER) and memberships_for(user).exists():
        found.append(DeskLink(_("Files referred to us"), "partners:desk", primary=True))
    if scope.has(*COUNTER):
        found.append(DeskLink(_("Referrals to partners"), "partners:list"))
        found.append(DeskLink(_("Refer a file"), "partners:refer"))
    elif scope.has(*OVERSIGHT):
        found.append(DeskLink(_("Referrals to partners"), "partners:list"))
    if scope.has(*COUNTER, *OVERSIGHT):
        found.append(DeskLink(_("Referrals by partner"), "partners:figures"))
    if scope.is_kanoon:
        found.append(DeskLink(_("Undelivered partner events"), "partners:dead_letters"))
    if scope.has(Role.CITIZEN) or not scope.is_staff_member:
        found.append(DeskLink(_("My files at other bodies"), "partners:mine"))
    return found
