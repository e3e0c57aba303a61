"""Fixtures for tracing tests: enquiries and persons."""

from __future__ import annotations

from typing import Any

import pytest

from lifeline.cases.models import Case
from lifeline.core.actors import SYSTEM
from lifeline.registry.models import Person
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services.enquiries import enquiry_open
from tests.cases.helpers import create_case
from tests.registry.conftest import create_person


def create_enquiry(case: Case | None = None, **data: Any) -> Enquiry:
    """An enquiry opened by the system on a (new) family-enquiry case with a web conversation."""
    fields: dict[str, Any] = {
        "enquirer_name": "Кузьминова Ольга",
        "relationship": "mother",
        "sought_surname": "Kuzminov",
        "sought_given_name": "Maksim",
        "sought_birth_year": 1995,
    }
    fields.update(data)
    case = case or create_case("family_enquiry", inbound="Ищу сына")
    return enquiry_open(actor=SYSTEM, case=case, data=fields)


def create_distractors() -> list[Person]:
    """A few persons who are not Кузьминов Максим."""
    return [
        create_person(surname="Шевченко", given_name="Олександр", birth_year=1990),
        create_person(surname="Петров", given_name="Иван", birth_year=1988),
        create_person(surname="Smirnov", given_name="Pavel", birth_year=1995),
    ]


@pytest.fixture
def sought(db: Any) -> Person:
    """Кузьминов Максим Сергеевич, 14.03.1995, in the registry among distractors."""
    create_distractors()
    return create_person(birth_year=1995, birth_month=3, birth_day=14, unit="в/ч 12345")
