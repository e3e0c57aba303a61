"""The de-duplication job on Spark (local mode, the `spark` extra) finds what DuckDB finds."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks.dedupe_scale import Registry
from lifeline.matching.types import PersonRecord
from lifeline.registry.models import Person
from lifeline.tracing import dedupe
from lifeline.tracing.models import DuplicatePair

pytestmark = pytest.mark.django_db


def _person(record: PersonRecord) -> Person:
    name = record.names[0]
    person = Person(
        pk=record.id, surname=name.surname, given_name=name.given_name,
        patronymic=name.patronymic, sex=record.sex, birth_year=record.birth_year,
        birth_month=record.birth_month, birth_day=record.birth_day,
        place_of_birth=record.place_of_birth, unit=record.unit,
    )  # fmt: skip
    person.refresh_search_fields()
    return person


def _pairs(*options: str) -> dict[tuple[int, int], float]:
    out = StringIO()
    call_command("match", "dedupe", *options, stdout=out)
    pairs = dict(
        ((left, right), p)
        for left, right, p in DuplicatePair.objects.values_list(
            "left_id", "right_id", "probability"
        )
    )
    assert f"{len(pairs)} likely duplicate pairs" in out.getvalue()
    DuplicatePair.objects.all().delete()
    return pairs


@pytest.mark.slow
def test_lifeline_match_dedupe_on_spark_finds_the_pairs_duckdb_finds() -> None:
    registry = Registry(800, 0.1, seed=5)
    Person.objects.bulk_create(_person(r) for r in registry.records(dedupe.BLOCKING))
    on_duckdb = _pairs()
    on_spark = _pairs("--backend", "spark", "--spark-master", "local[1]")
    assert sorted(on_spark) == sorted(on_duckdb)
    assert [on_spark[pair] for pair in on_duckdb] == pytest.approx(list(on_duckdb.values()))
    assert len(on_spark.keys() & registry.planted.keys()) >= 0.9 * len(registry.planted) > 50


def test_a_spark_setting_must_be_key_equals_value() -> None:
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command("match", "dedupe", "--backend", "spark", "--spark-conf", "executor")


def test_without_the_spark_extra_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed
    with pytest.raises(CommandError, match=r"pip install 'lifeline\[spark\]'"):
        call_command("match", "dedupe", "--backend", "spark")


@pytest.mark.slow
def test_the_default_job_does_not_load_spark() -> None:
    """`make run` installs no pyspark: DuckDB's path must not import it."""
    code = (
        "import sys; sys.modules['pyspark'] = None; "
        "from lifeline.tracing import dedupe; "
        "from lifeline.matching.types import NameVariant, PersonRecord; "
        "r = [PersonRecord(id=i, names=(NameVariant('Kuzmin', 'Maksim', ''),), birth_year=1995) "
        "for i in (1, 2)]; "
        "print(len(dedupe.find_duplicates(r)))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "1"
