"""Small-count suppression for published tables: no count small enough to identify someone.

A count from 1 to 4 is never published: it reads "fewer than 5". Hiding it alone is not
enough when the table also publishes its totals: a row `[3, 7 | 10]` with the 3 hidden gives
it back as 10 - 7. We keep the totals (the public page's counts by status and by verification
level *are* the totals of its status x verification table, so dropping them is no option) and
hide more counts instead ("complementary suppression"):

- the table is taken with its margins: each row and each column, total included, is a sum;
- a line gives a hidden count away when it holds exactly one hidden entry, or when its
  published entries and what a reader knows of its hidden ones pin one of them to a single
  value (a reader knows a "fewer than 5" to be 1 to 4, since zeros are shown, and a
  "withheld" count to be 5 or more, and no more than the grand total if that is shown):
  `[1, 5 | 6]` with both cells hidden still says 1 + (at least 5) = 6;
- in such a line the smallest non-zero published count is hidden too (an inner count before
  the line's total), else a published zero, shown as "fewer than 5", which is true of 0 and
  leaves a reader unsure whether any "fewer than 5" of that line is 1 or 0
  (`[1, 1, 1, 1, 0 | 4]` no longer says four times 1);
- look again from the first line, until no line gives anything away.

This is the classic line-by-line audit, not a linear-programming audit across lines. One case
it cannot mend: a line whose every entry is already hidden and holds no zero, which only
happens when exactly four entries of 1 make a total of 4 (a status held by four persons, one
at each verification level). Its counts are then known to be 1 each; the cure would be to
merge levels, which is a decision for the bureau, not for this function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are never published
UNBOUNDED = 10**15  # no upper bound known (an int: the interval arithmetic stays exact)


class Flag(StrEnum):
    SHOWN = ""
    SMALL = "small"  # published as "fewer than 5": 1 to 4, or a zero hidden to protect them
    WITHHELD = "withheld"  # 5 or more, hidden so that a small count cannot be worked out


@dataclass(frozen=True)
class Entry:
    """One published count: the number, or None when it is hidden."""

    value: int | None
    flag: Flag

    @property
    def hidden(self) -> bool:
        return self.flag is not Flag.SHOWN


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its margins, as it may be published."""

    cells: tuple[tuple[Entry, ...], ...]
    row_totals: tuple[Entry, ...]
    column_totals: tuple[Entry, ...]
    total: Entry


Position = tuple[int, int]
Grid = Sequence[Sequence[int]]


def with_margins(counts: Grid) -> list[list[int]]:
    """`counts` with each row's total in a last column and each column's in a last row."""
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[c] for row in grid) for c in range(len(grid[0]))])
    return grid


def lines_of(grid: Grid) -> list[list[Position]]:
    """Every row and every column of a grid with margins; each line's total comes last."""
    n_rows, n_cols = len(grid), len(grid[0])
    lines = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    return lines + [[(r, c) for r in range(n_rows)] for c in range(n_cols)]


def suppress(counts: Grid) -> SuppressedTable:
    """Hide every count from 1 to 4 of `counts` and of its margins, and what would reveal one.

    `counts` is a rectangle of non-negative integers (rows x columns, at least one of each).
    """
    grid = with_margins(counts)
    flags = suppression_flags(grid)
    n_rows, n_cols = len(counts), len(counts[0])

    def entry(r: int, c: int) -> Entry:
        flag = flags[(r, c)]
        return Entry(grid[r][c] if flag is Flag.SHOWN else None, flag)

    return SuppressedTable(
        cells=tuple(tuple(entry(r, c) for c in range(n_cols)) for r in range(n_rows)),
        row_totals=tuple(entry(r, n_cols) for r in range(n_rows)),
        column_totals=tuple(entry(n_rows, c) for c in range(n_cols)),
        total=entry(n_rows, n_cols),
    )


