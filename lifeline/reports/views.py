"""The console's dashboard (counts and charts) and its tables as CSV or XLSX downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.downloads import download_response
from lifeline.reports import charts, exports, selectors, services
from lifeline.reports.forms import PeriodForm


@staff_view(Perm.REPORTS_VIEW)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    weeks = PeriodForm(request.GET).period()
    if weeks is None:
        return HttpResponseBadRequest("Unknown period.")
    tables = selectors.dashboard_tables(user=staff_user(request), weeks=weeks)
    context = {
        "form": PeriodForm(initial={"weeks": weeks}),
        "weeks": weeks,
        "sections": [(table, charts.chart_for(table)) for table in tables],
        "formats": list(exports.FORMATS),
        "computed_at": timezone.now(),
    }
    return render(request, "console/reports/dashboard.html", context)


@staff_view(Perm.REPORTS_VIEW)
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if table not in selectors.DASHBOARD_TABLES or fmt not in exports.FORMATS:
        raise Http404("no such table or format")
    weeks = PeriodForm(request.GET).period()
    if weeks is None:
        return HttpResponseBadRequest("Unknown period.")
    data = selectors.dashboard_table(user=staff_user(request), slug=table, weeks=weeks)
    content = exports.table_csv(data) if fmt == "csv" else exports.table_xlsx(data)
    services.report_export_record(actor=staff_user(request), table=table, fmt=fmt, weeks=weeks)
    filename = f"lifeline-{table}-{timezone.localdate().isoformat()}.{fmt}"
    return download_response(content, filename=filename, content_type=exports.FORMATS[fmt])
