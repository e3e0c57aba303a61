"""Settings env helpers: a mistyped value stops the process instead of meaning off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from lifeline.settings import envbool, envint
from tests.processes import ROOT


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "On"])
def test_envbool_reads_on(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LIFELINE_X", value)
    assert envbool("LIFELINE_X", False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", " no", "OFF "])
def test_envbool_reads_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LIFELINE_X", value)
    assert envbool("LIFELINE_X", True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_envbool_unset_or_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("LIFELINE_X", raising=False)
    else:
        monkeypatch.setenv("LIFELINE_X", value)
    assert envbool("LIFELINE_X", True) is True
    assert envbool("LIFELINE_X", False) is False


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled", "-1"])
def test_envbool_refuses_anything_else_naming_variable_and_value(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LIFELINE_X", value)
    with pytest.raises(ImproperlyConfigured, match=f"LIFELINE_X={value!r}"):
        envbool("LIFELINE_X", True)


def test_envint_reads_a_number_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFELINE_N", " 42 ")
    assert envint("LIFELINE_N", 7) == 42
    monkeypatch.setenv("LIFELINE_N", "")
    assert envint("LIFELINE_N", 7) == 7
    monkeypatch.delenv("LIFELINE_N")
    assert envint("LIFELINE_N", 7) == 7


@pytest.mark.parametrize("value", ["sixty", "1.5", "10s"])
def test_envint_refuses_a_non_number_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LIFELINE_N", value)
    with pytest.raises(ImproperlyConfigured, match=f"LIFELINE_N={value!r}"):
        envint("LIFELINE_N", 7)


def test_a_mistyped_https_switch_stops_manage_py(tmp_path: os.PathLike[str]) -> None:
    env = {
        **os.environ,
        "LIFELINE_DEV_KEYS": "1",
        "LIFELINE_DATA_DIR": str(tmp_path),
        "LIFELINE_HTTPS": "ture",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "LIFELINE_HTTPS='ture' is not a switch" in done.stderr
