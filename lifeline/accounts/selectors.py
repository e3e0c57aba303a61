"""Reads of staff users."""

from __future__ import annotations

from django.db.models import QuerySet

from lifeline.accounts.models import User
from lifeline.core.access import PERMISSION_MATRIX


def user_list_with_perm(*, perm: str) -> QuerySet[User]:
    """Active users holding `perm` through one of their roles, by username."""
    roles = [role for role, perms in PERMISSION_MATRIX.items() if perm in perms]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("username")
    )
