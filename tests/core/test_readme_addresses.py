"""The README's table of addresses is true: each address answers for the role it names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import login_staff

README = Path(__file__).resolve().parents[2] / "README.md"
# The role the table names, and the test user who holds it (tests/conftest.py).
USERS = {
    "operator": "alice",
    "tracing officer": "bob",
    "supervisor": "carol",
    "registrar": "dave",
    "caseworker": "erin",
    "admin": "frank",
}


def readme_addresses() -> list[tuple[str, str]]:
    """(address, role) for every address in the README's table of addresses."""
    text = README.read_text()
    table = text.split("| where | who | what |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        where, who = (cell.strip() for cell in line.strip("|").split("|")[:2])
        rows.extend((address, who) for address in re.findall(r"`(/[^`]*)`", where))
    return rows


def test_the_table_is_read_and_names_a_known_role_for_each_address() -> None:
    rows = readme_addresses()
    assert len(rows) >= 15
    assert ("/console/outcomes/exchanges/", "supervisor") in rows
    assert {who for _address, who in rows} <= {*USERS, "public", "provider"}


@pytest.mark.django_db
@pytest.mark.parametrize(("address", "role"), readme_addresses())
def test_each_address_answers_for_its_role(address: str, role: str, request: Any) -> None:
    client = Client()
    if role == "provider":
        # A webhook answers its provider, and refuses a request that cannot prove it is one.
        response = client.post(address, data="{}", content_type="application/json")
        assert response.status_code not in {404, 500}, address
        return
    if role != "public":
        login_staff(client, request.getfixturevalue(USERS[role]))
    response = client.get(address, follow=True)
    assert response.status_code == 200, f"{address} as {role}: {response.status_code}"
