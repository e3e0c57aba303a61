"""The one way the console hands out a file: always as a download, never shown in the browser."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def download_response(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A response that saves `content` as `filename`, with nothing the browser may run or keep.

    The browser may not guess another type, a sandboxing CSP keeps the file from running anything
    should it be rendered anyway, and no cache keeps a copy.
    """
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(True, filename)
    response["Content-Disposition"] = disposition or "attachment"  # never inline
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
