"""Encryption of sensitive text at rest: AES-256-GCM with keys from the environment, and rotation.

``FIELD_ENCRYPTION_KEYS`` (settings, from the environment or ``FIELD_ENCRYPTION_KEYS_FILE``) is a
comma-separated list of 32-byte keys in URL-safe base64 (``manage.py rotate_field_keys
--generate-key`` prints one). The **first** key encrypts; **every** key decrypts. A key's id is the
first 8 hex digits of its SHA-256, written into each value, so a value names the key it needs.
Without keys (the embedded mode, the tests, tools) a development key derived from ``SECRET_KEY``
is used; the deployment check ``tanzim.E021`` refuses a production site without keys of its own.

A stored value is a versioned token::

    $tz1$<key id>$<URL-safe base64 of nonce (12 bytes) + ciphertext + GCM tag>

The key id and version are authenticated too (associated data), so a token cannot be moved to
another key's name. The empty string is stored as itself (a blank field stays blank).

``EncryptedTextField`` encrypts on save and decrypts on read. It is **not searchable**: every
lookup but ``isnull`` raises ``FieldError``, since a random nonce makes equal texts differ. A value
that is not a token (a row written before its field was encrypted) is read as plain text;
``reencrypt_column`` (used by the data migrations and ``manage.py rotate_field_keys``) rewrites
every value that is not under the newest key, in batches, and is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction

PREFIX = "$tz1$"
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_HEX = 8
# The development key of the embedded mode and the tests: derived from SECRET_KEY, never for production.
_DEV_KEY_CONTEXT = b"tanzim field encryption (development key, derived from SECRET_KEY)"


class FieldDecryptionError(Exception):
    """A stored token could not be decrypted: its key is not configured, or it was altered."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    aead: AESGCM


@dataclass(frozen=True)
class Keyring:
    keys: tuple[FieldKey, ...]
    derived: bool  # True: the development key derived from SECRET_KEY (no FIELD_ENCRYPTION_KEYS)

    @property
    def current(self) -> FieldKey:
        return self.keys[0]

    def get(self, key_id: str) -> FieldKey | None:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        return None


def generate_key() -> str:
    """A new random key, as FIELD_ENCRYPTION_KEYS holds it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_HEX]


def parse_key(text: str) -> bytes:
    """A key from its URL-safe base64 text; ImproperlyConfigured (naming no key material) if invalid."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii") + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not URL-safe base64."
        ) from exc
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"Each key in FIELD_ENCRYPTION_KEYS must be {KEY_BYTES} bytes (URL-safe base64, 44 characters); "
            f"one is {len(raw)} bytes. manage.py rotate_field_keys --generate-key prints one."
        )
    return raw


@lru_cache(maxsize=8)
def _keyring(configured: tuple[str, ...], secret_key: str) -> Keyring:
    if configured:
        raws = [parse_key(text) for text in configured]
        derived = False
    else:
        raws = [hashlib.sha256(_DEV_KEY_CONTEXT + b"\0" + secret_key.encode("utf-8")).digest()]
        derived = True
    keys: list[FieldKey] = []
    for raw in raws:
        kid = key_id(raw)
        if any(k.key_id == kid for k in keys):
            continue  # the same key listed twice
        keys.append(FieldKey(kid, AESGCM(raw)))
    return Keyring(tuple(keys), derived)


def keyring() -> Keyring:
    configured = tuple(str(k) for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if str(k).strip())
    return _keyring(configured, str(settings.SECRET_KEY))


def _aad(key_id: str) -> bytes:
    return f"{PREFIX}{key_id}".encode("ascii")


def is_token(value: str) -> bool:
    return value.startswith(PREFIX)


def token_key_id(value: str) -> str | None:
    """The id of the key a token was encrypted with (None for plain text)."""
    if not is_token(value):
        return None
    parts = value[len(PREFIX) :].split("$", 1)
    return parts[0] if len(parts) == 2 else None


def encrypt(plaintext: str) -> str:
    """A token for ``plaintext`` under the newest key ("" stays "")."""
    if plaintext == "":
        return ""
    key = keyring().current
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(key.key_id))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}{key.key_id}${body}"


def decrypt(value: str) -> str:
    """The text of a token; a value that is not a token is returned as it is (not yet encrypted)."""
    if not is_token(value):
        return value
    kid = token_key_id(value)
    key = keyring().get(kid) if kid else None
    if key is None:
        raise FieldDecryptionError(
            f"A value is encrypted with key {kid!r}, which is not in FIELD_ENCRYPTION_KEYS "
            "(an old key removed before manage.py rotate_field_keys finished?)."
        )
    body = value[len(PREFIX) + len(key.key_id) + 1 :]
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        plain = key.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(key.key_id))
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise FieldDecryptionError(f"A value encrypted with key {kid!r} was altered or truncated.") from exc
    return plain.decode("utf-8")


