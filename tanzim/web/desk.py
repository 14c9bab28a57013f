"""The links of "My desk": every page a user's roles open, grouped by what they are for.

The web app sits right of every domain app, so it is the one place that knows them all. A link
is listed only for the roles its page serves; the tests open every link of every persona.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.selectors import Scope
from tanzim.catalog.fees import schedule_is_stale
from tanzim.catalog.models import FeeSchedule
from tanzim.common.calendar import ESTIMATED, MISSING
from tanzim.common.desk import DeskLink
from tanzim.common.jalali import JalaliMonth, to_jalali_date
from tanzim.consult import desk as consult_desk
from tanzim.enforcement import desk as enforcement_desk
from tanzim.inspections import selectors as inspections
from tanzim.membership import desk as membership_desk
from tanzim.offices.models import Office
from tanzim.offices.selectors import working_calendar
from tanzim.outreach import desk as outreach_desk
from tanzim.partners import desk as partners_desk
from tanzim.ranking import selectors as ranking_selectors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STAFF = (Role.CLERK, Role.OFFICE_MANAGER)
OVERSIGHT = (Role.KANOON_ADMIN, Role.PROVINCE_ADMIN, Role.INSPECTOR)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    primary: bool = False


@dataclass
class Section:
    key: str
    title: StrOrPromise
    links: list[Link] = field(default_factory=list)

    def add(self, label: StrOrPromise, name: str, *args, primary: bool = False) -> None:
        self.links.append(Link(str(label), reverse(name, args=args), primary))

    def add_link(self, link: DeskLink) -> None:
        self.add(link.label, link.name, *link.args, primary=link.primary)


def _suffix(office: Office, offices: list[Office]) -> str:
    """Which office a link is for, when the user works in more than one."""
    return f" · {office.code}" if len(offices) > 1 else ""


def desk_sections(user: Any, scope: Scope, offices: list[Office]) -> list[Section]:
    """The sections of links for this scope; ``offices`` are the offices the user works in."""
    staff = scope.has(*STAFF)
    manager = scope.has(Role.OFFICE_MANAGER)
    oversight = scope.has(*OVERSIGHT)
    citizen = not scope.roles or scope.roles == {Role.CITIZEN}

    requests = Section("requests", _("Requests"))
    if staff:
        requests.add(_("Worklist"), "cases:worklist", primary=True)
        requests.add(_("New walk-in request"), "cases:walk-in")
        requests.add(_("Search requests"), "cases:search")
        requests.add(_("Identity checks of people abroad"), "web:identity-queue")
    if citizen:
        requests.add(_("Start a request"), "cases:start", primary=True)
        requests.add(_("My requests"), "cases:list")
        requests.add(_("Find an office"), "web:directory")

    appointments = Section("appointments", _("Appointments"))
    if citizen:
        appointments.add(_("Book an appointment"), "scheduling:find", primary=True)
        appointments.add(_("My appointments"), "scheduling:mine")
    if staff:
        for office in offices:
            which = _suffix(office, offices)
            appointments.add(str(_("Queue")) + which, "scheduling:queue", office.code)
            appointments.add(str(_("Today's appointments")) + which, "scheduling:office-day", office.code)
    if staff or oversight:
        appointments.add(_("Appointment figures"), "scheduling:metrics")

    disputes = Section("disputes", _("Disputes"))
    if staff:
        disputes.add(_("Dispute board"), "disputes:board", primary=True)
        disputes.add(_("New dispute"), "disputes:new")
    if scope.has(Role.MEDIATOR, Role.ARBITRATOR):
        disputes.add(_("My sessions and cases"), "disputes:docket", primary=True)
    if staff or oversight:
        disputes.add(_("Dispute figures"), "disputes:overview")
    if citizen:
        disputes.add(_("My disputes"), "disputes:mine")
        disputes.add(_("Join a dispute with a code"), "disputes:join")

    money = Section("money", _("Money"))
    money.add(_("Payments"), "finance:payments")
    if manager or scope.has(Role.KANOON_ADMIN, Role.PROVINCE_ADMIN):
        money.add(_("Statements"), "finance:statements")
    if scope.has(Role.KANOON_ADMIN):
        money.add(_("The Kanoon's accounts"), "finance:kanoon")
        money.add(_("Settlements"), "finance:settlements")

    quality = Section("quality", _("Surveys, complaints and inspections"))
    if manager or oversight:
        quality.add(_("Survey results"), "feedback:results")
    if scope.has(Role.KANOON_ADMIN, Role.PROVINCE_ADMIN, Role.INSPECTOR):
        quality.add(_("Complaints to handle"), "feedback:complaint-worklist")
        quality.add(_("Inspection plan"), "inspections:plan")
        quality.add(_("Free services"), "inspections:free-services")
    if manager or oversight:
        quality.add(_("Inspections"), "inspections:index")
    if manager:
        quality.add(_("Corrective actions"), "inspections:actions")
    if citizen:
        quality.add(_("My complaints"), "feedback:complaints")
        quality.add(_("File a complaint"), "feedback:complaint-new")

    ranking = Section("ranking", _("Ranking"))
    if oversight:
        ranking.add(_("Ranking runs"), "ranking:runs", primary=True)
        ranking.add(_("Ranking policy"), "ranking:policy")
    if manager:
        for office in offices:
            if ranking_selectors.has_result(user=user, code=office.code):
                ranking.add(str(_("Our ranking")) + _suffix(office, offices), "ranking:office", office.code)
    ranking.add(_("Public ranking"), "ranking:public")

    sections = [requests, appointments, disputes]
    # The newer apps declare their own links (tanzim/<app>/desk.py): one section each.
    for app in APP_DESKS:
        section = Section(app.__name__.split(".")[1], app.TITLE)
        for link in app.links(user=user, scope=scope, offices=offices):
            section.add_link(link)
        sections.append(section)
    sections += [money, quality, ranking]
    return [s for s in sections if s.links]


APP_DESKS = (consult_desk, partners_desk, enforcement_desk, outreach_desk, membership_desk)


@dataclass(frozen=True)
class Alert:
    """One line of the desk's alerts, with the page that puts it right (if there is one)."""

    text: str
    url: str = ""

    def __str__(self) -> str:
        return self.text


