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
    context = {
        "computed_at": stats.computed_at,
        "status_totals": [
            (status_label(status), count)
            for status, count in zip(stats.statuses, stats.by_status, strict=True)
        ],
        "level_totals": [
            (level_label(level), count)
            for level, count in zip(stats.levels, stats.by_level, strict=True)
        ],
        "total": stats.total,
    }
    return render(request, "public/statistics.html", context)
