"""On PostgreSQL, trigram indexes for searching part of a surname or given name (LIKE '%...%').

pg_trgm is a trusted extension from PostgreSQL 13: the database's owner may create it, no
superuser needed (docs/deployment.md). SQLite, the demo's database, goes without: its registry
is small enough to scan.
"""

from django.db import migrations

COLUMNS = ("surname_folded", "given_name_folded")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS registry_nameform_{column}_trgm ON registry_nameform "
            f"USING gin ({column} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS registry_nameform_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_person_service_number_index")]

    operations = [migrations.RunPython(forwards, backwards)]
