"""Writes of staff administration: invites, enrolment through a link, roles, deactivation, resets.

An account is made by an invite: the user exists with no usable password and no second factor
until its holder opens the one-time link, sets a password and confirms a TOTP device there
(decision 0009). Only a keyed hash of a link's token is stored. Every write is audited, and no
audit detail holds a token, a password, a key or an e-mail address.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import Invite, User
from lifeline.accounts.services import login_has_confirmed_device, totp_device_pending_for
from lifeline.core.access import Perm, Role, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.core.locks import row_lock

logger = logging.getLogger(__name__)

_TOKEN_SALT = "lifeline.accounts.invite"  # noqa: S105 - a salt naming the purpose, not a secret
RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "recovery codes"
# Lower-case letters and digits a reader cannot mistake for one another (no 0/o, 1/l/i).
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 12  # about 59 bits each: guessing is hopeless behind the login throttle


class InviteInvalid(Exception):
    """The link names no usable invite. `gone`: it existed but is used, expired or revoked."""

    def __init__(self, message: str, *, gone: bool) -> None:
        super().__init__(message)
        self.message = message
        self.gone = gone


class WrongCode(ActionRefused):
    """The six-digit code does not match the pending authenticator key."""


@dataclass(frozen=True)
class Issued:
    """A fresh enrolment link's token: shown once, then only its hash exists."""

    user: User
    token: str
    expires_at: datetime


