"""The console marks the fields that must be filled in: a visible * with a legend, and `required`.

Walked over every console page a user with every role can open, so that a form rendered any
other way than through the shared field templates shows up here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from lifeline.core.access import Role
from tests.cases.helpers import create_case
from tests.core.test_url_access import ROUTES
from tests.factories import create_user, login_staff
from tests.registry.conftest import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

MARKER = '<span class="required" aria-hidden="true">*</span>'
LEGEND = 'class="required-legend"'


class Sample(forms.Form):
    name = forms.CharField(label="Name")
    note = forms.CharField(label="Note", required=False)


def test_the_shared_form_marks_required_fields_and_only_them() -> None:
    html = render_to_string("console/_form.html", {"form": Sample()})
    assert f'<label for="id_name">Name {MARKER}</label>' in html
    assert '<label for="id_note">Note</label>' in html
    assert re.search(r'<input[^>]*name="name"[^>]*required', html)
    assert not re.search(r'<input[^>]*name="note"[^>]*required', html)
    assert LEGEND in html and html.index(LEGEND) < html.index("id_name")


def test_a_form_with_nothing_required_has_no_legend() -> None:
    class Optional(forms.Form):
        note = forms.CharField(required=False)

    assert LEGEND not in render_to_string("console/_form.html", {"form": Optional()})


def _pages(client: Client) -> Iterator[tuple[str, str]]:
    for route in ROUTES:
        if route.access and route.access[0] == "staff" and not route.converters:
            response = client.get(f"/{route.route}")
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                yield route.name, response.content.decode()
    person = create_person()
    for name in ("registry:status_event_add", "registry:name_form_add", "registry:person_edit"):
        yield name, client.get(reverse(name, args=[person.pk])).content.decode()
    for kind in ("surrender", "family_enquiry", "handover"):
        case = create_case(kind, inbound="…")
        yield kind, client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    handover = create_case("handover")
    url = reverse("outcomes:handover", args=[handover.pk])
    yield "handover", client.get(url).content.decode()
    enquiry = create_enquiry()
    yield "enquiry", client.get(reverse("tracing:enquiry", args=[enquiry.pk])).content.decode()


def _unmarked(page: str) -> list[str]:
    """The required fields of `page` whose label (or radio group's legend) has no marker."""
    labels = dict(re.findall(r'<label for="([^"]+)">(.*?)</label>', page, flags=re.S))
    legends = re.findall(r"<fieldset[^>]*>\s*<legend>(.*?)</legend>(.*?)</fieldset>", page, re.S)
    problems = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if not re.search(r"\srequired[\s>]", tag) or 'type="hidden"' in tag:
            continue
        ident = re.search(r'id="([^"]+)"', tag)
        name = re.search(r'name="([^"]+)"', tag)
        if 'type="radio"' in tag or 'type="checkbox"' in tag:
            if not any(MARKER in legend and tag in body for legend, body in legends):
                problems.append(f"group {name[1] if name else tag}")
        elif ident is None or MARKER not in labels.get(ident[1], ""):
            problems.append(ident[1] if ident else tag)
    return problems


def test_every_required_console_field_is_marked(client: Client, db: Any) -> None:
    login_staff(client, create_user("everyone", roles=list(Role.ALL)))
    checked = 0
    problems = []
    for name, page in _pages(client):
        unmarked = _unmarked(page)
        problems += [f"{name}: {field}" for field in unmarked]
        if MARKER in page:
            checked += 1
            if LEGEND not in page:
                problems.append(f"{name}: a marker without its legend")
    assert checked >= 10, "the walk found too few forms"
    assert not problems, "\n".join(problems)
