"""Database guards for the ledger.

PostgreSQL: a DEFERRABLE INITIALLY DEFERRED constraint trigger checks at commit that every
transaction has at least two entries and that its debits equal its credits; entries and
transactions cannot be updated or deleted (TRUNCATE, used by test flushes, is not affected).
SQLite: entries and transactions cannot be updated.
"""

from django.db import migrations

POSTGRES_UP = [
    """
CREATE OR REPLACE FUNCTION finance_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    txn_id bigint;
    total_debit bigint;
    total_credit bigint;
    lines integer;
BEGIN
    IF TG_TABLE_NAME = 'finance_entry' THEN
        txn_id := NEW.transaction_id;
    ELSE
        txn_id := NEW.id;
    END IF;
    SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0), COUNT(*)
      INTO total_debit, total_credit, lines
      FROM finance_entry WHERE transaction_id = txn_id;
    IF lines < 2 OR total_debit <> total_credit THEN
        RAISE EXCEPTION 'ledger transaction % is not balanced: debits %, credits %, % lines',
            txn_id, total_debit, total_credit, lines
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$
""",
    """
CREATE CONSTRAINT TRIGGER finance_entry_balanced
    AFTER INSERT ON finance_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_check_balanced()
""",
    """
CREATE CONSTRAINT TRIGGER finance_transaction_has_entries
    AFTER INSERT ON finance_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_check_balanced()
""",
    """
CREATE OR REPLACE FUNCTION finance_ledger_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '23514';
END;
$$
""",
    """
CREATE TRIGGER finance_entry_immutable
    BEFORE UPDATE OR DELETE ON finance_entry
    FOR EACH ROW EXECUTE FUNCTION finance_ledger_immutable()
""",
    """
CREATE TRIGGER finance_transaction_immutable
    BEFORE UPDATE OR DELETE ON finance_transaction
    FOR EACH ROW EXECUTE FUNCTION finance_ledger_immutable()
""",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS finance_transaction_immutable ON finance_transaction",
    "DROP TRIGGER IF EXISTS finance_entry_immutable ON finance_entry",
    "DROP FUNCTION IF EXISTS finance_ledger_immutable()",
    "DROP TRIGGER IF EXISTS finance_transaction_has_entries ON finance_transaction",
    "DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_entry",
    "DROP FUNCTION IF EXISTS finance_check_balanced()",
]

SQLITE_UP = [
    """CREATE TRIGGER finance_entry_immutable BEFORE UPDATE ON finance_entry
       BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
    """CREATE TRIGGER finance_transaction_immutable BEFORE UPDATE ON finance_transaction
       BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS finance_transaction_immutable",
    "DROP TRIGGER IF EXISTS finance_entry_immutable",
]


def forwards(apps, schema_editor):
    statements = {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    statements = {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
