"""PostgreSQL for the test suite: Django's backend, with a flush that deletes rows.

A test outside a transaction (``transaction=True``, ``live_server``) ends with Django's flush,
and the root conftest flushes once more to put the reference data back. On PostgreSQL Django
flushes with one ``TRUNCATE`` of every table (~190 here), which gives each table new files and
syncs them to disk: about 6.5 s a flush on these machines, twice per such test. The test tables
hold a few rows, so deleting them is a few milliseconds. The deletes run with
``session_replication_role = replica`` for the flush's transaction only, so neither the foreign
keys' triggers nor the ledger's append-only triggers (finance/migrations/0002) stop them; every
table of the database is emptied at once, so no reference is left dangling.

That setting needs a superuser (the test databases here are made by one). Without it, or for a
partial flush that asks to cascade, this is Django's ``TRUNCATE`` unchanged. Used only by
config/test_settings.py on the PostgreSQL pass; production uses Django's backend as it is.
"""

from __future__ import annotations

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or allow_cascade or not self.connection.is_superuser():
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        sql = ["SET LOCAL session_replication_role = replica;"]
        sql += [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608 (table names)
        if reset_sequences:
            wanted = set(tables)
            sequences = [s for s in self.connection.introspection.sequence_list() if s["table"] in wanted]
            sql += self.sequence_reset_by_name_sql(style, sequences)
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _superuser: bool | None = None

    def is_superuser(self) -> bool:
        if self._superuser is None:
            with self.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
            self._superuser = bool(row and row[0])
        return self._superuser
