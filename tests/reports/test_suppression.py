"""Small counts are never published, nor left to be worked out from the totals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lifeline.reports.suppression import (
    Flag,
    SuppressedTable,
    line_reveals,
    lines_of,
    suppress,
    with_margins,
)


def _grid(table: SuppressedTable) -> list[list[tuple[int | None, Flag]]]:
    rows = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    rows.append([*table.column_totals, table.total])
    return [[(e.value, e.flag) for e in row] for row in rows]


def test_a_small_count_is_hidden_with_a_complement_in_its_row_and_column() -> None:
    table = suppress([[3, 7], [10, 20]])
    assert table.cells[0][0].flag is Flag.SMALL and table.cells[0][0].value is None
    # 7 hides the 3 from its row total, 10 from its column total, 20 closes the rectangle.
    assert [[e.flag for e in row] for row in table.cells] == [
        [Flag.SMALL, Flag.WITHHELD],
        [Flag.WITHHELD, Flag.WITHHELD],
    ]
    assert [e.value for e in table.row_totals] == [10, 30]
    assert [e.value for e in table.column_totals] == [13, 27]
    assert table.total.value == 40


def test_zero_is_published_and_needs_no_protection() -> None:
    table = suppress([[0, 12], [6, 9]])
    assert all(not e.hidden for row in table.cells for e in row)
    assert table.cells[0][0].value == 0


def test_small_totals_are_hidden_too() -> None:
    table = suppress([[2, 0], [0, 0]])
    assert table.total.flag is Flag.SMALL
    assert table.row_totals[0].flag is Flag.SMALL
    assert table.column_totals[0].flag is Flag.SMALL


def test_bounds_do_not_give_a_count_away() -> None:
    # Hiding the 5 alone would leave "1..4 + at least 5 = 6": the 1 would be known.
    table = suppress([[1, 5], [20, 30]])
    assert table.cells[0][0].flag is Flag.SMALL
    assert table.row_totals[0].hidden or table.cells[1][0].hidden


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(0, 12), min_size=cols, max_size=cols), min_size=1, max_size=6
        )
    )
)
def test_no_line_of_the_published_table_reveals_a_hidden_count(counts: list[list[int]]) -> None:
    table = suppress(counts)
    published = _grid(table)
    truth = with_margins(counts)
    flags = {(r, c): published[r][c][1] for r in range(len(truth)) for c in range(len(truth[0]))}
    for (r, c), flag in flags.items():
        value = truth[r][c]
        if 0 < value < 5:
            assert flag is Flag.SMALL
        if flag is Flag.SMALL:
            assert value < 5
        if flag is Flag.WITHHELD:
            assert value >= 5
        assert published[r][c][0] == (None if flag is not Flag.SHOWN else value)
    for line in lines_of(truth):
        hidden = [pos for pos in line if flags[pos] is not Flag.SHOWN]
        assert len(hidden) != 1, line
        if line_reveals(line, truth, flags):
            # The one case left: every entry hidden, none of them zero (four 1s, total 4).
            assert len(hidden) == len(line), line
            assert sorted(truth[r][c] for r, c in line) == [1, 1, 1, 1, 4], line


def test_four_ones_in_a_longer_line_are_covered_by_a_hidden_zero() -> None:
    table = suppress([[1], [1], [1], [1], [0]])
    column = [row[0] for row in table.cells]
    assert [e.flag for e in column] == [Flag.SMALL] * 5
    assert table.total.flag is Flag.SMALL
    assert all(e.value is None for e in column)
