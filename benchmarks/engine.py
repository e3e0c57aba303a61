"""Turn evaluation queries into the matching engine's queries, through its public API only."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from benchmarks.evalset import EvalQuery
from lifeline.matching.types import NameVariant, Query

_FIELDS = ("surname", "given_name", "patronymic", "birth_year", "birth_month", "birth_day")


def engine_query(query: EvalQuery) -> Query:
    """A letter goes through `parse_free_text`; form fields through `query_from_fields`.

    If `query_from_fields` does not take the fields by these names, the Query is built directly
    from the data types, which the engine must accept anyway.
    """
    import lifeline.matching as matching

    if query.text:
        return matching.parse_free_text(query.text)  # type: ignore[attr-defined, no-any-return]
    values: dict[str, Any] = {name: getattr(query, name) for name in _FIELDS}
    accepted = _query_from_fields_parameters()
    if accepted is not None and {"surname", "given_name"} <= accepted:
        kwargs = {k: v for k, v in values.items() if k in accepted}
        return matching.query_from_fields(**kwargs)  # type: ignore[attr-defined, no-any-return]
    return Query(
        names=(NameVariant(query.surname, query.given_name, query.patronymic),),
        birth_year=query.birth_year,
        birth_month=query.birth_month,
        birth_day=query.birth_day,
    )


@cache
def _query_from_fields_parameters() -> frozenset[str] | None:
    import lifeline.matching as matching

    function = getattr(matching, "query_from_fields", None)
    if function is None:
        return None
    return frozenset(inspect.signature(function).parameters)
