"""The migration that creates the key table fills it for the persons already registered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lifeline.matching import blocking

BEFORE = [("registry", "0007_match_keys")]
AFTER = [("registry", "0008_match_keys_fill")]


@pytest.mark.django_db(transaction=True)
def test_existing_persons_get_their_keys_and_a_merged_one_none() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    person_model = old.get_model("registry", "Person")
    form_model = old.get_model("registry", "NameForm")
    kept = person_model.objects.create(surname="Кузьминов", given_name="Максим", birth_year=1995)
    form_model.objects.create(person=kept, surname="Kusminow", given_name="Maxim", script="latn")
    person_model.objects.create(surname="Петров", merged_into=kept)
    old.get_model("registry", "MatchKey").objects.all().delete()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from lifeline.registry.matchkeys import keys_state
    from lifeline.registry.models import MatchKey

    keys = set(MatchKey.objects.values_list("person", "key"))
    assert {p for p, _key in keys} == {kept.pk}
    assert (kept.pk, "f:kusminov") in keys and (kept.pk, "gy:maksim:1995") in keys
    assert not keys_state().stale and keys_state().stored == blocking.key_rules_version()
