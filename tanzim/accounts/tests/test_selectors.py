"""Who reaches which office: scope_for, Scope.offices_q, can_act_for_office, home_kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment
from tanzim.accounts.selectors import active_roles, home_kind, scope_for
from tanzim.offices.models import City, Counter
from tanzim.testing.factories import OfficeFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

OFFICE_A_ONLY = ["clerk_a", "manager_a", "mediator_a", "arbitrator_a", "consultant_a"]
NATIONWIDE = ["kanoon_admin", "inspector", "partner"]


@pytest.fixture
def office_a2(personas):
    """A second office in office A's province (Tehran), in another city."""
    return OfficeFactory(city=City.objects.get(code="THR-02"), code="A0002")


def reached(user) -> set[int]:
    """Ids of the offices whose counters the user's scope filter lets through."""
    scope = scope_for(user)
    return set(Counter.objects.filter(scope.offices_q()).values_list("office_id", flat=True))


@pytest.mark.parametrize("name", OFFICE_A_ONLY)
def test_office_staff_of_office_a_reach_office_a_and_not_b(personas, office_a2, name):
    user = getattr(personas, name)
    scope = scope_for(user)

    assert scope.can_act_for_office(personas.office_a)
    assert not scope.can_act_for_office(personas.office_b)
    assert not scope.can_act_for_office(office_a2)
    assert reached(user) == {personas.office_a.pk}


def test_a_clerk_of_office_b_reaches_office_b_only(personas):
    scope = scope_for(personas.clerk_b)

    assert scope.can_act_for_office(personas.office_b)
    assert not scope.can_act_for_office(personas.office_a)
    assert reached(personas.clerk_b) == {personas.office_b.pk}


def test_a_province_admin_reaches_the_offices_of_their_province_only(personas, office_a2):
    scope = scope_for(personas.province_admin_a)

    assert scope.can_act_for_office(personas.office_a)
    assert scope.can_act_for_office(office_a2)
    assert not scope.can_act_for_office(personas.office_b)
    assert reached(personas.province_admin_a) == {personas.office_a.pk, office_a2.pk}


@pytest.mark.parametrize("name", NATIONWIDE)
def test_nationwide_roles_reach_every_office(personas, office_a2, name):
    user = getattr(personas, name)
    scope = scope_for(user)

    assert all(scope.can_act_for_office(o) for o in (personas.office_a, personas.office_b, office_a2))
    assert reached(user) == set(Counter.objects.values_list("office_id", flat=True))


@pytest.mark.parametrize("name", ["citizen", "other_citizen"])
def test_a_citizen_acts_for_no_office(personas, name):
    user = getattr(personas, name)
    scope = scope_for(user)

    assert not scope.can_act_for_office(personas.office_a)
    assert not scope.can_act_for_office(personas.office_b)
    assert reached(user) == set()
    assert not scope.is_staff_member


def test_an_anonymous_visitor_has_no_scope(personas):
    scope = scope_for(AnonymousUser())

    assert scope.roles == frozenset()
    assert not scope.can_act_for_office(personas.office_a)
    assert home_kind(AnonymousUser()) == "citizen"


def test_an_inspector_of_one_province_reaches_only_that_province(personas):
    inspector = give_role(UserFactory(), Role.INSPECTOR, province=personas.office_a.province)
    scope = scope_for(inspector)

    assert scope.can_act_for_office(personas.office_a)
    assert not scope.can_act_for_office(personas.office_b)
    assert reached(inspector) == {personas.office_a.pk}


def test_a_superuser_counts_as_a_kanoon_admin(personas):
    root = UserFactory(is_superuser=True)

    assert scope_for(root).is_kanoon
    assert scope_for(root).can_act_for_office(personas.office_b)
    assert home_kind(root) == "kanoon"


def test_an_expired_role_gives_nothing(personas):
    now = timezone.now()
    former = UserFactory()
    RoleAssignment.objects.create(
        user=former,
        role=Role.CLERK,
        office=personas.office_a,
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(days=1),
    )
    scope = scope_for(former)

    assert scope.roles == frozenset()
    assert not scope.can_act_for_office(personas.office_a)
    assert reached(former) == set()
    assert not active_roles(former).exists()
    assert home_kind(former) == "citizen"


def test_an_expired_kanoon_role_no_longer_reaches_everything(personas):
    now = timezone.now()
    former = UserFactory()
    RoleAssignment.objects.create(
        user=former,
        role=Role.KANOON_ADMIN,
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(seconds=1),
    )

    assert not scope_for(former).can_act_for_office(personas.office_a)
    assert reached(former) == set()


def test_a_role_starting_tomorrow_gives_nothing_yet(personas):
    future = UserFactory()
    RoleAssignment.objects.create(
        user=future, role=Role.CLERK, office=personas.office_a, valid_from=timezone.now() + timedelta(days=1)
    )

    assert not scope_for(future).can_act_for_office(personas.office_a)


def test_a_role_ends_exactly_at_its_valid_until(personas, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    temp = UserFactory()
    RoleAssignment.objects.create(
        user=temp,
        role=Role.CLERK,
        office=personas.office_a,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(hours=1),
    )
    assert scope_for(temp).can_act_for_office(personas.office_a)

    time_machine.shift(timedelta(hours=1))

    assert not scope_for(temp).can_act_for_office(personas.office_a)


def test_offices_q_can_be_limited_to_some_roles(personas):
    # Clerk in office A and mediator in office B: each role reaches its own office only.
    both = give_role(UserFactory(), Role.CLERK, office=personas.office_a)
    give_role(both, Role.MEDIATOR, office=personas.office_b)
    scope = scope_for(both)

    clerk_offices = Counter.objects.filter(scope.offices_q(Role.CLERK)).values_list("office_id", flat=True)
    assert set(clerk_offices) == {personas.office_a.pk}
    assert scope.can_act_for_office(personas.office_b, Role.MEDIATOR)
    assert not scope.can_act_for_office(personas.office_b, Role.CLERK)
    assert reached(both) == {personas.office_a.pk, personas.office_b.pk}


@pytest.mark.parametrize("name", [*NATIONWIDE, "province_admin_a", "clerk_a"])
def test_a_scope_filter_keeps_its_reach_when_or_ed_with_another_condition(personas, name):
    # An empty Q() would vanish in "scope | other" and leave only "other".
    scope = scope_for(getattr(personas, name))
    nothing_else = Q(pk__in=[])

    widened = set(
        Counter.objects.filter(scope.offices_q() | nothing_else).values_list("office_id", flat=True)
    )

    assert widened == reached(getattr(personas, name))


def test_offices_q_follows_a_custom_field_name(personas):
    scope = scope_for(personas.clerk_a)

    assignments = RoleAssignment.objects.filter(scope.offices_q(field_name="office"))

    assert {a.office_id for a in assignments} == {personas.office_a.pk}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("citizen", "citizen"),
        ("other_citizen", "citizen"),
        ("clerk_a", "office"),
        ("manager_a", "office"),
        ("clerk_b", "office"),
        ("mediator_a", "office"),
        ("arbitrator_a", "office"),
        ("consultant_a", "office"),
        ("inspector", "kanoon"),
        ("province_admin_a", "province"),
        ("kanoon_admin", "kanoon"),
        ("partner", "kanoon"),
    ],
)
def test_each_persona_lands_on_their_home_page(personas, name, kind):
    assert home_kind(getattr(personas, name)) == kind
