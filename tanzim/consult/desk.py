"""This app's links on "My desk" (tanzim/web/desk.py collects them under the app's title)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.common.desk import DeskLink

TITLE = _("Consultation and drafting")


def links(*, user: Any, scope: Any, offices: list[Any]) -> list[DeskLink]:
    """The links this user's roles open, in the order the desk shows them."""
    found: list[DeskLink] = []
    if scope.has(Role.CONSULTANT):
        found.append(DeskLink(_("Consultant's desk"), "consult:desk", primary=True))
        found.append(DeskLink(_("My availability"), "consult:availability"))
    if scope.has(Role.OFFICE_MANAGER) or scope.is_kanoon:
        found.append(DeskLink(_("Consultation figures"), "consult:figures"))
    if scope.is_kanoon:
        found.append(DeskLink(_("Diagnosis trees"), "consult:trees"))
        found.append(DeskLink(_("Content report"), "consult:content-report"))
    if scope.has(Role.CITIZEN) or not scope.is_staff_member:
        found.append(DeskLink(_("My consultations"), "consult:consultations"))
        found.append(DeskLink(_("My drafts"), "consult:drafts"))
    found.append(DeskLink(_("Find out what to do"), "consult:index"))
    return found
