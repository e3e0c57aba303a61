"""The demo fills a plainly fictional organisation, and never overwrites a real one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lifeline.core.actors import SYSTEM
from lifeline.demo.builder import demo_load
from lifeline.demo.organisation import organisation_fill
from lifeline.organisation.selectors import organisation_row
from lifeline.organisation.services import organisation_update

pytestmark = pytest.mark.django_db


def test_the_demo_shows_its_fictional_organisation_on_the_start_page(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DATA_DIR = tmp_path
    settings.DEV_KEYS = True
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_load(persons=20, cases=5, seed=3)
    assert result.counts["organisation"] == 1
    html = Client().get("/en/").content.decode()
    assert "Northbridge Information Bureau (demo)" in html
    assert "a fictional organisation" in html
    assert (
        'href="mailto:hotline@example.org"' in html and 'href="https://wa.me/12025550143"' in html
    )


def test_the_demo_keeps_settings_an_administrator_has_made() -> None:
    organisation_update(actor=SYSTEM, texts={"name_uk": "Справжнє бюро"})
    assert organisation_fill() is False
    row = organisation_row()
    assert (row.name_uk, row.name_en, row.email) == ("Справжнє бюро", "", "")
