"""A wrong or malformed field key is refused at start, by `check --deploy` and by /healthz."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import Client

from lifeline.core.crypto import generate_key_spec
from tests.processes import ROOT

pytestmark = pytest.mark.django_db


def _deploy_errors() -> list[str]:
    return [
        m.msg for m in checks.run_checks(include_deployment_checks=True) if m.level >= checks.ERROR
    ]


def _wrong_key(settings: Any) -> str:
    """The same key id as the one that sealed the test database, with other key material."""
    right = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec(right.partition(":")[0])]
    return settings.FIELD_ENCRYPTION_KEYS[0].partition(":")[2]


def test_the_right_keys_pass_check_deploy_and_healthz(client: Client) -> None:
    assert not [e for e in _deploy_errors() if "field key" in e.lower()]
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_a_wrong_key_fails_check_deploy(settings: Any) -> None:
    _wrong_key(settings)
    assert any("field key" in e and "cannot read this database" in e for e in _deploy_errors())


def test_a_key_missing_from_the_ring_fails_check_deploy(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec("k9")]
    errors = _deploy_errors()
    assert any("sealed under field key(s) k1" in e for e in errors), errors


def test_a_wrong_key_fails_healthz_with_a_reason_and_no_secret(
    client: Client, settings: Any
) -> None:
    material = _wrong_key(settings)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert "k1" in response.json()["reason"]
    assert material not in response.content.decode()


def test_a_malformed_key_fails_healthz_and_every_command(client: Client, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["k1:tooshort"]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "LIFELINE_FIELD_KEYS entry 1" in response.json()["reason"]
    errors = [m.msg for m in checks.run_checks() if m.level >= checks.ERROR]
    assert any("LIFELINE_FIELD_KEYS entry 1" in e for e in errors)


def test_the_worker_refuses_to_start_with_a_wrong_key(settings: Any) -> None:
    _wrong_key(settings)
    with pytest.raises(CommandError, match="field keys cannot read this database"):
        call_command("worker", "--batch", "--queue-name", "*")


def test_a_new_key_is_pinned_at_start_and_a_different_one_under_its_id_refused(
    settings: Any,
) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = generate_key_spec("k2")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("keys_check", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec("k2"), old]
    with pytest.raises(CommandError, match="k2"):
        call_command("keys_check")


def test_serve_refuses_a_malformed_key_with_one_clear_line(tmp_path: Any) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "LIFELINE_DEV_KEYS"},
        "SECRET_KEY": "x" * 50,
        "LIFELINE_FIELD_KEYS": "k1:not-a-key",
        "LIFELINE_AUDIT_KEY": "y" * 43,
        "LIFELINE_AUDIT_SIGNING_KEY": "z" * 43,
        "LIFELINE_LOOKUP_KEYS": generate_key_spec("l1"),
        "LIFELINE_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    serve = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "lifeline.cli", "serve", "--bind", "127.0.0.1:0"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = serve.communicate(timeout=120)
    finally:
        if serve.poll() is None:  # it started serving: stop it and whatever it spawned
            os.killpg(serve.pid, signal.SIGTERM)
            serve.wait()
    stderr = err.decode()
    assert serve.returncode != 0
    assert "LIFELINE_FIELD_KEYS entry 1 is not 'id:<urlsafe base64 of 32 bytes>'" in stderr
    assert "Traceback" not in stderr
    assert "not-a-key" not in stderr
