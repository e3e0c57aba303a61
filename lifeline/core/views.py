"""Views every part of the site shares: the CSRF failure page and the health checks."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lifeline.core.access import public_view
from lifeline.core.keys import field_keys_problem


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


@public_view
def health_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers requests. It touches neither the database nor the keys.

    A supervisor restarts a process that stops answering this; a database outage must not
    make it restart every web process, so nothing here reaches further than Python.
    """
    return JsonResponse({"ok": True})


@public_view
def health_ready(request: HttpRequest) -> HttpResponse:
    """Readiness (also served at /healthz): the database answers and the field keys can read it.

    A wrong field key answers 503 with a short reason (key ids only, never key material), so
    that no visitor's message is sealed with it. Nothing about the caller is logged or kept.
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