def token_hash(token: str, *, secret: str | None = None) -> str:
    """The keyed hash an invite is stored and found by (SECRET_KEY is the key)."""
    return salted_hmac(_TOKEN_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def _token_hashes(token: str) -> list[str]:
    # A link issued before SECRET_KEY was changed still opens while the old key is a fallback.
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [token_hash(token, secret=secret) for secret in secrets_]


def enrol_link(*, base_url: str, token: str) -> str:
    """The absolute enrolment link under `base_url` (scheme and host, no path)."""
    return base_url.rstrip("/") + reverse("accounts:enrol", kwargs={"token": token})


def user_is_enrolled(user: User) -> bool:
    """He has a confirmed second factor (or, for a demo user, needs none)."""
    return user.two_factor_exempt or login_has_confirmed_device(user=user)


def _checked_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    unknown = sorted(set(roles) - set(Role.ALL))
    if unknown:
        raise ActionRefused(
            gettext("Unknown role(s): %(unknown)s. Roles are: %(roles)s.")
            % {"unknown": ", ".join(unknown), "roles": ", ".join(Role.ALL)}
        )
    return sorted(set(roles))


def _roles_of(user: User) -> set[str]:
    return set(user.groups.filter(name__in=Role.ALL).values_list("name", flat=True))


def _roles_set(user: User, roles: list[str]) -> None:
    keep = list(user.groups.exclude(name__in=Role.ALL))
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.set(keep + groups)


def _lock_admins() -> None:
    # Changes that could leave no administrator take turns: each locks the admin group's row.
    Group.objects.get_or_create(name=Role.ADMIN)
    list(Group.objects.select_for_update().filter(name=Role.ADMIN))


def _is_last_active_admin(user: User) -> bool:
    if not user.is_active or Role.ADMIN not in _roles_of(user):
        return False
    others = User.objects.filter(is_active=True, groups__name=Role.ADMIN).exclude(pk=user.pk)
    return not others.exists()


def _last_admin(user: User) -> str:
    return gettext(
        "%(name)s is the last active administrator: make someone else an administrator first."
    ) % {"name": user.username}


def _deactivated(user: User) -> str:
    return gettext("%(name)s is deactivated: reactivate the account first.") % {
        "name": user.username
    }


def _refuse_self(actor: Actor, user: User, message: str) -> None:
    if staff_of(actor) is not None and staff_of(actor) == user:
        raise ActionRefused(message)


def _invite_issue(*, actor: Actor, user: User) -> Issued:
    """Replace the user's invite with a new one; any key scanned from an older link dies."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires_at = now + timedelta(hours=settings.LIFELINE_INVITE_HOURS)
    Invite.objects.update_or_create(
        user=user,
        defaults={
            "token_hash": token_hash(token),
            "issued_at": now,
            "expires_at": expires_at,
            "issued_by": staff_of(actor),
            "used_at": None,
        },
    )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return Issued(user=user, token=token, expires_at=expires_at)


@transaction.atomic
def user_invite(
    *,
    actor: Actor,
    username: str,
    roles: list[str] | tuple[str, ...],
    display_name: str = "",
    email: str = "",
) -> Issued:
    """Create a staff account (no usable password, no device) and its enrolment link.

    Inviting someone again who has not enrolled yet replaces his link (and updates his name,
    e-mail and roles); an enrolled account gets a new link only by `user_second_factor_reset`.
    """
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    username = username.strip()
    checked = _checked_roles(roles)
    if not checked:
        raise ActionRefused(gettext("Give the new account at least one role."))
    try:
        User.username_validator(username)
    except ValidationError:
        raise ActionRefused(
            gettext("A username may hold letters, digits and @ . + - _ only, without spaces.")
        ) from None
    if not username or len(username) > 150:
        raise ActionRefused(gettext("A username has 1 to 150 characters."))
    if Role.ADMIN in checked:
        _lock_admins()
    user = User.objects.select_for_update().filter(username__iexact=username).first()
    renewed = user is not None
    if user is None:
        user = User(username=username, display_name=display_name.strip(), email=email.strip())
        user.set_unusable_password()
        user.save()
    else:
        if user.username != username:
            raise ActionRefused(
                gettext("There is already an account named %(name)s.") % {"name": user.username}
            )
        if user.two_factor_exempt:
            raise ActionRefused(
                gettext("%(name)s is a demo account; it cannot be invited.") % {"name": username}
            )
        if not user.is_active:
            raise ActionRefused(_deactivated(user))
        if user_is_enrolled(user):
            raise ActionRefused(
                gettext(
                    "%(name)s has already enrolled. To send a new link, reset the account's "
                    "second factor."
                )
                % {"name": username}
            )
        changed = []
        if display_name.strip():
            user.display_name = display_name.strip()
            changed.append("display_name")
        if email.strip():
            user.email = email.strip()
            changed.append("email")
        if changed:
            user.save(update_fields=changed)
    _roles_set(user, checked)
    issued = _invite_issue(actor=actor, user=user)
    audit_record(
        actor=actor,
        action=Action.USER_INVITE,
        obj=user,
        detail={
            "username": user.username,
            "roles": checked,
            "expires_at": issued.expires_at.isoformat(),
            "renewed": renewed,
        },
    )
    return issued


def invite_mail_send(*, issued: Issued, link: str) -> bool:
    """Mail the link to the invited user's address, if he has one; False when it did not go.

    Called after the invite is committed: a mail server that is down must not undo it, and the
    administrator still has the link to pass on. The address is not logged.
    """
    if not issued.user.email:
        return False
    hours = settings.LIFELINE_INVITE_HOURS
    body = (
        f"An account on the Lifeline console was made for you: {issued.user.username}.\n\n"
        f"Open this link within {hours} hours to set your password and your second factor "
        f"(an authenticator app on your phone):\n\n{link}\n\n"
        "The link works once. If you did not expect it, tell your administrator.\n"
    )
    try:
        send_mail("Your Lifeline console account", body, None, [issued.user.email])
    except Exception:  # any failure of the mail server: the administrator passes the link on
        logger.warning("The enrolment mail for user %s could not be sent.", issued.user.pk)
        return False
    return True


def invite_for_token(token: str, *, lock: bool = False) -> Invite:
    """The open invite a link names, or InviteInvalid saying why not (reads only)."""
    rows = Invite.objects.select_related("user")
    if lock:
        rows = rows.select_for_update()
    invite = rows.filter(token_hash__in=_token_hashes(token)).first()
    if invite is None:
        raise InviteInvalid(
            gettext("This enrolment link is not valid. It may have been replaced by a newer one."),
            gone=False,
        )
    if invite.used_at is not None:
        raise InviteInvalid(gettext("This enrolment link has already been used."), gone=True)
    if invite.expires_at <= timezone.now():
        raise InviteInvalid(gettext("This enrolment link has expired."), gone=True)
    if not invite.user.is_active:
        raise InviteInvalid(gettext("This account is deactivated."), gone=True)
    return invite


def _recovery_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def user_enrol(*, token: str, password: str, code: str) -> tuple[User, list[str]]:
    """Finish an enrolment link: password set, TOTP device confirmed, recovery codes made.

    No actor is passed: the link's token says who acts, and the audit names him. Raises
    InviteInvalid (nothing written), ActionRefused for a password the validators refuse, or
    WrongCode (only django-otp's back-off counter is kept). Returns the user and his recovery
    codes, which exist in plain only in this answer.
    """
    with transaction.atomic():
        invite = invite_for_token(token, lock=True)
        user = invite.user
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ActionRefused(" ".join(error.messages)) from None
        device = totp_device_pending_for(user=user)
        allowed, _throttle = device.verify_is_allowed()
        matched = allowed and device.verify_token(code.strip().replace(" ", ""))
        if matched:
            codes = _enrolment_write(invite=invite, device=device, password=password)
    if not allowed:
        raise WrongCode(gettext("Too many wrong codes just now: wait a minute, then try again."))
    if not matched:
        raise WrongCode(
            gettext(
                "That code does not match. Check that the app shows the account you just "
                "added, and that the phone's clock is right."
            )
        )
    return user, codes


def _enrolment_write(*, invite: Invite, device: TOTPDevice, password: str) -> list[str]:
    user = invite.user
    user.set_password(password)
    user.save(update_fields=["password"])
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    invite.used_at = timezone.now()
    invite.save(update_fields=["used_at"])
    audit_record(
        actor=user,
        action=Action.USER_2FA_ENROLLED,
        obj=user,
        detail={"device": "totp", "recovery_codes": len(codes), "via": "invite"},
    )
    return codes


@transaction.atomic
def user_roles_set(*, actor: Actor, user: User, roles: list[str] | tuple[str, ...]) -> None:
    """Give `user` exactly these roles; the last active administrator keeps his."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    checked = _checked_roles(roles)
    _lock_admins()
    user = row_lock(user)
    before = _roles_of(user)
    if Role.ADMIN in before and Role.ADMIN not in checked and _is_last_active_admin(user):
        raise ActionRefused(_last_admin(user))
    added, removed = sorted(set(checked) - before), sorted(before - set(checked))
    if not added and not removed:
        return
    _roles_set(user, checked)
    audit_record(
        actor=actor,
        action=Action.USER_ROLES,
        obj=user,
        detail={"username": user.username, "added": added, "removed": removed},
    )


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> None:
    """Shut an account: its sessions end at their next request, its open link stops working."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    _refuse_self(
        actor, user, gettext("You cannot deactivate your own account: ask another administrator.")
    )
    _lock_admins()
    user = row_lock(user)
    if not user.is_active:
        raise ActionRefused(gettext("%(name)s is already deactivated.") % {"name": user.username})
    if _is_last_active_admin(user):
        raise ActionRefused(_last_admin(user))
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked, _ = Invite.objects.filter(user=user, used_at__isnull=True).delete()
    audit_record(
        actor=actor,
        action=Action.USER_DEACTIVATE,
        obj=user,
        detail={"username": user.username, "invite_revoked": bool(revoked)},
    )


@transaction.atomic
def user_reactivate(*, actor: Actor, user: User) -> None:
    """Open a deactivated account again, with the password and second factor it had."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    user = row_lock(user)
    if user.is_active:
        raise ActionRefused(gettext("%(name)s is active already.") % {"name": user.username})
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action=Action.USER_REACTIVATE, obj=user, detail={"username": user.username}
    )


@transaction.atomic
def user_second_factor_reset(*, actor: Actor, user: User) -> Issued:
    """A lost phone: remove every device and the password, and issue a new enrolment link."""
    require_perm_or_system(actor, Perm.USERS_MANAGE)
    _refuse_self(
        actor,
        user,
        gettext(
            "You cannot reset your own second factor: ask another administrator, or run "
            "`lifeline user reset` on the server."
        ),
    )
    user = row_lock(user)
    if user.two_factor_exempt:
        raise ActionRefused(
            gettext("%(name)s is a demo account without a second factor.") % {"name": user.username}
        )
    if not user.is_active:
        raise ActionRefused(_deactivated(user))
    removed = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # The link sets a new password too; until then the old one opens nothing.
    user.set_unusable_password()
    user.save(update_fields=["password"])
    issued = _invite_issue(actor=actor, user=user)
    audit_record(
        actor=actor,
        action=Action.USER_2FA_RESET,
        obj=user,
        detail={
            "username": user.username,
            "devices_removed": removed,
            "expires_at": issued.expires_at.isoformat(),
        },
    )
    return issued
