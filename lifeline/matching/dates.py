"""Compare dates of birth that may be partial, one year off, or have day and month swapped."""

from __future__ import annotations

from lifeline.matching import weights as w

Date = tuple[int | None, int | None, int | None]
"""(year, month, day); any part may be missing."""


def _show(date: Date) -> str:
    year, month, day = date
    if year is None:
        return "?"
    if month is None:
        return str(year)
    if day is None:
        return f"{month:02d}.{year}"
    return f"{day:02d}.{month:02d}.{year}"


def compare_dates(query: Date, record: Date) -> tuple[float, str]:
    """The log-odds contribution of two dates of birth, and why, for an officer."""
    qy, qm, qd = query
    ry, rm, rd = record
    if qy is None or ry is None:
        return 0.0, "date of birth not known on both sides"
    shown = f"born {_show(query)} vs {_show(record)}"
    both_full = None not in (qm, qd, rm, rd)
    if qy == ry:
        if both_full and (qm, qd) == (rm, rd):
            return w.DATE_EXACT, f"{shown}: same date"
        if both_full and (qm, qd) == (rd, rm):
            return w.DATE_SWAPPED, f"{shown}: day and month swapped"
        if qm is not None and rm is not None and qm == rm:
            return w.DATE_MONTH_YEAR, f"{shown}: month and year agree"
        if qm is None or rm is None:
            return w.DATE_YEAR, f"{shown}: year agrees"
        return w.DATE_YEAR_SAME_DAY_MONTH_DIFFERS, f"{shown}: year agrees, day and month differ"
    gap = abs(qy - ry)
    if gap == 1:
        if both_full and ((qm, qd) == (rm, rd) or (qm, qd) == (rd, rm)):
            return w.DATE_NEAR_FULL, f"{shown}: one year off, day and month agree"
        if both_full:
            return w.DATE_NEAR_DIFFERS, f"{shown}: different dates"
        return w.DATE_NEAR, f"{shown}: one year off"
    if gap <= 3:
        return w.DATE_FAR, f"{shown}: {gap} years apart"
    return w.DATE_DISAGREE, f"{shown}: {gap} years apart"
