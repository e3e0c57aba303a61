"""Conversation identity hashes move from SECRET_KEY to their own key (LIFELINE_LOOKUP_KEYS)."""

from typing import Any

from django.db import migrations

from lifeline.intake.inbox import conversations_rehash


def rehash(apps: Any, schema_editor: Any) -> None:
    conversations_rehash(model=apps.get_model("intake", "Conversation"))


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_bind_encrypted_values_to_rows")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
