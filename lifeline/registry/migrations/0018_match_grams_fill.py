"""Fill the trigrams of the surname skeletons the persons' match keys hold.

As `lifeline match reindex` does (`matchkeys.grams_rebuild`): one pass over the distinct "f:" keys,
about 100,000 skeletons and a million trigrams at a million persons.
"""

from django.db import migrations

from lifeline.matching import fuzzy

BATCH = 5000


def fill(apps, schema_editor):
    MatchKey = apps.get_model("registry", "MatchKey")
    MatchGram = apps.get_model("registry", "MatchGram")
    held = MatchKey.objects.filter(key__startswith="f:").values_list("key", flat=True)
    skeletons = sorted({key[2:] for key in held.distinct().iterator()})
    for start in range(0, len(skeletons), BATCH):
        rows = [
            MatchGram(gram=gram, skeleton=skeleton)
            for skeleton in skeletons[start : start + BATCH]
            for gram in sorted(fuzzy.grams(skeleton))
        ]
        MatchGram.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    schema_editor.execute(f"ANALYZE {MatchGram._meta.db_table}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0017_match_grams")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
