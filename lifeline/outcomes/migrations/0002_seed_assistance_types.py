"""Seed the assistance catalogue with the four types the hotline offers from the start."""

from django.db import migrations

TYPES = [
    ("identity documents", "New or replacement identity documents."),
    ("amnesty or reward claim", "A claim under an amnesty or reward programme."),
    ("medical care", "Treatment, medicines, a medical check."),
    ("relocation", "Moving the person, and his family where needed, to a safe place."),
]


def seed(apps, schema_editor):
    AssistanceType = apps.get_model("outcomes", "AssistanceType")
    for order, (name, description) in enumerate(TYPES, start=1):
        AssistanceType.objects.get_or_create(
            name=name, defaults={"description": description, "order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
