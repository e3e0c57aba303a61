"""`lifeline user` and `lifeline setup`: links printed last, the system as actor, the refusals."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import Invite, User
from lifeline.core.models import AuditEvent
from tests.factories import create_user, login_staff

BASE = "https://127.0.0.1:8443"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _link(output: str) -> str:
    last = output.strip().splitlines()[-1]
    match = re.fullmatch(r"Enrolment link: (\S+)", last)
    assert match, f"the last line is not the link: {last!r}"
    return match.group(1)


def _enrol_as_an_install_script_would(link: str) -> None:
    """Exactly what the production install does with the link: GET, read the key, POST."""
    from base64 import b32decode

    path = link.removeprefix(BASE)
    client = Client(enforce_csrf_checks=True)
    page = client.get(path).content.decode()
    key = b32decode(re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', page).group(1))  # type: ignore[union-attr]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    password = "the first administrator's long passphrase"
    response = client.post(
        path,
        {
            "csrfmiddlewaretoken": csrf,
            "password1": password,
            "password2": password,
            "token": f"{totp(key):06d}",
        },
    )
    assert response.status_code == 200, response.content.decode()


def test_user_invite_prints_the_link_last_and_is_audited_as_the_system(db, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://lifeline.example"
    output = _run("user", "invite", "nina", "--role", "operator", "--role", "caseworker")
    link = _link(output)
    assert link.startswith("https://lifeline.example/console/account/enrol/")
    nina = User.objects.get(username="nina")
    assert set(nina.groups.values_list("name", flat=True)) == {"operator", "caseworker"}
    event = AuditEvent.objects.get(action="user.invite")
    assert event.actor_kind == "system" and event.actor is None
    assert link.rstrip("/").rsplit("/", 1)[-1] not in str(event.detail)
    with_base = _run("user", "invite", "nina", "--role", "operator", "--base-url", BASE + "/")
    assert _link(with_base).startswith(BASE + "/console/account/enrol/")


def test_user_list_roles_and_deactivate(db, frank, alice) -> None:
    login_staff(Client(), alice)
    _run("user", "invite", "nina", "--role", "registrar")
    table = _run("user", "list").splitlines()
    assert table[0].split() == ["username", "roles", "active", "2FA", "last", "login", "invite"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["alice"][1:4] == ["operator", "yes", "yes"]
    assert rows["nina"][1:5] == ["registrar", "yes", "no", "never"]
    assert "pending" in rows["nina"]

    _run("user", "roles", "alice", "--add", "supervisor", "--remove", "operator")
    assert set(alice.groups.values_list("name", flat=True)) == {"supervisor"}
    _run("user", "deactivate", "alice")
    alice.refresh_from_db()
    assert not alice.is_active
    assert [e.actor_kind for e in AuditEvent.objects.filter(action__startswith="user.")] == [
        "system"
    ] * 3


def test_user_command_refusals_say_why(db, frank) -> None:
    with pytest.raises(CommandError, match="no account named 'ghost'"):
        _run("user", "deactivate", "ghost")
    with pytest.raises(CommandError, match="last active administrator"):
        _run("user", "roles", "frank", "--remove", "admin")
    with pytest.raises(CommandError, match="last active administrator"):
        _run("user", "deactivate", "frank")


def test_user_reset_gives_a_locked_out_admin_a_new_link(db, frank) -> None:
    login_staff(Client(), frank)
    output = _run("user", "reset", "frank", "--base-url", BASE)
    assert not TOTPDevice.objects.filter(user=frank).exists()
    _enrol_as_an_install_script_would(_link(output))
    assert TOTPDevice.objects.get(user=frank).confirmed


def test_setup_on_an_empty_database_invites_the_first_admin(db) -> None:
    output = _run("setup", "--no-input", "--admin", "admin", "--base-url", BASE)
    link = _link(output)
    admin = User.objects.get(username="admin")
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]
    assert not admin.has_usable_password()
    _enrol_as_an_install_script_would(link)
    admin.refresh_from_db()
    assert admin.has_usable_password()
    assert TOTPDevice.objects.get(user=admin).confirmed


def test_setup_refuses_a_database_in_use_and_force_only_adds_an_invite(db) -> None:
    create_user("alice", roles=["operator"])
    with pytest.raises(CommandError, match="This database is in use") as refused:
        _run("setup", "--no-input", "--admin", "admin", "--base-url", BASE)
    assert refused.value.returncode == 2
    assert not User.objects.filter(username="admin").exists()

    output = _run("setup", "--no-input", "--admin", "admin", "--base-url", BASE, "--force")
    _link(output)
    assert User.objects.filter(username="alice").exists()
    # An admin who already enrolled is not reset by setup, even with --force.
    login_staff(Client(), User.objects.get(username="admin"))
    with pytest.raises(CommandError, match="already enrolled") as again:
        _run("setup", "--no-input", "--admin", "admin", "--base-url", BASE, "--force")
    assert again.value.returncode == 2
    # With --force and an existing admin, another admin invite is all that happens.
    _link(_run("setup", "--no-input", "--admin", "admin2", "--base-url", BASE, "--force"))
    assert Invite.objects.count() == 2


def test_setup_names_configuration_problems_and_changes_nothing(db, settings) -> None:
    settings.DEV_KEYS = False
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = False
    settings.ALLOWED_HOSTS = ["lifeline.example"]
    err = io.StringIO()
    with pytest.raises(CommandError, match="configuration problem") as failed:
        call_command(
            "setup", "--no-input", "--admin", "admin", "--base-url", "http://127.0.0.1:8443",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert failed.value.returncode == 1
    problems = err.getvalue()
    assert "LIFELINE_HTTPS=1" in problems
    assert "ALLOWED_HOSTS (lifeline.example) does not hold 127.0.0.1" in problems
    assert "is not https" in problems
    assert not User.objects.exists()


def test_setup_asks_for_the_admin_when_interactive(db, monkeypatch) -> None:
    answers = iter(["chief", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    _link(_run("setup", "--base-url", BASE))
    assert User.objects.filter(username="chief", groups__name="admin").exists()


def test_setup_without_a_terminal_says_to_use_no_input_and_invites_nobody(db, monkeypatch) -> None:
    def no_terminal(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="--no-input --admin USERNAME") as refused:
        _run("setup", "--admin", "admin", "--base-url", BASE)
    assert refused.value.returncode == 2
    assert not User.objects.exists()


def test_setup_without_input_needs_an_admin_name(db) -> None:
    with pytest.raises(CommandError, match="--no-input needs --admin") as refused:
        _run("setup", "--no-input", "--base-url", BASE)
    assert refused.value.returncode == 2