def suppression_flags(grid: Grid) -> dict[Position, Flag]:
    """How each entry of a grid with margins (`with_margins`) is to be published."""
    flags = {
        (r, c): Flag.SMALL if 0 < value < THRESHOLD else Flag.SHOWN
        for r, row in enumerate(grid)
        for c, value in enumerate(row)
    }
    lines = lines_of(grid)
    while True:
        # After each extra entry hidden, look again from the first line: the lines it crosses
        # may now be safe, and fixing lines in a stale order hides more than it must.
        for line in lines:
            extra = _complement(line, grid, flags) if line_reveals(line, grid, flags) else None
            if extra is not None:
                value = grid[extra[0]][extra[1]]
                flags[extra] = Flag.SMALL if value < THRESHOLD else Flag.WITHHELD
                break
        else:
            return flags


def line_reveals(line: Sequence[Position], grid: Grid, flags: dict[Position, Flag]) -> bool:
    """Whether a reader can work out a hidden entry of `line` from that line alone."""
    intervals = hidden_intervals(line, grid, flags)
    if len(intervals) == 1:
        return True
    return any(lo >= hi for lo, hi in intervals.values())


def hidden_intervals(
    line: Sequence[Position], grid: Grid, flags: dict[Position, Flag]
) -> dict[Position, tuple[int, int]]:
    """The range a reader can narrow each hidden entry of one line down to.

    The line says: sum of its inner entries - its total = 0. A reader knows the published
    entries exactly; a "fewer than 5" to be 1..4 (0..4 in a line where a zero is hidden, since
    he cannot tell which); a "withheld" one to be at least 5, and at most the grand total
    when that is published.
    """
    *inner, total_pos = line
    sign = {pos: 1 for pos in inner} | {total_pos: -1}
    hidden = [pos for pos in line if flags[pos] is not Flag.SHOWN]
    known = sum(sign[pos] * grid[pos[0]][pos[1]] for pos in line if pos not in hidden)
    small_floor = 0 if any(grid[p[0]][p[1]] == 0 for p in hidden) else 1
    ceiling = _reader_ceiling(grid, flags)
    bounds = {
        pos: (small_floor, THRESHOLD - 1) if flags[pos] is Flag.SMALL else (THRESHOLD, ceiling)
        for pos in hidden
    }
    intervals = {}
    for pos in hidden:
        others = [p for p in hidden if p != pos]
        # The range of sum(sign * x) over the other hidden entries.
        low = sum(bounds[p][0] if sign[p] > 0 else -bounds[p][1] for p in others)
        high = sum(bounds[p][1] if sign[p] > 0 else -bounds[p][0] for p in others)
        # sign[pos] * x = -known - (that sum)
        if sign[pos] > 0:
            lo, hi = -known - high, -known - low
        else:
            lo, hi = known + low, known + high
        intervals[pos] = (max(lo, bounds[pos][0]), min(hi, bounds[pos][1]))
    return intervals


def _reader_ceiling(grid: Grid, flags: dict[Position, Flag]) -> int:
    """The most a reader knows any count can be: the grand total, when it is published."""
    corner = (len(grid) - 1, len(grid[0]) - 1)
    if flags[corner] is Flag.SHOWN:
        return max(grid[corner[0]][corner[1]], THRESHOLD)
    return UNBOUNDED


def _complement(
    line: Sequence[Position], grid: Grid, flags: dict[Position, Flag]
) -> Position | None:
    """The entry to hide next: the smallest non-zero published inner count, else the total,
    else a published zero (inner first)."""
    *inner, total_pos = line
    published = [p for p in line if flags[p] is Flag.SHOWN]
    nonzero_inner = [p for p in published if p != total_pos and grid[p[0]][p[1]] > 0]
    if nonzero_inner:
        return min(nonzero_inner, key=lambda p: (grid[p[0]][p[1]], p))
    if total_pos in published and grid[total_pos[0]][total_pos[1]] > 0:
        return total_pos
    zeros = [p for p in published if grid[p[0]][p[1]] == 0]
    return zeros[0] if zeros else None
