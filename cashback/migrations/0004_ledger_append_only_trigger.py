"""On PostgreSQL, refuse UPDATE and DELETE of ledger rows in the database itself.

Entries are never updated or deleted (`domain-rules.md` §6.2.3), whatever the
interface: Django admin, a raw queryset, a shell. TRUNCATE (test flushes) fires
no row trigger. SQLite keeps the model-level guard only.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cashback_ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cashback_ledgerentry is append-only: ledger rows are never updated or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cashback_ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON cashback_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION cashback_ledger_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS cashback_ledger_entry_append_only ON cashback_ledgerentry;
DROP FUNCTION IF EXISTS cashback_ledger_entry_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cashback", "0003_ledger_keys_255_created_at_given_iiko_events"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
