from typing import Any

from django.db import migrations, models

GENESIS = "0" * 64
SHARDS = 16  # AUDIT_SHARDS when this migration was written


def heads_for_every_shard(apps: Any, schema_editor: Any) -> None:
    """Chain 1 is the chain so far; chains 2..16 start empty, keyed from their first event."""
    head = apps.get_model("core", "AuditHead")
    db = schema_editor.connection.alias
    for shard in range(1, SHARDS + 1):
        head.objects.using(db).get_or_create(
            id=shard, defaults={"last_hash": GENESIS, "count": 0, "keyed_from": 0}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_key_rotation_and_closed"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="shard",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["shard", "id"], name="core_audit_shard_id"),
        ),
        migrations.RunPython(heads_for_every_shard, migrations.RunPython.noop),
    ]
