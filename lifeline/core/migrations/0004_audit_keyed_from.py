from typing import Any

from django.db import migrations, models


def existing_events_stay_unkeyed(apps: Any, schema_editor: Any) -> None:
    """Events written before the chain was keyed keep their plain SHA-256 digests.

    The chain is keyed from the next event on: `audit verify` checks the first `keyed_from`
    events with SHA-256 and the rest with HMAC.
    """
    head = apps.get_model("core", "AuditHead")
    head.objects.using(schema_editor.connection.alias).update(keyed_from=models.F("count"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_detail_person"),
    ]

    operations = [
        migrations.AddField(
            model_name="audithead",
            name="keyed_from",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(existing_events_stay_unkeyed, migrations.RunPython.noop),
    ]
