"""A stand-in Bot API on loopback that records every call, and Update JSON as Telegram sends it."""

from __future__ import annotations

import copy
import io
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lifeline.intake.inbox import contact_deliver, contact_process
from lifeline.intake.models import Contact, Conversation

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret_0123"
CHAT_ID = 555000111
UPDATES = Path(__file__).parent / "updates"
_update_ids = itertools.count(900_000_001)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "navy").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Call:
    method: str  # "sendMessage", or "file:<path>" for a download
    json: dict[str, Any]


@dataclass
class FakeBotApi:
    """What the stand-in answers and what it was asked; read `calls` after the code ran."""

    base: str = ""
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    # method -> answers (status, body) given in turn before the normal answer resumes
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.json for c in self.calls if c.method == method]

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.failures.get(method):
            return self.failures[method].pop(0)
        if method == "sendMessage":
            result: Any = {
                "message_id": next(self.message_ids),
                "date": 1735690000,
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "text": params.get("text", ""),
            }
        elif method == "getFile":
            path = f"files/{params['file_id']}"
            size = len(self.files.get(path, b""))
            result = {"file_id": params["file_id"], "file_size": size, "file_path": path}
        elif method == "getWebhookInfo":
            result = {"url": "https://lifeline.example/channels/telegram/webhook/",
                      "pending_update_count": 0, "allowed_updates": ["message"]}  # fmt: skip
        else:
            result = True
        return 200, {"ok": True, "result": result}


def _handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            prefix = f"/bot{TOKEN}/"
            length = int(self.headers.get("Content-Length") or 0)
            params = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.startswith(prefix):
                body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
                self._reply(401, json.dumps(body).encode(), "application/json")
                return
            method = self.path.removeprefix(prefix)
            api.calls.append(Call(method, params))
            status, answer = api.answer(method, params)
            self._reply(status, json.dumps(answer).encode(), "application/json")

        def do_GET(self) -> None:
            path = self.path.removeprefix(f"/file/bot{TOKEN}/")
            api.calls.append(Call(f"file:{path}", {}))
            if path in api.files:
                self._reply(200, api.files[path], "application/octet-stream")
            else:
                self._reply(404, b"Not Found", "text/plain")

    return Handler


@pytest.fixture
def bot_api(settings: Any) -> Iterator[FakeBotApi]:
    """The stand-in Bot API, with the bot configured to use it."""
    api = FakeBotApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TELEGRAM_API_BASE = api.base
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.PUBLIC_BASE_URL = "https://lifeline.example"
    yield api
    server.shutdown()
    server.server_close()


def update(name: str, *, language: str | None = None, **changes: Any) -> dict[str, Any]:
    """An update from the fixture file `name`, with a fresh update_id.

    `language` sets the sender's language_code; `text`, `data` (callback) or `chat_type`
    change the message or the button pressed.
    """
    data = copy.deepcopy(json.loads((UPDATES / f"{name}.json").read_text()))
    data["update_id"] = next(_update_ids)
    body = next(data[k] for k in ("message", "edited_message", "callback_query") if k in data)
    if language is not None:
        body["from"]["language_code"] = language
    if "text" in changes:
        body["text"] = changes["text"]
        body.pop("entities", None)
    if "data" in changes:
        body["data"] = changes["data"]
    if "chat_type" in changes:
        body["chat"] = {"id": -100123, "title": "A group", "type": changes["chat_type"]}
    if "document" in changes:
        body["document"] = {**body["document"], **changes["document"]}
    return data


def post(client: Client, data: Any, *, secret: str | None = SECRET) -> Any:
    headers = {} if secret is None else {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        reverse("telegram:webhook"), data=raw, content_type="application/json", **headers
    )


def receive(client: Client, data: dict[str, Any]) -> Contact:
    """Deliver an update through the webhook and process it, as the worker would."""
    response = post(client, data)
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(channel="telegram", external_id=str(data["update_id"]))
    contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    return contact


def deliver_all() -> list[Contact]:
    """Send every queued message, as if each chat's pause and every retry delay had passed."""
    sent = []
    queued = Contact.objects.filter(direction="out", state="queued").order_by("id")
    for pk in list(queued.values_list("pk", flat=True)):
        Conversation.objects.update(next_send_at=None)
        Contact.objects.filter(pk=pk).update(next_attempt_at=None)
        delivered = contact_deliver(contact_id=pk)
        assert delivered is not None
        sent.append(delivered)
    return sent
