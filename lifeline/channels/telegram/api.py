"""The few Bot API calls Lifeline makes, over plain synchronous HTTP (httpx).

Every call goes to `{TELEGRAM_API_BASE}/bot{token}/{method}` with a JSON body, and files come
from `{TELEGRAM_API_BASE}/file/bot{token}/{file_path}`. The token is part of each URL, so no
URL is ever logged or put in an error message.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class BotApiError(Exception):
    """The Bot API answered with `ok: false` (or with something that is not a Bot API answer).

    `description` is Telegram's own text ("Forbidden: bot was blocked by the user"); it never
    quotes our message. `retry_after` is set on 429 Too Many Requests.
    """

    def __init__(self, *, status: int, description: str, retry_after: float | None = None):
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after


@cache
def _client() -> httpx.Client:
    # One pooled client per process; the proxy, if any, comes from HTTPS_PROXY as usual.
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def _url(path: str) -> str:
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN is not set")
    return f"{settings.TELEGRAM_API_BASE}/{path.replace('{token}', token)}"


def call(method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
    """Call a Bot API method and return its `result`; raise BotApiError if Telegram refuses.

    Network failures raise httpx's own errors (httpx.HTTPError), which are worth a retry.
    """
    response = _client().post(
        _url(f"bot{{token}}/{method}"),
        json=params or {},
        timeout=TIMEOUT if timeout is None else timeout,
    )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise BotApiError(status=response.status_code, description="not a Bot API answer")
    if answer.get("ok") is True:
        return answer.get("result")
    parameters = answer.get("parameters") or {}
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    raise BotApiError(
        status=int(answer.get("error_code") or response.status_code),
        description=str(answer.get("description", ""))[:200],
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
    )


def file_download(file_path: str, *, max_bytes: int) -> bytes | None:
    """Download a file named by getFile; None if it turns out larger than `max_bytes`."""
    url = _url(f"file/bot{{token}}/{quote(file_path, safe='/')}")
    with _client().stream("GET", url) as response:
        if response.status_code != httpx.codes.OK:
            raise BotApiError(status=response.status_code, description="file download failed")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                return None
            chunks.append(chunk)
    return b"".join(chunks)
