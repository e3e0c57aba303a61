"""Staff users. Roles are the Django groups named in lifeline.core.access.Role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    # Set only by `lifeline demo` for its generated users; the console says so on every page.
    two_factor_exempt = models.BooleanField(default=False)
