"""Rank candidates by nomenklatura's logic-v2, for benchmarks/real_spellings.py.

Runs only in the benchmark's own environment (var/bench-venv, with nomenklatura installed;
the product never depends on it): `python logic_v2_runner.py input.json output.json`.
The input holds the registry records, the queries, and each query's candidate ids; the output
is each query's candidates as [record id, score], best first, at most `top_k`. Persons are
FollowTheMoney Person entities: name (given, patronymic, surname), firstName, fatherName,
lastName and birthDate (as much of the date as is known).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig


def _date(year: int | None, month: int | None, day: int | None) -> str | None:
    if not year:
        return None
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}"


def _entity(entity_id: str, names: list[dict[str, str]], date: str | None, text: str = "") -> Any:
    entity = model.make_entity("Person")
    entity.id = entity_id
    for name in names:
        full = " ".join(p for p in (name["given_name"], name["patronymic"], name["surname"]) if p)
        entity.add("name", full or None)
        entity.add("firstName", name["given_name"] or None)
        entity.add("fatherName", name["patronymic"] or None)
        entity.add("lastName", name["surname"] or None)
    if text:
        entity.add("name", text)
    entity.add("birthDate", date)
    return entity


def main(given: str, taken: str) -> None:
    data = json.loads(open(given, encoding="utf-8").read())  # noqa: SIM115
    records = {
        r["id"]: _entity(
            f"record-{r['id']}",
            r["names"],
            _date(r["birth_year"], r["birth_month"], r["birth_day"]),
        )
        for r in data["records"]
    }
    algorithm = get_algorithm("logic-v2")
    if algorithm is None:
        raise SystemExit("nomenklatura has no logic-v2")
    config = ScoringConfig.defaults()
    out = []
    for query, candidates in zip(data["queries"], data["candidates"], strict=True):
        names = (
            [{k: query[k] for k in ("surname", "given_name", "patronymic")}]
            if not query["text"]
            else []
        )
        entity = _entity(
            f"query-{query['qid']}",  # logic-v2 caches a name's analysis by entity id
            names,
            _date(query["birth_year"], query["birth_month"], query["birth_day"]),
            text=query["text"],
        )
        scored = [
            (rid, algorithm.compare(entity, records[rid], config).score) for rid in candidates
        ]
        scored.sort(key=lambda pair: -pair[1])
        out.append(scored[: data["top_k"]])
    with open(taken, "w", encoding="utf-8") as file:
        json.dump(out, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
