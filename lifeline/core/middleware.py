"""Middleware for body-size limits and no-store caching."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body is over the limit, before reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.LIFELINE_MAX_BODY_BYTES:
            response = render(request, "core/too_large.html", status=413)
            # This answer never reaches NoStoreMiddleware, which sits further in.
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class NoStoreMiddleware:
    """Keep every page out of shared and browser caches: a shared phone must not leak a case."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
