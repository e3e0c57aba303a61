"""The site's 403, 404 and 500 pages: the console's under /console/, the public site's elsewhere.

`lifeline/urls.py` names these as Django's handler403/404/500. The console's pages keep the
navigation and speak the user's console language; the public ones speak the language of the
address (/uk/, /en/, none for Russian). A 500 may come from a failed database, so its pages
read neither the user nor the session: they are rendered without the request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation

from lifeline.core.access import console_language_for, console_language_of_browser, start_url_for

CONSOLE_PREFIX = "/console/"


def _in_console(request: HttpRequest) -> bool:
    return request.path_info.startswith(CONSOLE_PREFIX)


def _public_language(request: HttpRequest) -> str:
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _start_links() -> list[tuple[str, str, str]]:
    """The public start page in each language, for the language bar of an error page."""
    links = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            links.append((code, str(name), reverse("public:start")))
    return links


def _console_page(request: HttpRequest, status: int) -> HttpResponse:
    language = console_language_for(request)
    context = {"start_url": start_url_for(request.user) or reverse("cases:queue")}
    with translation.override(language):
        response = render(request, f"console/errors/{status}.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


def _public_page(request: HttpRequest, status: int) -> HttpResponse:
    language = _public_language(request)
    with translation.override(language):
        context = {"language_links": _start_links(), "start_url": reverse("public:start")}
        response = render(request, f"core/{status}.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _in_console(request):
        return _console_page(request, 403)
    return _public_page(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _in_console(request):
        return _console_page(request, 404)
    return _public_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No database, no user, no session: only the address and the browser's languages."""
    context: dict[str, Any]
    if _in_console(request):
        language = console_language_of_browser(request)
        with translation.override(language):
            context = {"LANGUAGE_CODE": language, "start_url": reverse("cases:queue")}
            content = loader.get_template("console/errors/500.html").render(context)
    else:
        language = _public_language(request)
        with translation.override(language):
            context = {
                "language_links": _start_links(),
                "start_url": reverse("public:start"),
                "without_database": True,  # the organisation's name only if it is cached
            }
            content = loader.get_template("core/500.html").render(context)
    response = HttpResponse(content, status=500)
    response.headers["Content-Language"] = language
    return response
