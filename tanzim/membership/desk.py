"""This app's links on "My desk" (tanzim/web/desk.py collects them under the app's title)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.common.desk import DeskLink
from tanzim.membership.models import Application

TITLE = _("New offices and member services")


def links(*, user: Any, scope: Any, offices: list[Any]) -> list[DeskLink]:
    """The links this user's roles open, in the order the desk shows them."""
    found: list[DeskLink] = []
    if scope.is_kanoon or scope.has(Role.PROVINCE_ADMIN, Role.INSPECTOR):
        found.append(DeskLink(_("New offices: the pipeline"), "membership:pipeline", primary=True))
    if scope.is_kanoon:
        found.append(DeskLink(_("Import the exam results"), "membership:import"))
    if getattr(user, "is_authenticated", False) and Application.objects.filter(user_id=user.pk).exists():
        found.append(DeskLink(_("Opening my office"), "membership:home", primary=True))
    if scope.has(Role.OFFICE_MANAGER):
        found.append(DeskLink(_("Staff and certificates"), "membership:staff"))
    if scope.is_kanoon or scope.has(Role.OFFICE_MANAGER):
        found.append(DeskLink(_("Welfare loans"), "membership:loans"))
        found.append(DeskLink(_("Dues and premiums"), "membership:dues"))
    return found
