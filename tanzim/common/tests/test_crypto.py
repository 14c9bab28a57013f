"""Field encryption at rest: tokens, keys from the settings, rotation, the deployment check."""

from __future__ import annotations

import io

import pytest
from django.core.checks import Error
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from tanzim.cases.models import Case
from tanzim.cases.services import case_create
from tanzim.catalog.models import Service
from tanzim.common import crypto
from tanzim.common.checks import check_field_encryption_keys

KEY_OLD = crypto.generate_key()
KEY_NEW = crypto.generate_key()


def test_a_token_names_its_key_and_reads_back():
    token = crypto.encrypt("متن محرمانه")
    assert token.startswith(crypto.PREFIX)
    assert "محرمانه" not in token
    assert crypto.token_key_id(token) == crypto.keyring().current.key_id
    assert crypto.decrypt(token) == "متن محرمانه"


def test_equal_texts_give_different_tokens_and_blank_stays_blank():
    assert crypto.encrypt("same") != crypto.encrypt("same")
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


def test_plain_text_written_before_encryption_is_read_as_it_is():
    assert crypto.decrypt("an old plain value") == "an old plain value"


def test_an_altered_token_is_refused():
    token = crypto.encrypt("amount: 5,000,000 rials")
    body = token[len(crypto.PREFIX) + crypto.KEY_ID_HEX + 1 :]
    flipped = ("A" if body[5] != "A" else "B").join([body[:5], body[6:]])
    with pytest.raises(crypto.FieldDecryptionError):
        crypto.decrypt(token[: len(token) - len(body)] + flipped)


def test_a_token_cannot_be_moved_to_another_key_id(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    token = crypto.encrypt("text")
    other = crypto.keyring().keys[1].key_id
    with pytest.raises(crypto.FieldDecryptionError):
        crypto.decrypt(token.replace(crypto.token_key_id(token) or "", other, 1))


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    old = crypto.encrypt("written under the old key")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    assert crypto.decrypt(old) == "written under the old key"
    new = crypto.encrypt("written under the new key")
    assert crypto.token_key_id(new) == crypto.key_id(crypto.parse_key(KEY_NEW))
    assert crypto.token_key_id(new) != crypto.token_key_id(old)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    with pytest.raises(crypto.FieldDecryptionError, match="not in FIELD_ENCRYPTION_KEYS"):
        crypto.decrypt(old)


def test_without_keys_a_development_key_is_derived_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    ring = crypto.keyring()
    assert ring.derived
    token = crypto.encrypt("x")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    with pytest.raises(crypto.FieldDecryptionError):
        crypto.decrypt(token)


@pytest.mark.parametrize("bad", ["not base64 at all!", "c2hvcnQ="])
def test_a_malformed_key_is_refused_without_showing_it(settings, bad):
    settings.FIELD_ENCRYPTION_KEYS = [bad]
    with pytest.raises(ImproperlyConfigured) as refused:
        crypto.encrypt("x")
    assert bad not in str(refused.value)


# --- the deployment check -----------------------------------------------------------------------


def test_production_without_keys_fails_the_deployment_check(settings):
    settings.EMBEDDED = False
    settings.FIELD_ENCRYPTION_KEYS = []
    ids = [m.id for m in check_field_encryption_keys() if isinstance(m, Error)]
    assert ids == ["tanzim.E021"]


def test_production_with_keys_passes_and_a_bad_key_fails_it(settings):
    settings.EMBEDDED = False
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    assert check_field_encryption_keys() == []
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, "c2hvcnQ="]
    assert [m.id for m in check_field_encryption_keys()] == ["tanzim.E022"]


def test_the_embedded_mode_runs_on_the_derived_key(settings):
    settings.EMBEDDED = True
    settings.FIELD_ENCRYPTION_KEYS = []
    assert check_field_encryption_keys() == []


# --- the model field ----------------------------------------------------------------------------

CLAIM = "خوانده مبلغ پانصد میلیون ریال بابت قرارداد اجاره به من بدهکار است."


