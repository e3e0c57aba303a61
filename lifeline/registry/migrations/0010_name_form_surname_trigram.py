"""On PostgreSQL, a trigram index for searching a part of a surname (LIKE '%...%').

pg_trgm is a trusted extension from PostgreSQL 13: the database's owner may create it, no
superuser needed (docs/deployment.md). SQLite, the demo's database, goes without: its registry
is small enough to scan.
"""

from django.db import migrations

INDEX = "registry_nameform_surname_folded_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_nameform "
        "USING gin (surname_folded gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_person_service_number_index")]

    operations = [migrations.RunPython(forwards, backwards)]
