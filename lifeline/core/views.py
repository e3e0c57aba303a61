"""Views every part of the site shares: the CSRF failure page and a health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lifeline.core.access import public_view
from lifeline.core.keys import field_keys_problem


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


@public_view
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the database is reachable and the field keys can read it.

    A wrong field key answers 503 with a short reason (key ids only, never key material), so
    that no visitor's message is sealed with it.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        problem = field_keys_problem()
    except Exception:
        return JsonResponse({"ok": False, "reason": "database unreachable"}, status=503)
    if problem is not None:
        return JsonResponse({"ok": False, "reason": problem}, status=503)
    return JsonResponse({"ok": True})
