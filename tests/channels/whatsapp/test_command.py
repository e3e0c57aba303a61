"""`lifeline whatsapp check`: the settings checked against the (stand-in) Graph API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.channels.whatsapp.conftest import APP_SECRET, PHONE_ID, TOKEN, FakeGraphApi
from tests.processes import free_port


def _check() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("whatsapp", "check", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_configuration_is_reported_in_order(
    graph_api: FakeGraphApi, settings: Any, tmp_path: Path
) -> None:
    settings.WHATSAPP_TEMPLATES_FILE = tmp_path / "templates.yaml"
    settings.WHATSAPP_TEMPLATES_FILE.write_text('reply_waiting:\n  ru: "Напишите нам."\n')
    out, err = _check()
    assert "number: +1 555-078-3881" in out
    assert "quality rating: GREEN" in out
    assert "approved templates configured: 1" in out
    url = "https://lifeline.example/channels/whatsapp/webhook/"
    assert f"webhook URL to register at Meta: {url}" in out
    assert out.endswith("WhatsApp settings are in order.\n")
    assert err == ""
    [request] = graph_api.requests
    assert request.path.startswith(f"/v21.0/{PHONE_ID}?fields=")
    assert TOKEN not in out and APP_SECRET not in out


def test_no_template_is_warned_about(
    graph_api: FakeGraphApi, settings: Any, tmp_path: Path
) -> None:
    settings.WHATSAPP_TEMPLATES_FILE = tmp_path / "absent.yaml"
    _out, err = _check()
    assert "no template is configured" in err


def test_every_missing_setting_is_named(settings: Any) -> None:
    settings.WHATSAPP_PHONE_NUMBER_ID = ""
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_APP_SECRET = "set"
    settings.WHATSAPP_VERIFY_TOKEN = ""
    err = io.StringIO()
    with pytest.raises(CommandError, match="WhatsApp is not configured"):
        call_command("whatsapp", "check", stdout=io.StringIO(), stderr=err)
    named = [line.split()[0] for line in err.getvalue().splitlines()]
    assert named == ["WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_VERIFY_TOKEN"]


def test_a_refused_token_is_said_to_be_the_problem(graph_api: FakeGraphApi, settings: Any) -> None:
    settings.WHATSAPP_ACCESS_TOKEN = "expired-token"
    with pytest.raises(CommandError, match="refused WHATSAPP_ACCESS_TOKEN"):
        _check()


def test_an_unknown_number_id_is_said_to_be_the_problem(
    graph_api: FakeGraphApi, settings: Any
) -> None:
    settings.WHATSAPP_PHONE_NUMBER_ID = "999"
    with pytest.raises(CommandError, match="does not know WHATSAPP_PHONE_NUMBER_ID '999'"):
        _check()


def test_an_unreachable_api_is_said_to_be_the_problem(settings: Any) -> None:
    settings.WHATSAPP_API_BASE = f"http://127.0.0.1:{free_port()}/v21.0"
    for name in ("PHONE_NUMBER_ID", "ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN"):
        setattr(settings, f"WHATSAPP_{name}", "set")
    with pytest.raises(CommandError, match="Could not reach the Graph API .*ConnectError"):
        _check()