def _raw(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT claim_text FROM cases_case WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _set_raw(pk, value):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET claim_text = %s WHERE id = %s", [value, pk])


def _case(personas, claim_text=CLAIM):
    return case_create(
        actor=personas.citizen,
        service=Service.objects.get(code="civil_petition"),
        channel="semi_in_person",
        office=personas.office_a,
        title="مطالبه وجه",
        claim_text=claim_text,
    )


def test_the_column_holds_a_token_and_the_model_reads_text(personas):
    case = _case(personas)
    raw = _raw(case.pk)
    assert raw.startswith(crypto.PREFIX)
    assert "پانصد" not in raw
    assert Case.objects.get(pk=case.pk).claim_text == CLAIM
    assert Case.objects.filter(pk=case.pk).values_list("claim_text", flat=True)[0] == CLAIM


def test_a_blank_value_stays_blank_in_the_column(personas):
    case = _case(personas, claim_text="")
    assert _raw(case.pk) == ""
    assert Case.objects.get(pk=case.pk).claim_text == ""


def test_the_field_cannot_be_searched(personas):
    case = _case(personas)
    with pytest.raises(FieldError):
        Case.objects.filter(claim_text=CLAIM).exists()
    with pytest.raises(FieldError):
        Case.objects.filter(claim_text__icontains="پانصد").exists()
    assert Case.objects.filter(pk=case.pk, claim_text__isnull=False).exists()


# --- rotation -----------------------------------------------------------------------------------


def _rotate(*args):
    out = io.StringIO()
    call_command("rotate_field_keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_rotation_rewrites_every_value_under_the_newest_key_and_is_idempotent(settings, personas):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    cases = [_case(personas, claim_text=f"متن درخواست شماره {n}") for n in range(3)]
    old_id = crypto.keyring().current.key_id
    assert {crypto.token_key_id(_raw(c.pk)) for c in cases} == {old_id}
    _set_raw(cases[0].pk, "متن قدیمی")  # a row written before the field was encrypted

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    new_id = crypto.keyring().current.key_id
    with pytest.raises(CommandError, match="not under the newest key"):
        _rotate("--check")
    out = _rotate("--batch-size", "2")
    assert "cases.case.claim_text: 3 value(s), 3 rewritten" in out
    assert {crypto.token_key_id(_raw(c.pk)) for c in cases} == {new_id}
    assert "cases.case.claim_text: 3 value(s), 0 rewritten" in _rotate()
    assert "OK: all" in _rotate("--check")

    # The old key can go now: every value still reads.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    texts = sorted(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("claim_text", flat=True))
    assert texts == ["متن درخواست شماره 1", "متن درخواست شماره 2", "متن قدیمی"]


def test_rotation_leaves_a_value_edited_meanwhile_alone(settings, personas):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    case = _case(personas)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    rows = next(crypto._batches(Case, "claim_text", 100))
    # Someone saves the request between rotation's read and its write: the compare-and-set misses.
    Case.objects.filter(pk=case.pk).update(claim_text="edited")
    with connection.cursor() as cursor:
        for pk, raw in rows:
            cursor.execute(
                "UPDATE cases_case SET claim_text = %s WHERE id = %s AND claim_text = %s",
                [crypto.encrypt(crypto.decrypt(raw)), pk, raw],
            )
            assert cursor.rowcount == 0
    assert Case.objects.get(pk=case.pk).claim_text == "edited"
    assert crypto.reencrypt_column(Case, "claim_text").rewritten == 0


def test_the_data_migration_encrypts_rows_written_before_it(personas):
    from importlib import import_module

    from django.apps import apps

    case = _case(personas)
    _set_raw(case.pk, "نوشته پیش از رمزگذاری")
    migration = import_module("tanzim.cases.migrations.0005_claim_text_encrypted")
    migration.backwards(apps, None)  # and back: the reverse migration leaves plain text
    assert _raw(case.pk) == "نوشته پیش از رمزگذاری"
    migration.forwards(apps, None)
    assert _raw(case.pk).startswith(crypto.PREFIX)
    assert Case.objects.get(pk=case.pk).claim_text == "نوشته پیش از رمزگذاری"
    migration.backwards(apps, None)
    assert _raw(case.pk) == "نوشته پیش از رمزگذاری"


def test_generate_key_prints_a_usable_key(settings):
    key = _rotate("--generate-key").strip()
    assert len(crypto.parse_key(key)) == crypto.KEY_BYTES
    settings.FIELD_ENCRYPTION_KEYS = [key]
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