def desk_alerts(scope: Scope) -> list[Alert]:
    """What the Kanoon must put right before it misleads anyone: this year's tariff and holidays;
    and what it must look into: offices at their free-service cap, free services without evidence."""
    if not scope.is_kanoon:
        return []
    alerts: list[str] = []
    today = timezone.localdate()
    year = to_jalali_date(today).year
    schedule = FeeSchedule.objects.filter(effective_from__lte=today).order_by("-effective_from").first()
    if schedule is None or schedule_is_stale(schedule, today):
        alerts.append(
            str(
                _("No tariff has been entered for %(year)s: quotes use the %(old)s tariff and say so.")
                % {"year": year, "old": schedule.year if schedule else "—"}
            )
        )
    calendar = working_calendar()
    for jalali_year in (year, year + 1):
        status = calendar.lunar_status(jalali_year)
        if status == MISSING:
            alerts.append(
                str(
                    _("The lunar holidays of %(year)s are missing: deadlines reaching that year are flagged.")
                    % {"year": jalali_year}
                )
            )
        elif status == ESTIMATED:
            alerts.append(
                str(
                    _("The lunar holidays of %(year)s are estimates: confirm them when they are announced.")
                    % {"year": jalali_year}
                )
            )
    return [Alert(text) for text in alerts] + free_service_alerts(scope)


MOST_OFFICES_NAMED = 5  # an alert names this many offices, then says how many more


def _codes(offices: list[Office]) -> str:
    codes = ", ".join(o.code for o in offices[:MOST_OFFICES_NAMED])
    return codes + ("…" if len(offices) > MOST_OFFICES_NAMED else "")


def free_service_alerts(scope: Scope) -> list[Alert]:
    """Offices that reached their free-service cap this month (note to art. 505 CPC), and the sampled
    free services of this month or the last found without valid evidence, each with its page."""
    now = timezone.now()
    month = JalaliMonth.of(now)
    language = get_language() or "fa"
    alerts = []
    capped = [
        row.office for row in inspections.free_service_months_in(scope=scope, month=month) if row.cap_reached
    ]
    if capped:
        text = ngettext(
            "%(n)s office reached its free-service cap in %(month)s: %(codes)s.",
            "%(n)s offices reached their free-service cap in %(month)s: %(codes)s.",
            len(capped),
        ) % {"n": len(capped), "month": month.label(language), "codes": _codes(capped)}
        alerts.append(Alert(text, f"{reverse('inspections:free-services')}?month={month}&capped=1"))
    since = month.previous().bounds_utc()[0]
    failures = inspections.free_service_failures_in(scope=scope, checked_since=since)
    for office, key, n in failures[:MOST_OFFICES_NAMED]:
        sampled = JalaliMonth.from_key(key)
        text = ngettext(
            "%(n)s sampled free service of office %(code)s (%(month)s) has no valid evidence.",
            "%(n)s sampled free services of office %(code)s (%(month)s) have no valid evidence.",
            n,
        ) % {"n": n, "code": office.code, "month": sampled.label(language)}
        alerts.append(Alert(text, reverse("inspections:free-service-office", args=[office.code, key])))
    if len(failures) > MOST_OFFICES_NAMED:
        more = len(failures) - MOST_OFFICES_NAMED
        text = ngettext(
            "And %(n)s more office with free services without valid evidence.",
            "And %(n)s more offices with free services without valid evidence.",
            more,
        ) % {"n": more}
        alerts.append(Alert(text, f"{reverse('inspections:free-services')}?month={month.previous()}"))
    return alerts
