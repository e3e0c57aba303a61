"""The console page where an administrator sets how long each kind of data is kept."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.viewflow import form_action
from lifeline.retention import selectors, services
from lifeline.retention.forms import PolicyForm
from lifeline.retention.kinds import TABLES


def _named(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Counts per table, each table named in the console's language."""
    return [(str(TABLES.get(table, table)), n) for table, n in counts.items() if n]


@staff_view(Perm.RETENTION_EDIT)
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    rules = selectors.policy_get_for(user=user)
    posted = request.POST if request.method == "POST" else None
    form = PolicyForm(posted, initial={rule.kind.key: rule.days for rule in rules})
    preview = selectors.purge_preview_for(user=user)
    return form_action(
        request,
        form,
        lambda: services.retention_policy_update(actor=user, days=form.values()),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("retention:policy"),
        template="console/retention/policy.html",
        context={
            "rows": [(rule, form[rule.kind.key], _named(preview[rule.kind.key])) for rule in rules],
            "runs": [(run, _named(run.counts)) for run in selectors.purge_runs_recent(user=user)],
        },
    )
