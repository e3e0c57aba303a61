"""Helpers for registry tests: persons and sources made through the services."""

from __future__ import annotations

from typing import Any

import pytest

from lifeline.core.actors import SYSTEM
from lifeline.registry.models import Person, Source
from lifeline.registry.services import source_create
from tests.factories import create_person, login_staff

__all__ = ["create_person", "create_source"]


def create_source(title: str = "Список обмена №12", **extra: Any) -> Source:
    values: dict[str, Any] = {"kind": Source.Kind.OFFICIAL_LIST, "reliability": "high"}
    values.update(extra)
    return source_create(actor=SYSTEM, title=title, **values)


@pytest.fixture
def person(db: Any) -> Person:
    return create_person(
        birth_year=1995, birth_month=3, birth_day=14, unit="в/ч 12345", rank="рядовой"
    )


@pytest.fixture
def source(db: Any) -> Source:
    return create_source()


# The registry person the import and list tests' files name on their first row.
@pytest.fixture
def kuzminov(db: Any) -> Person:
    return create_person(
        surname="Кузьминов",
        given_name="Максим",
        patronymic="Сергеевич",
        birth_year=1995,
        birth_month=3,
        birth_day=14,
        unit="в/ч 12345",
    )


@pytest.fixture
def registrar(client: Any, dave: Any) -> Any:
    login_staff(client, dave)
    return client
