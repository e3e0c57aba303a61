"""The hook table: handlers named in settings run in order, with the caller's arguments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from lifeline.core.hooks import hook_handlers, hook_run

CALLS: list[tuple[str, dict[str, object]]] = []


def first(**kwargs: object) -> None:
    CALLS.append(("first", kwargs))


def second(**kwargs: object) -> None:
    CALLS.append(("second", kwargs))


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    CALLS.clear()
    hook_handlers.cache_clear()
    yield
    hook_handlers.cache_clear()


@override_settings(
    LIFELINE_HOOKS={"thing_done": [f"{__name__}.second", f"{__name__}.first"], "quiet": []}
)
def test_handlers_run_in_table_order_with_the_callers_arguments() -> None:
    hook_run("thing_done", pk=7)
    hook_run("quiet", pk=8)
    assert CALLS == [("second", {"pk": 7}), ("first", {"pk": 7})]


@override_settings(LIFELINE_HOOKS={"thing_done": []})
def test_a_name_missing_from_the_table_is_an_error_not_silence() -> None:
    with pytest.raises(KeyError, match="thing_dnoe"):
        hook_run("thing_dnoe", pk=1)
