"""The console's dashboard and its CSV/XLSX exports: who may see them, and that they agree."""

from __future__ import annotations

import base64
import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from lifeline.core.models import AuditEvent
from lifeline.reports.exports import safe_cell
from lifeline.reports.selectors import DASHBOARD_TABLES, Table, period_start
from tests.factories import login_staff
from tests.reports.helpers import create_case, create_contact, create_enquiry, create_people

pytestmark = pytest.mark.django_db

REFUSED = ["alice", "bob", "dave", "erin", "mallory"]
ALLOWED = ["carol", "frank"]


@pytest.fixture
def data(db: Any) -> None:
    start = period_start(12)
    create_contact("web", start)
    create_contact("telegram", start)
    create_case("surrender")
    create_enquiry(start)
    create_people(6, "held", "confirmed")


def _staff(client: Client, user: Any) -> Client:
    login_staff(client, user)
    return client


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)


def _tables(response: Any) -> dict[str, Table]:
    return {table.slug: table for table, _chart in response.context["sections"]}


@pytest.mark.parametrize("username", ALLOWED)
def test_supervisors_and_admins_see_every_table_with_its_chart(
    data: None, client: Client, username: str, request: pytest.FixtureRequest
) -> None:
    response = _staff(client, request.getfixturevalue(username)).get("/console/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert list(_tables(response)) == list(DASHBOARD_TABLES)
    assert html.count('<img src="data:image/svg+xml;base64,') == len(DASHBOARD_TABLES)
    assert " style=" not in html  # the console's CSP blocks inline styles
    assert "<script" not in html.lower()
    for slug in DASHBOARD_TABLES:
        for fmt in ("csv", "xlsx"):
            assert f"/console/reports/export/{slug}.{fmt}?weeks=12" in html
    assert 'href="/console/reports/"' in html  # the nav link


def test_charts_are_self_contained_svg(data: None, client: Client, carol: Any) -> None:
    response = _staff(client, carol).get("/console/reports/")
    for _table, chart in response.context["sections"]:
        svg = base64.b64decode(chart.split(",", 1)[1]).decode()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        # Nothing fetched: every reference points inside the file itself.
        assert not re.search(r'(?:href|src)\s*=\s*"(?!#)', svg)
        assert not re.search(r"url\((?!#)", svg)
        assert "@font-face" not in svg and "<script" not in svg
    again = _staff(client, carol).get("/console/reports/")
    assert [c for _t, c in again.context["sections"]] == [
        c for _t, c in response.context["sections"]
    ]


@pytest.mark.parametrize("weeks", ["4", "26", "52"])
def test_the_period_can_be_chosen(client: Client, carol: Any, weeks: str) -> None:
    response = _staff(client, carol).get("/console/reports/", {"weeks": weeks})
    assert response.status_code == 200
    assert len(_tables(response)["contacts"].rows) == int(weeks)


@pytest.mark.parametrize("weeks", ["5", "abc", "-4", "1000000000000000000000"])
def test_an_unknown_period_is_a_bad_request(client: Client, carol: Any, weeks: str) -> None:
    client = _staff(client, carol)
    assert client.get("/console/reports/", {"weeks": weeks}).status_code == 400
    assert client.get("/console/reports/export/cases.csv", {"weeks": weeks}).status_code == 400


@pytest.mark.parametrize(
    "path", ["nothing.csv", "contacts.pdf", "contacts.CSV", "audit.xlsx", "contacts.csv.xlsx"]
)
def test_an_unknown_table_or_format_is_not_found(client: Client, carol: Any, path: str) -> None:
    before = AuditEvent.objects.filter(action="report.export").count()
    response = _staff(client, carol).get(f"/console/reports/export/{path}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="report.export").count() == before


@pytest.mark.parametrize("username", REFUSED)
def test_other_roles_are_refused(
    client: Client, username: str, request: pytest.FixtureRequest
) -> None:
    client = _staff(client, request.getfixturevalue(username))
    assert client.get("/console/reports/").status_code == 403
    for slug in DASHBOARD_TABLES:
        assert client.get(f"/console/reports/export/{slug}.csv").status_code == 403
        assert client.get(f"/console/reports/export/{slug}.xlsx").status_code == 403
    assert not AuditEvent.objects.filter(action="report.export").exists()


def test_the_nav_link_shows_only_to_those_who_may_follow_it(
    client: Client, alice: Any, carol: Any
) -> None:
    link = 'href="/console/reports/"'
    assert link not in _staff(client, alice).get("/console/").content.decode()
    client.logout()
    assert link in _staff(client, carol).get("/console/").content.decode()


@pytest.mark.parametrize("slug", list(DASHBOARD_TABLES))
def test_csv_and_xlsx_hold_the_rows_of_the_dashboard_table(
    data: None, client: Client, carol: Any, slug: str
) -> None:
    client = _staff(client, carol)
    table = _tables(client.get("/console/reports/", {"weeks": "26"}))[slug]
    expected = [[_cell_text(v) for v in row] for row in table.all_rows()]

    response = client.get(f"/console/reports/export/{slug}.csv", {"weeks": "26"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="lifeline-')
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Cyrillic
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == expected

    response = client.get(f"/console/reports/export/{slug}.xlsx", {"weeks": "26"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    read = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # Reading drops empty cells at the end of a row.
    read = [row + [""] * (len(expected[0]) - len(row)) for row in read]
    assert read == expected

    events = AuditEvent.objects.filter(action="report.export", actor=carol).order_by("id")
    assert [e.detail for e in events] == [
        {"table": slug, "format": "csv", "weeks": 26},
        {"table": slug, "format": "xlsx", "weeks": 26},
    ]


def test_exports_are_guarded_against_formula_injection(client: Client, carol: Any) -> None:
    # A channel value the adapters never write, but a database may hold: it becomes a header.
    create_contact("=HYPERLINK(1)", period_start(4))
    client = _staff(client, carol)
    body = client.get("/console/reports/export/contacts.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "'=HYPERLINK(1)" in header and "=HYPERLINK(1)" not in header
    content = client.get("/console/reports/export/contacts.xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [c for c in next(sheet.iter_rows()) if c.value == "'=HYPERLINK(1)"]
    assert cells and cells[0].data_type == "s"


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_prefixes_formula_starts(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_safe_cell_leaves_numbers_and_plain_text() -> None:
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None
    assert safe_cell("Telegram") == "Telegram"
    assert safe_cell("задержан") == "задержан"
