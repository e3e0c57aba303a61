"""Reads of staff users: who holds a permission, and the administrators' staff list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import Invite, User
from lifeline.core.access import PERMISSION_MATRIX, Perm, Role, require_perm_or_system
from lifeline.core.actors import Actor


def user_list_with_perm(*, perm: str) -> QuerySet[User]:
    """Active users holding `perm` through one of their roles, by username."""
    roles = [role for role, perms in PERMISSION_MATRIX.items() if perm in perms]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("username")
    )


@dataclass(frozen=True)
class StaffRow:
    """One account as the staff list shows it."""

    user: User
    roles: tuple[str, ...]
    second_factor: bool
    invite: str  # "", "pending", "expired" or "used"
    invite_expires_at: datetime | None


def _invite_state(invite: Invite | None, now: datetime) -> str:
    if invite is None:
        return ""
    if invite.used_at is not None:
        return "used"
    return "pending" if invite.expires_at > now else "expired"


def staff_list_for(*, actor: Actor) -> list[StaffRow]:
    """Every account with its roles, second factor and enrolment link, by username."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    users = User.objects.order_by("username").prefetch_related("groups")
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True).distinct()
    )
    invites = {i.user_id: i for i in Invite.objects.all()}
    now = timezone.now()
    rows = []
    for user in users:
        invite = invites.get(user.pk)
        state = _invite_state(invite, now)
        rows.append(
            StaffRow(
                user=user,
                roles=tuple(sorted(g.name for g in user.groups.all() if g.name in Role.ALL)),
                second_factor=user.pk in enrolled,
                invite=state,
                invite_expires_at=invite.expires_at if invite and state != "used" else None,
            )
        )
    return rows


def staff_get_for(*, actor: Actor, pk: int) -> StaffRow:
    """One account's row for an administrator; Http404 if there is none."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404("no such account")
    invite = Invite.objects.filter(user=user).first()
    state = _invite_state(invite, timezone.now())
    return StaffRow(
        user=user,
        roles=tuple(sorted(user.groups.filter(name__in=Role.ALL).values_list("name", flat=True))),
        second_factor=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        invite=state,
        invite_expires_at=invite.expires_at if invite and state != "used" else None,
    )


def staff_get_by_username(*, actor: Actor, username: str) -> User:
    """The account named `username` (for the command line); User.DoesNotExist if none."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    return User.objects.get(username=username)
