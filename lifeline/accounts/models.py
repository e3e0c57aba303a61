"""Staff users. Roles are the Django groups named in lifeline.core.access.Role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class ConsoleLanguage(models.TextChoices):
    # Each named in its own language, whatever the console's language is at the moment.
    EN = "en", "English"
    RU = "ru", "Русский"


class User(AbstractUser):
    # Set only by `lifeline demo` for its generated users; the console says so on every page.
    two_factor_exempt = models.BooleanField(default=False)
    # The console's language for this user; public pages follow their own URL instead.
    console_language = models.CharField(
        max_length=8, choices=ConsoleLanguage.choices, default=ConsoleLanguage.EN
    )
