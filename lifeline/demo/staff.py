"""The demo users, one per role, and the private file that holds their passwords."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.core.access import Role
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record

CREDENTIALS_FILE = "demo-credentials.txt"
CONSOLE_URL = "http://127.0.0.1:8000/console/"
STATUS_URL = "http://127.0.0.1:8000/status/"

# (username, role): one demo user per role.
DEMO_USERS = (
    ("operator", Role.OPERATOR),
    ("caseworker", Role.CASEWORKER),
    ("tracer", Role.TRACING_OFFICER),
    ("registrar", Role.REGISTRAR),
    ("supervisor", Role.SUPERVISOR),
    ("admin", Role.ADMIN),
)


class DemoRefused(Exception):
    """The demo cannot load here without harming what is already there."""


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / CREDENTIALS_FILE


def demo_users_exist() -> bool:
    return User.objects.filter(
        username__in=[u for u, _ in DEMO_USERS], two_factor_exempt=True
    ).exists()


def _new_password() -> str:
    return secrets.token_urlsafe(15)


def demo_users_reset() -> dict[str, tuple[User, str]]:
    """Create the demo users (or find them) and give each a fresh random password."""
    users: dict[str, tuple[User, str]] = {}
    for username, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if not created and not user.two_factor_exempt:
            # Never turn a real account into a demo one with two-factor login off.
            raise DemoRefused(f"A user named {username!r} exists and is not a demo user.")
        password = _new_password()
        user.set_password(password)
        user.first_name = "Demo"
        user.last_name = Role.LABELS[role]
        user.two_factor_exempt = True
        user.is_active = True
        user.save()
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.set([group])
        users[username] = (user, password)
    return users


def credentials_text(
    passwords: dict[str, str], receipts: Sequence[tuple[str, str, str]], now: datetime
) -> str:
    roles = dict(DEMO_USERS)
    lines = [
        f"Lifeline demo, credentials generated {now:%Y-%m-%d %H:%M} UTC.",
        "Keep this file private (it is readable by its owner only). Every run of",
        "`lifeline demo` without --if-empty draws new passwords.",
        "",
        f"Console: {CONSOLE_URL}",
        "Two-factor login is OFF for these demo users only; every other account needs it.",
        "",
        f"{'username':<12} {'role':<34} password",
    ]
    for username, password in passwords.items():
        lines.append(f"{username:<12} {Role.LABELS[roles[username]]:<34} {password}")
    lines.append("")
    if receipts:
        lines.append(f"Demo receipts: try them on the public status page {STATUS_URL}")
        for reference, secret, label in receipts:
            lines.append(f"  reference {reference}   secret {secret}   ({label})")
    else:
        lines.append("Demo receipts: none kept (they are printed only when the demo is loaded).")
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only, replacing any older file at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".demo-credentials-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def credentials_refresh() -> Path:
    """Give the demo users new passwords and rewrite the credentials file (receipts are lost)."""
    with transaction.atomic():
        users = demo_users_reset()
        audit_record(actor=SYSTEM, action=Action.DEMO_CREDENTIALS, detail={"users": len(users)})
    path = credentials_path()
    write_private(path, credentials_text({u: p for u, (_, p) in users.items()}, [], timezone.now()))
    return path
