"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url

from lifeline.core.access import permissions_of


def lifeline(request: HttpRequest) -> dict[str, Any]:
    path = request.get_full_path()
    return {
        "language_links": [
            (code, name, translate_url(path, code)) for code, name in settings.LANGUAGES
        ],
        "staff_perms": permissions_of(getattr(request, "user", None)),
    }
