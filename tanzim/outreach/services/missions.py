"""Missions: planned by a province or the Kanoon, staffed, approved, held and reported."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_office_staff, works_at_office
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import tehran_date
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.finance.models import OutreachMission
from tanzim.finance.services.free import outreach_mission_approve
from tanzim.offices.choices import OfficeStatus
from tanzim.offices.models import City, Office
from tanzim.outreach.access import can_plan, can_see
from tanzim.outreach.choices import ACTION_TARGET, MissionAction, MissionStatus, ServiceKind
from tanzim.outreach.geo import nearest_km
from tanzim.outreach.models import Mission, TeamMember
from tanzim.outreach.services.subscriptions import mission_announce
from tanzim.outreach.workflows import MISSION, mission_not_found

# A mission is reported within this many days of its last day; later, the Kanoon must reopen it.
REPORT_WINDOW_DAYS = 14
S = MissionStatus


def _today() -> date:
    return tehran_date(timezone.now())


def nearest_office_km(lat: float, lon: float) -> int:
    points = list(Office.objects.exclude(status=OfficeStatus.CLOSED).values_list("latitude", "longitude"))
    return nearest_km(lat, lon, points) or 0


def mission_plan(
    *,
    actor: Any,
    title: str,
    county: City,
    place: str,
    latitude: float,
    longitude: float,
    starts_on: date,
    ends_on: date,
    services: list[str],
    expected_demand: int,
    idempotency_key: str | None = None,
) -> Mission:
    """A province administrator (their province) or the Kanoon plans a mission."""
    if not can_plan(actor, county.province_id):
        raise PermissionDeniedError(
            _("Missions are planned by the Kanoon or the province's administrator."), code="not_a_planner"
        )
    payload = {
        "title": title,
        "county": county.pk,
        "place": place,
        "lat": latitude,
        "lon": longitude,
        "from": str(starts_on),
        "to": str(ends_on),
        "services": sorted(services),
        "demand": expected_demand,
    }
    if idempotency_key:
        existing = Mission.objects.filter(planned_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            check_replay(stored_fingerprint=existing.request_fingerprint, payload=payload)
            return existing
    errors: dict[str, list[Any]] = {}
    title = normalize_text(title)[:200]
    place = normalize_text(place)[:200]
    if not title:
        errors["title"] = [_("This field is required.")]
    if not place:
        errors["place"] = [_("This field is required.")]
    if not (24 <= latitude <= 40 and 44 <= longitude <= 64):
        errors["latitude"] = [_("The place must be inside Iran (latitude 24–40, longitude 44–64).")]
    if starts_on < _today():
        errors["starts_on"] = [_("A mission cannot start in the past.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    elif (ends_on - starts_on).days > 30:
        errors["ends_on"] = [_("A mission lasts at most 31 days.")]
    wanted = [s for s in dict.fromkeys(services) if s]
    if not wanted or any(s not in ServiceKind.values for s in wanted):
        errors["services"] = [_("Choose the services the mission offers.")]
    if isinstance(expected_demand, bool) or not isinstance(expected_demand, int) or expected_demand < 0:
        errors["expected_demand"] = [_("Enter a whole number, zero or more.")]
    if errors:
        raise DomainError(fields=errors, code="mission_invalid")
    return mission_create(
        actor=actor,
        title=title,
        county=county,
        place=place,
        latitude=latitude,
        longitude=longitude,
        starts_on=starts_on,
        ends_on=ends_on,
        services=wanted,
        expected_demand=expected_demand,
        idempotency_key=idempotency_key or "",
        request_fingerprint=fingerprint(payload) if idempotency_key else "",
    )


@transaction.atomic
def mission_create(
    *,
    actor: Any,
    title: str,
    county: City,
    place: str,
    latitude: float,
    longitude: float,
    starts_on: date,
    ends_on: date,
    services: list[str],
    expected_demand: int,
    idempotency_key: str = "",
    request_fingerprint: str = "",
) -> Mission:
    """Write a checked mission: finance's record (the ground of free services) and this app's.

    ``mission_plan`` checks the input first; the demo calls this directly for missions in the past.
    """
    finance_mission = OutreachMission.objects.create(
        name=title, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    mission = Mission.objects.create(
        finance_mission=finance_mission,
        province_id=county.province_id,
        county=county,
        place=place,
        latitude=latitude,
        longitude=longitude,
        distance_km=nearest_office_km(latitude, longitude),
        services=services,
        expected_demand=expected_demand,
        planned_by=actor,
        idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint,
    )
    audit.record(
        action="outreach.mission.planned",
        actor=actor,
        obj=mission,
        data={"county": county.code, "from": str(starts_on), "to": str(ends_on), "services": services},
    )
    return mission


def team_assign(*, mission: Mission, office: Office, actor: Any, user: Any = None) -> TeamMember:
    """The planner puts an office (and optionally one of its staff) on the team."""
    if not can_plan(actor, mission.province_id):
        if can_see(actor, mission):
            raise PermissionDeniedError(
                _("Only the mission's planners assign its team."), code="not_a_planner"
            )
        raise mission_not_found()
    if user is not None and not works_at_office(user, office):
        raise DomainError(fields={"user": [_("This person does not work at that office.")]}, code="not_staff")
    with transaction.atomic():
        current = Mission.objects.select_for_update().get(pk=mission.pk)
        if current.status not in (S.PLANNED, S.ASSIGNED):
            raise ConflictError(_("The team is fixed once it has confirmed."), code="team_fixed")
        member, created = TeamMember.objects.get_or_create(mission=current, office=office, user=user)
        if not created:
            raise ConflictError(_("Already on the team."), code="already_on_team")
        current.finance_mission.offices.add(office)
        audit.record(
            action="outreach.mission.team_assigned",
            actor=actor,
            obj=current,
            office=office,
            data={"office": office.code, "user": getattr(user, "pk", None)},
        )
        if current.status == S.PLANNED:
            transition(MISSION, current, S.ASSIGNED, actor=actor)
    return member


def team_confirm(*, mission: Mission, actor: Any) -> Mission:
    """An office's staff confirm their place on the team; all confirmed → the team is confirmed."""
    with transaction.atomic():
        current = Mission.objects.select_for_update().get(pk=mission.pk)
        mine = [
            m
            for m in current.team.select_related("office").filter(confirmed_at__isnull=True)
            if (m.user_id is None and is_office_staff(actor, m.office))
            or m.user_id == getattr(actor, "pk", None)
        ]
        if not mine:
            if not can_see(actor, current):
                raise mission_not_found()
            raise ConflictError(_("Nothing of yours is waiting to be confirmed."), code="nothing_to_confirm")
        if current.status != S.ASSIGNED:
            raise ConflictError(_("This mission is not waiting for its team."), code="not_assigned")
        now = timezone.now()
        TeamMember.objects.filter(pk__in=[m.pk for m in mine]).update(confirmed_at=now, confirmed_by=actor)
        for member in mine:
            audit.record(
                action="outreach.mission.team_confirmed",
                actor=actor,
                obj=current,
                office=member.office_id,
                data={"member": member.pk},
            )
        if not current.team.filter(confirmed_at__isnull=True).exists():
            current = transition(MISSION, current, S.CONFIRMED, actor=actor)
    return current


