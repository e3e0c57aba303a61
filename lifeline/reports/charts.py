"""SVG charts of the dashboard's tables, drawn with matplotlib, as `data:` image URLs.

The page shows each chart as `<img src="data:image/svg+xml;base64,...">`: the console's CSP
allows images from `data:` but no inline styles, which an inline `<svg>` from matplotlib has.
Each chart sits next to its table, which carries the same numbers for screen readers.
Fills differ in lightness and in hatching, so the series stay apart in greyscale.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language, gettext

from lifeline.reports.selectors import Table

# Light to dark with distinct hatching: told apart on a greyscale print too.
FILLS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#fdae6b", "#7f2704")
# Line hatches only: a dotted one costs 70 KB of SVG.
HATCHES = ("", "//", "\\\\", "xx", "--", "++")
# rc_context changes matplotlib's global settings: one chart at a time per process.
_LOCK = threading.Lock()


def chart_for(table: Table) -> str | None:
    """The chart of a dashboard table as a data: URL, or None for a table without one.

    Drawing takes tens of milliseconds a chart; the same numbers in the same language give
    the same chart, so the last few are kept.
    """
    if table.slug not in _CHARTS or not table.rows:
        return None
    return _chart(replace(table, as_of=None), get_language())


@lru_cache(maxsize=32)
def _chart(table: Table, language: str | None) -> str:
    draw = _CHARTS[table.slug]
    # Imported here, so that starting Django stays quick. A bare Figure needs no backend and
    # leaves pyplot's global state alone; savefig picks the SVG writer by format.
    import matplotlib
    from matplotlib.figure import Figure

    with (
        _LOCK,
        matplotlib.rc_context(
            {
                # Text stays text (smaller; no font embedded or fetched); the same chart
                # gives the same bytes.
                "svg.fonttype": "none",
                "svg.hashsalt": "lifeline",
                "font.size": 9,
                "hatch.linewidth": 0.6,
            }
        ),
    ):
        figure = Figure(figsize=(7.5, 3.4), layout="constrained")
        draw(figure.subplots(), table)
        figure.suptitle(table.title, fontsize=10, fontweight="bold")
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue().encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _legend(ax: Any) -> None:
    # Beside the plot, where it cannot hide a bar.
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _counts_on(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _numbers(table: Table, column: int) -> list[float]:
    return [float(row[column] or 0) for row in table.rows]


def _labels(table: Table) -> list[str]:
    return [str(row[0]) for row in table.rows]


def _stacked(ax: Any, table: Table, columns: Sequence[int], horizontal: bool) -> None:
    labels = _labels(table)
    # Positions, not the labels themselves: matplotlib would read week dates as dates.
    positions = list(range(len(labels)))
    base = [0.0] * len(labels)
    for i, column in enumerate(columns):
        values = _numbers(table, column)
        style = {
            "color": FILLS[i % len(FILLS)],
            "hatch": HATCHES[i % len(HATCHES)],
            "edgecolor": "#222",
            "linewidth": 0.4,
            "label": table.columns[column],
        }
        if horizontal:
            ax.barh(positions, values, left=base, **style)
        else:
            ax.bar(positions, values, bottom=base, **style)
        base = [b + v for b, v in zip(base, values, strict=True)]
    if horizontal:
        ax.set_yticks(positions, labels)
        _counts_on(ax.xaxis)
    else:
        ax.set_xticks(positions, labels)
        _counts_on(ax.yaxis)
    _legend(ax)


def _grouped(ax: Any, table: Table, columns: Sequence[int]) -> None:
    labels = _labels(table)
    width = 0.8 / len(columns)
    for i, column in enumerate(columns):
        positions = [x + (i - (len(columns) - 1) / 2) * width for x in range(len(labels))]
        ax.bar(
            positions,
            _numbers(table, column),
            width,
            color=FILLS[(i * 2 + 1) % len(FILLS)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="#222",
            linewidth=0.4,
            label=table.columns[column],
        )
    ax.set_xticks(range(len(labels)), labels)
    _counts_on(ax.yaxis)
    _legend(ax)


def _contacts(ax: Any, table: Table) -> None:
    # Columns: week, one per channel, total.
    _stacked(ax, table, range(1, len(table.columns) - 1), horizontal=False)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.set_ylabel(table.columns[-1])


def _cases(ax: Any, table: Table) -> None:
    _grouped(ax, table, (1, 2))  # opened, closed


def _first_response(ax: Any, table: Table) -> None:
    _grouped(ax, table, (2, 3))  # median, 90th percentile
    ax.set_ylabel(gettext("minutes"))


def _enquiries(ax: Any, table: Table) -> None:
    labels = _labels(table)
    positions = list(range(len(labels)))
    ax.barh(positions, _numbers(table, 1), color=FILLS[2], edgecolor="#222", linewidth=0.4)
    ax.set_yticks(positions, labels)
    _counts_on(ax.xaxis)
    ax.invert_yaxis()  # youngest on top, as in the table
    ax.set_xlabel(table.columns[1])


def _registry(ax: Any, table: Table) -> None:
    # Columns: status, one per verification level, total.
    _stacked(ax, table, range(1, len(table.columns) - 1), horizontal=True)
    ax.invert_yaxis()


_CHARTS = {
    "contacts": _contacts,
    "cases": _cases,
    "first-response": _first_response,
    "enquiries": _enquiries,
    "registry": _registry,
}
