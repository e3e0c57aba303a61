"""The migration that creates the trigram table fills it from the keys already stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lifeline.matching import fuzzy

BEFORE = [("registry", "0017_match_grams")]
AFTER = [("registry", "0018_match_grams_fill")]


@pytest.mark.django_db(transaction=True)
def test_the_skeletons_of_the_stored_keys_get_their_trigrams() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    person = old.get_model("registry", "Person").objects.create(surname="Кузьминов")
    keys = old.get_model("registry", "MatchKey").objects
    keys.create(person=person, key="f:kusminov")
    keys.create(person=person, key="p:ksmnf")
    old.get_model("registry", "MatchGram").objects.all().delete()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from lifeline.registry.models import MatchGram

    grams = set(MatchGram.objects.values_list("gram", "skeleton"))
    assert grams == {(gram, "kusminov") for gram in fuzzy.grams("kusminov")}
