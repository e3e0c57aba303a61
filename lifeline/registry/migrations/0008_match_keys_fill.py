"""Fill the match keys of the persons already in the registry, in batches.

The keys are the running code's (lifeline.matching.blocking), as `lifeline match reindex`
makes them; a later change to the key rules is a reindex, not a migration. About 1,000 persons
a second: some 20 minutes for a million.
"""

from django.db import migrations
from django.db.models import Prefetch

from lifeline.matching import NameVariant, PersonRecord, blocking

BATCH = 2000


def _record(person):
    names = [NameVariant(f.surname, f.given_name, f.patronymic) for f in person.name_forms.all()]
    primary = NameVariant(person.surname, person.given_name, person.patronymic)
    if primary not in names:
        names.insert(0, primary)
    return PersonRecord(
        id=person.pk,
        names=tuple(names),
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        unit=person.unit,
        place_of_birth=person.place_of_birth,
    )


def fill(apps, schema_editor):
    Person = apps.get_model("registry", "Person")
    NameForm = apps.get_model("registry", "NameForm")
    MatchKey = apps.get_model("registry", "MatchKey")
    MatchKeyRules = apps.get_model("registry", "MatchKeyRules")
    forms = Prefetch("name_forms", queryset=NameForm.objects.order_by("-is_primary", "id"))
    cursor = 0
    while True:
        persons = list(
            Person.objects.filter(pk__gt=cursor, merged_into__isnull=True)
            .only(
                "pk", "surname", "given_name", "patronymic", "sex", "birth_year", "birth_month",
                "birth_day", "unit", "place_of_birth",
            )
            .order_by("pk")
            .prefetch_related(forms)[:BATCH]
        )
        if not persons:
            break
        rows = [
            MatchKey(person_id=p.pk, key=key)
            for p in persons
            for key in sorted(blocking.record_keys(_record(p)))
        ]
        MatchKey.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        cursor = persons[-1].pk
    MatchKeyRules.objects.all().delete()
    MatchKeyRules.objects.create(version=blocking.key_rules_version())
    # Fresh planner statistics: without them a search plans as over an empty table (a 4x
    # slower search at a million persons, until autovacuum next runs).
    schema_editor.execute(f"ANALYZE {MatchKey._meta.db_table}")


class Migration(migrations.Migration):
    # Each batch commits on its own: a long fill interrupted is run again, skipping what exists.
    atomic = False
    dependencies = [("registry", "0007_match_keys")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
