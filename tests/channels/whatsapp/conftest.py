"""A stand-in Graph API on loopback that records every request and serves media, and webhook
notifications in the shapes the Cloud API documents (payloads/, synthetic data)."""

from __future__ import annotations

import copy
import io
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lifeline.channels.whatsapp.views import signature_compute
from lifeline.intake.inbox import contact_deliver, contact_process
from lifeline.intake.models import Contact, Conversation

TOKEN = "EAAG-synthetic-token"  # noqa: S105 (a made-up token)
APP_SECRET = "synthetic-app-secret"  # noqa: S105
VERIFY_TOKEN = "synthetic-verify-token"  # noqa: S105
PHONE_ID = "106540352242922"
WA_ID = "380501234567"
VERSION = "v21.0"
PAYLOADS = Path(__file__).parent / "payloads"
_wamids = itertools.count(1)
PHONE_NUMBER = {
    "verified_name": "Lifeline Synthetic",
    "display_phone_number": "+1 555-078-3881",
    "quality_rating": "GREEN",
    "code_verification_status": "VERIFIED",
    "id": PHONE_ID,
}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "navy").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Request:
    method: str
    path: str
    json: dict[str, Any]
    authorization: str


@dataclass
class FakeGraphApi:
    """What the stand-in answers and what it was asked; read `requests` after the code ran."""

    base: str = ""  # the API's address, with its version
    base_root: str = ""  # the server's, where media is downloaded from
    requests: list[Request] = field(default_factory=list)
    # media id -> (bytes, mime type); "*" serves any id
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # answers (status, body) the messages endpoint gives in turn before the normal one resumes
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # set to hold every media download after its first bytes, until it is set again
    stall: threading.Event | None = None
    wamids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def fail(self, status: int, code: int, title: str = "") -> None:
        error = {"message": title, "type": "OAuthException", "code": code, "fbtrace_id": "Synth"}
        if title:
            error["error_user_title"] = title
        self.failures.append((status, {"error": error}))

    def sent(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.endswith("/messages")]

    def downloads(self) -> list[str]:
        return [r.path for r in self.requests if r.path.startswith("/media/")]


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


def _handler(api: FakeGraphApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self, params: dict[str, Any]) -> bool:
            authorization = self.headers.get("Authorization", "")
            api.requests.append(Request(self.command, self.path, params, authorization))
            if authorization != f"Bearer {TOKEN}":
                self._json(401, _error(190, "Invalid OAuth access token."))
                return False
            return True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = json.loads(self.rfile.read(length) or b"{}")
            if not self._authorized(params):
                return
            if self.path != f"/{VERSION}/{PHONE_ID}/messages":
                self._json(400, _error(100, "Unsupported post request."))
                return
            if api.failures:
                self._json(*api.failures.pop(0))
                return
            wamid = f"wamid.OUT-{next(api.wamids)}"
            to = params.get("to")
            self._json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                },
            )

        def do_GET(self) -> None:
            if not self._authorized({}):
                return
            if self.path.startswith("/media/"):
                self._media(self.path.removeprefix("/media/"))
                return
            object_id = self.path.removeprefix(f"/{VERSION}/").split("?")[0]
            if object_id == PHONE_ID:
                self._json(200, PHONE_NUMBER)
                return
            found = api.media.get(object_id) or api.media.get("*")
            if found is None:
                self._json(404, _error(100, "Unsupported get request."))
                return
            data, mime = found
            url = f"{api.base_root}/media/{object_id}"
            answer = {"messaging_product": "whatsapp", "url": url, "mime_type": mime,
                      "sha256": "synthetic", "file_size": len(data), "id": object_id}  # fmt: skip
            self._json(200, answer)

        def _media(self, media_id: str) -> None:
            found = api.media.get(media_id) or api.media.get("*")
            if found is None:
                self._json(404, _error(100, "not found"))
                return
            data = found[0]
            self.send_response(200)
            self.send_header("Content-Type", found[1])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if api.stall is not None:
                self.wfile.write(data[:10])
                self.wfile.flush()
                api.stall.wait(timeout=60)
                self.wfile.write(data[10:])
                return
            self.wfile.write(data)

    return Handler


@pytest.fixture
def graph_api(settings: Any) -> Iterator[FakeGraphApi]:
    """The stand-in Graph API, with WhatsApp configured to use it."""
    api = FakeGraphApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    api.base_root = f"http://127.0.0.1:{server.server_address[1]}"
    api.base = f"{api.base_root}/{VERSION}"
    settings.WHATSAPP_API_BASE = api.base
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.PUBLIC_BASE_URL = "https://lifeline.example"
    yield api
    if api.stall is not None:
        api.stall.set()
    server.shutdown()
    server.server_close()


def notification(name: str, **changes: Any) -> dict[str, Any]:
    """The notification of payloads/`name`.json, its message given a fresh wamid.

    `text` changes a text message's body; `button` the id of the reply button pressed;
    `sender` the number it comes from; `timestamp` when it was sent (default: now).
    """
    data = copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))
    value = data["entry"][0]["changes"][0]["value"]
    for message in value.get("messages", []):
        message["id"] = f"wamid.SYNTHETIC-{next(_wamids):06d}"
        if "text" in changes:
            message["text"]["body"] = changes["text"]
        if "button" in changes:
            message["interactive"]["button_reply"]["id"] = changes["button"]
        # Sent just now, unless said otherwise: the 24-hour window runs from it.
        message["timestamp"] = str(changes.get("timestamp", int(time.time())))
        if "sender" in changes:
            message["from"] = changes["sender"]
            value["contacts"][0]["wa_id"] = changes["sender"]
    return data


def wamid_of(data: dict[str, Any]) -> str:
    return str(data["entry"][0]["changes"][0]["value"]["messages"][0]["id"])


def post(client: Client, data: Any, *, secret: str | None = APP_SECRET, signature: str = "") -> Any:
    raw = data if isinstance(data, bytes) else (
        data.encode() if isinstance(data, str) else json.dumps(data).encode()
    )  # fmt: skip
    headers = {}
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    elif secret is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature_compute(secret=secret, body=raw)
    return client.post(
        reverse("whatsapp:webhook"), data=raw, content_type="application/json", **headers
    )


def receive(client: Client, data: dict[str, Any]) -> Contact:
    """Deliver a notification through the webhook and process its message, as the worker would."""
    response = post(client, data)
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(channel="whatsapp", external_id=wamid_of(data))
    contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    return contact


def deliver_all() -> list[Contact]:
    """Send every queued message, as if each pause and every retry delay had passed."""
    sent = []
    queued = Contact.objects.filter(direction="out", state="queued").order_by("id")
    for pk in list(queued.values_list("pk", flat=True)):
        Conversation.objects.update(next_send_at=None)
        Contact.objects.filter(pk=pk).update(next_attempt_at=None)
        delivered = contact_deliver(contact_id=pk)
        assert delivered is not None
        sent.append(delivered)
    return sent
