"""This app's links on "My desk" (tanzim/web/desk.py collects them under the app's title)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER
from tanzim.common.desk import DeskLink

TITLE = _("Outreach")


def links(*, user: Any, scope: Any, offices: list[Any]) -> list[DeskLink]:
    """The links this user's roles open, in the order the desk shows them."""
    found: list[DeskLink] = []
    if scope.is_kanoon or scope.has(Role.PROVINCE_ADMIN) or scope.has(*COUNTER):
        found.append(DeskLink(label=_("Outreach missions"), name="outreach:list", primary=scope.is_kanoon))
    if scope.is_kanoon or scope.has(Role.PROVINCE_ADMIN, Role.INSPECTOR):
        found.append(DeskLink(label=_("Outreach coverage"), name="outreach:coverage"))
    return found
