"""Staff users and their enrolment links. Roles are the Django groups named in core.access.Role."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class ConsoleLanguage(models.TextChoices):
    # Each named in its own language, whatever the console's language is at the moment.
    EN = "en", "English"
    RU = "ru", "Русский"
    UK = "uk", "Українська"


class User(AbstractUser):
    # Set only by `lifeline demo` for its generated users; the console says so on every page.
    two_factor_exempt = models.BooleanField(default=False)
    # The console's language for this user; public pages follow their own URL instead.
    console_language = models.CharField(
        max_length=8, choices=ConsoleLanguage.choices, default=ConsoleLanguage.EN
    )
    # How colleagues see him in the staff list; the username stays the login name.
    display_name = models.CharField(max_length=150, blank=True)
    # The zone the console shows him times in (an IANA name, core.zones); empty: the site's
    # settings.TIME_ZONE, so a user who never chose follows a change of the site's zone.
    time_zone = models.CharField(max_length=64, blank=True)


class Invite(models.Model):
    """The one open enrolment link of a user: set a password and the second factor.

    Only a keyed hash of the link's token is kept (`token_hash`); the token itself is shown
    once to whoever issued it. A new invite replaces the user's old one (one row per user).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invite"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # None when the system issued it (`lifeline setup`, `lifeline user`).
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invite of {self.user_id}"
