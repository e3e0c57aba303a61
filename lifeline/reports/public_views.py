"""The public statistics page: counts by status and verification level, never individuals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lifeline.core.access import public_view
from lifeline.reports.selectors import level_label, public_statistics, status_label


@public_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    stats = public_statistics()
    table = stats.table
    context = {
        "computed_at": stats.computed_at,
        "levels": [level_label(level) for level in stats.levels],
        "rows": [
            (status_label(status), cells, total)
            for status, cells, total in zip(
                stats.statuses, table.cells, table.row_totals, strict=True
            )
        ],
        "level_totals": [
            (level_label(level), total)
            for level, total in zip(stats.levels, table.column_totals, strict=True)
        ],
        "status_totals": [
            (status_label(status), total)
            for status, total in zip(stats.statuses, table.row_totals, strict=True)
        ],
        "column_totals": table.column_totals,
        "total": table.total,
    }
    return render(request, "public/statistics.html", context)
