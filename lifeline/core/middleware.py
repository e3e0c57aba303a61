"""Middleware: a closed service, body-size limits, no-store caching, a database that is down."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from lifeline.core.closure import service_closed


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body is over the limit, before reading it.

    The limit is LIFELINE_MAX_BODY_BYTES, or a path's own in LIFELINE_LARGE_BODY_PATHS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.LIFELINE_LARGE_BODY_PATHS.get(
            request.path, settings.LIFELINE_MAX_BODY_BYTES
        )
        if length > limit:
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


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database cannot be reached, instead of a 500.

    A provider (Telegram, a mail relay, a voice provider) retries on 503, so nothing it was
    sending is lost; every write runs in a transaction, so nothing is half-written either.
    The page is rendered without the request: its context would reach for the database.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class ClosedMiddleware:
    """After `lifeline keys destroy`, answer every request "This service is closed" (503).

    Early in the stack, before anything reaches for the database or the keys; the marker is
    looked at once every few seconds. The page is rendered without the request (its context
    would reach for the database), in the visitor's language: the URL's prefix, the language
    cookie, then Accept-Language. Console pages add what staff need to know.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not service_closed():
            return self.get_response(request)
        language = translation.get_language_from_path(
            request.path_info
        ) or translation.get_language_from_request(request)
        staff = request.path_info.startswith("/console/")
        with translation.override(language):
            page = render_to_string(
                "core/closed.html", {"LANGUAGE_CODE": language, "for_staff": staff}
            )
        response = HttpResponse(page, status=503)
        response["Content-Language"] = language
        response["Cache-Control"] = "no-store"
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
