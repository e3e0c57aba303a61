"""The console's download of a message's attachment: always as a file, never shown inline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.downloads import download_response
from lifeline.intake.attachments.store import (
    attachment_download_name,
    attachment_get_for,
    attachment_is_dangerous,
    attachment_view_record,
)

# Types served under their own name; anything else (HTML, SVG, archives) as opaque bytes,
# so no browser or plugin is tempted to interpret it.
SERVED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/heic",
        "image/avif",
        "application/pdf",
        "text/plain",
        "text/csv",
    }
)


@staff_view(Perm.CASE_VIEW)
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    attachment = attachment_get_for(user=user, pk=pk)
    attachment_view_record(actor=user, attachment=attachment)
    served = attachment.content_type
    if served not in SERVED_TYPES or attachment_is_dangerous(attachment):
        served = "application/octet-stream"  # a script named .txt is still a script
    return download_response(
        bytes(attachment.data),
        filename=attachment_download_name(attachment),
        content_type=served,
    )
