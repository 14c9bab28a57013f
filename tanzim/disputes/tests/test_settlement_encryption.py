"""Settlement terms and obligations are encrypted at rest; what the parties signed still verifies
after the keys are rotated (issue 13, 13)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from tanzim.common import crypto
from tanzim.disputes import services
from tanzim.disputes.models import Obligation, Settlement
from tanzim.disputes.services.settlement import settlement_content_hash
from tanzim.testing.disputes import to_mediation, two_instalments

pytestmark = pytest.mark.django_db

DUE = (date(2027, 1, 5), date(2027, 2, 4))
TERMS = "طرفین توافق کردند مهریه در دو قسط پرداخت شود و دعوا مسترد گردد."


def _column(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    return settings


@pytest.fixture
def settlement(first_key, personas, clock):
    dispute = to_mediation(personas)
    drafted = services.settlement_draft(
        dispute=dispute, actor=personas.mediator_a, terms=TERMS, obligations=two_instalments(*DUE)
    )
    return services.settlement_open(settlement=drafted, actor=personas.mediator_a)


def test_terms_and_obligations_are_tokens_in_the_database(settlement):
    raw_terms = _column("disputes_settlement", "terms", settlement.pk)
    assert raw_terms.startswith(crypto.PREFIX) and "مهریه" not in raw_terms
    for obligation in Obligation.objects.filter(settlement=settlement):
        raw = _column("disputes_obligation", "description", obligation.pk)
        assert raw.startswith(crypto.PREFIX) and "قسط" not in raw
    reread = Settlement.objects.get(pk=settlement.pk)
    assert reread.terms == TERMS
    assert [o.description for o in reread.obligations.order_by("position")] == [
        "قسط اول مهریه",
        "قسط دوم مهریه",
    ]


def test_the_signed_fingerprint_survives_a_key_rotation(first_key, settlement):
    settings = first_key
    frozen = Settlement.objects.get(pk=settlement.pk).content_hash
    assert frozen == settlement_content_hash(Settlement.objects.get(pk=settlement.pk))
    before = _column("disputes_settlement", "terms", settlement.pk)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_field_keys", stdout=io.StringIO(), stderr=io.StringIO())
    after = _column("disputes_settlement", "terms", settlement.pk)
    assert after != before and crypto.token_key_id(after) == crypto.keyring().current.key_id
    assert settlement_content_hash(Settlement.objects.get(pk=settlement.pk)) == frozen
