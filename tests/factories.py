"""`create_*` helpers for tests: plain functions, no deep factories."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from lifeline.accounts.models import User

PASSWORD = "correct horse battery staple"


def create_user(username: str, *, roles: list[str], **extra: Any) -> User:
    """A staff user with the given roles; two-factor is marked passed by `login_staff`."""
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


def login_staff(client: Any, user: User) -> None:
    """Log `user` in through both factors, as the console requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
