"""Cells staff open in a spreadsheet cannot run as formulas."""

from __future__ import annotations

import pytest

from lifeline.core.spreadsheets import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+7 900", "-2", "@SUM(A1)", "\tcmd", "\r=1"])
def test_a_formula_is_shown_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Кузьминов", "", "a=b", 5, -3, 2.5, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert safe_cell(value) == value
