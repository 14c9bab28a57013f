"""Who may do what in inspections, on top of ``accounts.permissions``.

Inspectors (national or provincial), province admins and the Kanoon plan and oversee
(``can_oversee``); an inspector covering the office performs, the assigned one if there is one;
the office's manager reports corrective actions done and sees completed inspections only.
Outsiders get a 404, as if the inspection did not exist; the office's manager a 403.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, can_oversee
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.inspections.choices import InspectionStatus


def inspection_not_found() -> NotFoundError:
    return NotFoundError(_("Inspection not found."), code="inspection_not_found")


def is_office_manager(user: Any, office: Any) -> bool:
    return can_act_for_office(user, office, Role.OFFICE_MANAGER)


def is_inspector_for(user: Any, office: Any) -> bool:
    return can_act_for_office(user, office, Role.INSPECTOR)


def can_perform(user: Any, inspection: Any) -> bool:
    """Fill in the checklist: an inspector covering the office, the one assigned if there is one."""
    return is_inspector_for(user, inspection.office) and inspection.inspector_id in (None, user.pk)


def require_oversight(user: Any, office: Any) -> None:
    if can_oversee(user, office):
        return
    if is_office_manager(user, office):
        raise PermissionDeniedError(_("Only the Kanoon's inspectors and administrators can do this."))
    raise inspection_not_found()


def require_performer(user: Any, inspection: Any) -> None:
    if can_perform(user, inspection):
        return
    visible_to_office = inspection.status == InspectionStatus.COMPLETED and is_office_manager(
        user, inspection.office
    )
    if can_oversee(user, inspection.office) or visible_to_office:
        raise PermissionDeniedError(
            _("Only the inspector assigned to this inspection can fill it in."), code="not_the_inspector"
        )
    raise inspection_not_found()


def require_office_manager(user: Any, office: Any) -> None:
    """Reporting a corrective action done: the office's manager only."""
    if is_office_manager(user, office):
        return
    if can_oversee(user, office):
        raise PermissionDeniedError(
            _("The office's manager reports what was done."), code="not_office_manager"
        )
    raise NotFoundError(_("Corrective action not found."), code="action_not_found")