def mission_approve(*, mission: Mission, actor: Any, expected_status: str | None = None) -> Mission:
    """The Kanoon approves: the mission becomes a ground for free services (finance's approval)."""
    with transaction.atomic():
        moved = transition(MISSION, mission, S.APPROVED, actor=actor, expected_status=expected_status)
        outreach_mission_approve(mission=moved.finance_mission, actor=actor)
        mission_announce(mission=moved)
    return moved


def mission_hold(*, mission: Mission, actor: Any, expected_status: str | None = None) -> Mission:
    current = Mission.objects.select_related("finance_mission").get(pk=mission.pk)
    if _today() < current.starts_on:
        if not can_see(actor, current):
            raise mission_not_found()
        raise ConflictError(_("The mission's day has not come yet."), code="mission_not_started")
    return transition(MISSION, current, S.HELD, actor=actor, expected_status=expected_status)


def mission_cancel(
    *, mission: Mission, actor: Any, reason: str = "", expected_status: str | None = None
) -> Mission:
    return transition(
        MISSION,
        mission,
        S.CANCELLED,
        actor=actor,
        expected_status=expected_status,
        reason=normalize_text(reason),
    )


def report_deadline(mission: Mission) -> date:
    return mission.ends_on + timedelta(days=REPORT_WINDOW_DAYS)


def mission_report(
    *,
    mission: Mission,
    actor: Any,
    people_served: int,
    note: str,
    expected_status: str | None = None,
) -> Mission:
    """After the day, the team records what was delivered; refused after the window closes."""
    current = Mission.objects.select_related("finance_mission").get(pk=mission.pk)
    if not can_see(actor, current):
        raise mission_not_found()
    errors: dict[str, list[Any]] = {}
    if isinstance(people_served, bool) or not isinstance(people_served, int) or people_served < 0:
        errors["people_served"] = [_("Enter a whole number, zero or more.")]
    text = normalize_free_text(note)
    if len(text) < 10:
        errors["note"] = [_("Say what was delivered, in at least 10 characters.")]
    if errors:
        raise DomainError(fields=errors, code="report_invalid")
    if _today() > report_deadline(current):
        raise DomainError(
            _("The report was due within %(days)s days of the mission's last day; the window has closed.")
            % {"days": REPORT_WINDOW_DAYS},
            code="report_window_closed",
        )
    return transition(
        MISSION,
        current,
        S.REPORTED,
        actor=actor,
        expected_status=expected_status,
        changes={"people_served": people_served, "report_note": text[:4000]},
        audit_data={"people_served": people_served},
    )


def mission_transition(
    *, mission: Mission, actor: Any, action: str, expected_status: str | None = None
) -> Mission:
    """The API's transition endpoint: approve, hold or cancel."""
    if action not in ACTION_TARGET:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    if action == MissionAction.APPROVE:
        return mission_approve(mission=mission, actor=actor, expected_status=expected_status)
    if action == MissionAction.HOLD:
        return mission_hold(mission=mission, actor=actor, expected_status=expected_status)
    return mission_cancel(mission=mission, actor=actor, expected_status=expected_status)