def is_current(value: str | None) -> bool:
    """Blank, or a token under the newest key: nothing for rotation to do."""
    return not value or token_key_id(value) == keyring().current.key_id


if TYPE_CHECKING:
    _TextField = models.TextField[str, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """Free text encrypted at rest (AES-256-GCM); decrypted on read; not searchable.

    ``max_length`` (optional) bounds the plain text in forms and serializers, as for a TextField;
    the column is ``text`` whatever it is, since the token is longer than the text.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # An encrypted value cannot be compared, ordered by text or searched: only "is it null".
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, name: str) -> Any:
        return None


# --- re-encrypting stored values (data migrations, rotation) ---------------------------------


@dataclass
class ColumnReport:
    label: str
    field: str
    scanned: int = 0
    rewritten: int = 0
    pending: int = 0  # dry run: values that would be rewritten


def encrypted_fields() -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every (model, field) of an installed, concrete model whose field is an EncryptedTextField."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def _batches(model: type[models.Model], column: str, batch_size: int) -> Iterator[list[tuple[Any, str]]]:
    db = router.db_for_write(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    col = qn(column)
    last: Any = None
    while True:
        where = f"{col} IS NOT NULL AND {col} <> ''"
        params: list[Any] = []
        if last is not None:
            where += f" AND {pk} > %s"
            params.append(last)
        # The names are quoted by the backend, the values are parameters.
        sql = f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _column(model: type[models.Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    column = getattr(field, "column", None)
    if not column:
        raise ValueError(f"{model._meta.label}.{field_name} has no column")
    return str(column)


def reencrypt_column(
    model: type[models.Model], field_name: str, *, batch_size: int = 500, dry_run: bool = False
) -> ColumnReport:
    """Rewrite every value of one column that is not under the newest key (plain text included).

    Reads the raw column (not through the field), one batch of primary keys at a time, and writes
    each value with a compare-and-set (``WHERE pk = … AND col = old``), so a row edited meanwhile
    is left to its new, already current value. Running it twice rewrites nothing the second time.
    Works on the historical models of a migration too.
    """
    column = _column(model, field_name)
    report = ColumnReport(model._meta.label_lower, field_name)
    db = router.db_for_write(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    update = (
        f"UPDATE {qn(model._meta.db_table)} SET {qn(column)} = %s "  # noqa: S608 (quoted names)
        f"WHERE {qn(model._meta.pk.column)} = %s AND {qn(column)} = %s"
    )
    for rows in _batches(model, column, batch_size):
        report.scanned += len(rows)
        stale = [(pk, raw) for pk, raw in rows if not is_current(raw)]
        if dry_run:
            report.pending += len(stale)
            continue
        if not stale:
            continue
        with transaction.atomic(using=db), connection.cursor() as cursor:
            for pk, raw in stale:
                cursor.execute(update, [encrypt(decrypt(raw)), pk, raw])
                report.rewritten += cursor.rowcount
    return report


def decrypt_column(model: type[models.Model], field_name: str, *, batch_size: int = 500) -> int:
    """The reverse of a data migration: every token of the column back to plain text."""
    column = _column(model, field_name)
    db = router.db_for_write(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    update = (
        f"UPDATE {qn(model._meta.db_table)} SET {qn(column)} = %s "  # noqa: S608 (quoted names)
        f"WHERE {qn(model._meta.pk.column)} = %s AND {qn(column)} = %s"
    )
    done = 0
    for rows in _batches(model, column, batch_size):
        with transaction.atomic(using=db), connection.cursor() as cursor:
            for pk, raw in rows:
                if is_token(raw):
                    cursor.execute(update, [decrypt(raw), pk, raw])
                    done += cursor.rowcount
    return done


def encrypt_columns_migration(*fields: tuple[str, str, str]) -> Sequence[Any]:
    """(forwards, backwards) for a RunPython that encrypts existing rows: fields as (app, model, field)."""

    def forwards(app_registry: Any, schema_editor: Any) -> None:
        for app_label, model_name, field_name in fields:
            reencrypt_column(app_registry.get_model(app_label, model_name), field_name)

    def backwards(app_registry: Any, schema_editor: Any) -> None:
        for app_label, model_name, field_name in fields:
            decrypt_column(app_registry.get_model(app_label, model_name), field_name)

    return forwards, backwards
