"""Cells for files staff open in a spreadsheet: nothing in them may run as a formula."""

from __future__ import annotations

from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); tab
# and CR too, since some programs strip them first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would take for a formula gets a leading apostrophe: shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
