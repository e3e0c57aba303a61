"""`lifeline user`: staff accounts from the server's shell (invite, list, roles, deactivate, ...).

The command acts as the system: the audit log records SYSTEM, not a staff user. A new link's
token is printed once, as the last line: `Enrolment link: <url>`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from lifeline.accounts.models import User
from lifeline.accounts.selectors import staff_get_by_username, staff_get_for, staff_list_for
from lifeline.accounts.staff import (
    Issued,
    enrol_link,
    invite_mail_send,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_roles_set,
    user_second_factor_reset,
)
from lifeline.core.access import Role
from lifeline.core.actors import SYSTEM
from lifeline.core.exceptions import ActionRefused


def _base_url_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--base-url",
        default="",
        help="scheme and host the link starts with (default: LIFELINE_PUBLIC_BASE_URL)",
    )


class Command(BaseCommand):
    help = "Staff accounts: invite, list, roles, deactivate, reactivate, reset (second factor)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        invite = commands.add_parser("invite", help="make an account and print its link")
        invite.add_argument("username")
        invite.add_argument(
            "--role", action="append", required=True, choices=Role.ALL, dest="roles"
        )
        invite.add_argument("--name", default="", help="display name")
        invite.add_argument("--email", default="", help="also mail the link there")
        _base_url_option(invite)
        commands.add_parser("list", help="every account with roles, 2FA and link state")
        roles = commands.add_parser("roles", help="add or remove roles")
        roles.add_argument("username")
        roles.add_argument("--add", action="append", default=[], choices=Role.ALL)
        roles.add_argument("--remove", action="append", default=[], choices=Role.ALL)
        for name, text in (
            ("deactivate", "shut an account; its sessions end"),
            ("reactivate", "open a deactivated account again"),
        ):
            commands.add_parser(name, help=text).add_argument("username")
        reset = commands.add_parser(
            "reset", help="remove an account's second factor and password; print a new link"
        )
        reset.add_argument("username")
        _base_url_option(reset)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        # The command's refusals read the same as the console's English ones.
        with translation.override("en"):
            try:
                if action == "list":
                    self._list()
                elif action == "invite":
                    issued = user_invite(
                        actor=SYSTEM,
                        username=options["username"],
                        roles=options["roles"],
                        display_name=options["name"],
                        email=options["email"],
                    )
                    self._print_link(issued, options["base_url"])
                else:
                    self._on_account(action, self._user(options["username"]), options)
            except ActionRefused as refused:
                raise CommandError(refused.message) from None

    def _user(self, username: str) -> User:
        try:
            return staff_get_by_username(actor=SYSTEM, username=username)
        except User.DoesNotExist:
            raise CommandError(f"There is no account named {username!r}.") from None

    def _on_account(self, action: str, user: User, options: dict[str, Any]) -> None:
        if action == "roles":
            current = set(staff_get_for(actor=SYSTEM, pk=user.pk).roles)
            wanted = (current | set(options["add"])) - set(options["remove"])
            user_roles_set(actor=SYSTEM, user=user, roles=sorted(wanted))
            self.stdout.write(f"{user.username}: {', '.join(sorted(wanted)) or 'no role'}")
        elif action == "deactivate":
            user_deactivate(actor=SYSTEM, user=user)
            self.stdout.write(f"{user.username} is deactivated.")
        elif action == "reactivate":
            user_reactivate(actor=SYSTEM, user=user)
            self.stdout.write(f"{user.username} is active again.")
        elif action == "reset":
            issued = user_second_factor_reset(actor=SYSTEM, user=user)
            self.stdout.write(
                f"{user.username}: second factor, recovery codes and password removed."
            )
            self._print_link(issued, options["base_url"])

    def _print_link(self, issued: Issued, base_url: str) -> None:
        link = enrol_link(base_url=base_url or settings.PUBLIC_BASE_URL, token=issued.token)
        if invite_mail_send(issued=issued, link=link):
            self.stdout.write("The link was also mailed to the account's address.")
        elif issued.user.email:
            self.stderr.write("The link could not be mailed: pass it on yourself.")
        self.stdout.write(
            f"The link works once, until {issued.expires_at:%Y-%m-%d %H:%M %Z}. "
            "Pass it on by a channel you trust."
        )
        self.stdout.write(f"Enrolment link: {link}")

    def _list(self) -> None:
        rows = staff_list_for(actor=SYSTEM)
        header = ("username", "roles", "active", "2FA", "last login", "invite")
        table = [header]
        now = timezone.now()
        for row in rows:
            user = row.user
            invite = row.invite or "-"
            if row.invite == "pending" and row.invite_expires_at:
                hours = int((row.invite_expires_at - now).total_seconds() // 3600)
                invite = f"pending ({hours} h left)"
            table.append(
                (
                    user.username,
                    ",".join(row.roles) or "-",
                    "yes" if user.is_active else "no",
                    "exempt" if user.two_factor_exempt else ("yes" if row.second_factor else "no"),
                    f"{user.last_login:%Y-%m-%d %H:%M}" if user.last_login else "never",
                    invite,
                )
            )
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for line in table:
            cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
