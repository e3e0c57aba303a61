"""The few Graph API calls Lifeline makes for WhatsApp, over plain synchronous HTTP (httpx).

Messages go to `{WHATSAPP_API_BASE}/{phone number id}/messages`; a media item is looked up at
`{WHATSAPP_API_BASE}/{media id}`, which answers with a short-lived URL that is downloaded with
the same bearer token. The token travels only in the Authorization header, never in a URL, and
no answer body is put in an error message beyond the Graph API's own error code and title.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class GraphApiError(Exception):
    """The Graph API answered with an error (or with something that is not a Graph answer).

    `code` is the Graph error code (131047: outside the 24-hour window; 130429: throughput
    limit); `title` is its short description, which never quotes our message.
    """

    def __init__(self, *, status: int, code: int = 0, title: str = "") -> None:
        super().__init__(f"{status}: {code} {title}".strip())
        self.status = status
        self.code = code
        self.title = title


@cache
def _client() -> httpx.Client:
    # One pooled client per process; the proxy, if any, comes from HTTPS_PROXY as usual.
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def _headers() -> dict[str, str]:
    token = settings.WHATSAPP_ACCESS_TOKEN
    if not token:
        raise ImproperlyConfigured("WHATSAPP_ACCESS_TOKEN is not set")
    return {"Authorization": f"Bearer {token}"}


def _url(path: str) -> str:
    return f"{settings.WHATSAPP_API_BASE}/{path}"


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.is_success and isinstance(answer, dict):
        return answer
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        raise GraphApiError(status=response.status_code, title="not a Graph API answer")
    code = error.get("code")
    title = error.get("error_user_title") or error.get("title") or error.get("type") or ""
    raise GraphApiError(
        status=response.status_code,
        code=code if isinstance(code, int) else 0,
        title=str(title)[:120],
    )


def get(path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """GET a Graph object (a phone number, a media item) and return its JSON."""
    response = _client().get(_url(quote(path, safe="/")), params=params, headers=_headers())
    return _answer(response)


def message_send(payload: dict[str, Any]) -> str:
    """POST one message to the messages endpoint; return its WhatsApp message id (wamid)."""
    phone_id = settings.WHATSAPP_PHONE_NUMBER_ID
    if not phone_id:
        raise ImproperlyConfigured("WHATSAPP_PHONE_NUMBER_ID is not set")
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
    response = _client().post(
        _url(f"{quote(phone_id, safe='')}/messages"), json=body, headers=_headers()
    )
    answer = _answer(response)
    messages = answer.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return str(messages[0].get("id", ""))
    return ""


def media_download(media_id: str, *, max_bytes: int) -> tuple[bytes, str] | None:
    """A media item's bytes and type, through media id -> URL -> download.

    None if WhatsApp says or the download shows that it is larger than `max_bytes`.
    """
    found = get(media_id)
    url = found.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise GraphApiError(status=200, title="no media URL")
    size = found.get("file_size")
    if isinstance(size, int) and size > max_bytes:
        return None
    mime = str(found.get("mime_type") or "application/octet-stream")
    with _client().stream("GET", url, headers=_headers()) as response:
        if response.status_code != httpx.codes.OK:
            raise GraphApiError(status=response.status_code, title="media download failed")
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > max_bytes:
                return None
            chunks.append(chunk)
    return b"".join(chunks), mime
