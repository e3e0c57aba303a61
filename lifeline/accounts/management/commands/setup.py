"""`lifeline setup`: check the configuration, migrate, and invite the first administrator.

Exit codes: 0 done; 1 a configuration problem (each named with its fix); 2 refused, because
this database already holds accounts or data (`--force` invites an administrator anyway and
still deletes nothing). The last line printed is `Enrolment link: <url>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.http.request import validate_host
from django.utils import translation

from lifeline.accounts.models import User
from lifeline.accounts.staff import enrol_link, user_invite, user_is_enrolled
from lifeline.core import crypto
from lifeline.core.access import Role
from lifeline.core.actors import SYSTEM
from lifeline.core.exceptions import ActionRefused
from lifeline.core.keys import field_keys_problem
from lifeline.core.models import AuditEvent

DEFAULT_HOSTS = ["127.0.0.1", "localhost"]
CONFIG_PROBLEM = 1
REFUSED = 2


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def need(self, ok: bool, message: str, *, production: bool = True) -> None:
        """A failed check is a problem on a production set-up, a warning on a development one."""
        if not ok:
            (self.problems if production else self.warnings).append(message)


def configuration_findings(*, base_url: str) -> Findings:
    """Every check that can run before migrate, with what to do about each failure."""
    found = Findings()
    production = not (settings.DEBUG or settings.DEV_KEYS)
    found.need(
        len(settings.SECRET_KEY) >= 32,
        "SECRET_KEY is shorter than 32 characters: set SECRET_KEY (or SECRET_KEY_FILE) to a "
        'long random value, e.g. python3 -c "import secrets; print(secrets.token_urlsafe(50))".',
    )
    found.need(
        production,
        "LIFELINE_DEV_KEYS or DEBUG is on: keys are generated into the data folder and errors "
        "show their details. Unset both on a production server.",
        production=False,
    )
    try:
        crypto.key_ids()
    except ImproperlyConfigured as error:
        found.problems.append(f"LIFELINE_FIELD_KEYS: {error}")
    found.need(
        settings.SESSION_COOKIE_SECURE,
        "HTTPS is off: set LIFELINE_HTTPS=1 and serve the console only over TLS (behind a "
        "proxy, also LIFELINE_BEHIND_PROXY=1).",
        production=production,
    )
    url = urlsplit(base_url)
    found.need(
        url.scheme in ("http", "https") and bool(url.hostname),
        f"The base URL {base_url!r} is not an address: pass --base-url https://host[:port] or "
        "set LIFELINE_PUBLIC_BASE_URL.",
    )
    if url.hostname:
        found.need(
            validate_host(url.hostname, settings.ALLOWED_HOSTS),
            f"ALLOWED_HOSTS ({','.join(settings.ALLOWED_HOSTS)}) does not hold {url.hostname}, "
            "the base URL's host: the link would answer 400. Add it to ALLOWED_HOSTS.",
        )
    found.need(
        settings.ALLOWED_HOSTS != DEFAULT_HOSTS,
        "ALLOWED_HOSTS is the default (127.0.0.1, localhost): set it to the names the console "
        "is reached by.",
        production=False,
    )
    found.need(
        url.scheme == "https" or not production,
        f"The base URL {base_url!r} is not https: links would be sent in clear.",
    )
    smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    found.need(
        not smtp or settings.EMAIL_HOST != "localhost" or bool(settings.EMAIL_HOST_USER),
        "Outbound mail goes to localhost:25 (EMAIL_HOST not set): replies by e-mail and invite "
        "mails fail unless a mail server listens there. Set EMAIL_HOST, EMAIL_PORT, "
        "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS.",
        production=False,
    )
    return found


class Command(BaseCommand):
    help = (
        "Check the configuration, migrate the database and invite the first administrator. "
        "Prints the enrolment link as the last line."
    )
    # Our own checks say what to fix; Django's would stop first on a bad key with less help.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="ask nothing"
        )
        parser.add_argument("--admin", default="", help="the first administrator's username")
        parser.add_argument("--name", default="", help="his display name")
        parser.add_argument("--email", default="", help="also mail the link there")
        parser.add_argument(
            "--base-url",
            default="",
            help="scheme and host the link starts with (default: LIFELINE_PUBLIC_BASE_URL)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="invite an administrator even though the database holds accounts or data "
            "(nothing is deleted)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            self._setup(options)

    def _setup(self, options: dict[str, Any]) -> None:
        base_url = (options["base_url"] or settings.PUBLIC_BASE_URL).rstrip("/")
        found = configuration_findings(base_url=base_url)
        self._database_check(found)
        for warning in found.warnings:
            self.stdout.write(f"warning: {warning}")
        if found.problems:
            for problem in found.problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(
                f"{len(found.problems)} configuration problem(s): fix them and run "
                "`lifeline setup` again. Nothing was changed.",
                returncode=CONFIG_PROBLEM,
            )
        self.stdout.write("Configuration checked.")
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        self.stdout.write("Database migrated.")
        self._refuse_unless_empty(options["force"])
        username = self._admin_name(options)
        existing = User.objects.filter(username=username).first()
        roles = [Role.ADMIN]
        if existing is not None:
            if user_is_enrolled(existing):
                raise CommandError(
                    f"{username!r} has already enrolled. Give another --admin name, or run "
                    f"`lifeline user reset {username}` to replace his second factor.",
                    returncode=REFUSED,
                )
            roles = sorted({*existing.groups.values_list("name", flat=True), Role.ADMIN})
            roles = [r for r in roles if r in Role.ALL]
        try:
            issued = user_invite(
                actor=SYSTEM,
                username=username,
                roles=roles,
                display_name=options["name"],
                email=options["email"],
            )
        except ActionRefused as refused:
            raise CommandError(refused.message, returncode=REFUSED) from None
        self.stdout.write(
            f"Administrator {username!r} invited. Open the link to set a password and the "
            f"second factor; it works once, until {issued.expires_at:%Y-%m-%d %H:%M %Z}."
        )
        self.stdout.write(f"Enrolment link: {enrol_link(base_url=base_url, token=issued.token)}")

    def _database_check(self, found: Findings) -> None:
        try:
            connection.ensure_connection()
        except DatabaseError as error:
            found.problems.append(
                f"The database cannot be reached ({type(error).__name__}: {error}). "
                "Check DATABASE_URL and that the server is running."
            )
            return
        if found.problems:
            return
        problem = field_keys_problem()
        if problem is not None:
            found.problems.append(
                f"The field keys cannot read this database: {problem}. Configure the "
                "LIFELINE_FIELD_KEYS this database was made with."
            )

    def _refuse_unless_empty(self, force: bool) -> None:
        # Every service writes an audit event: an empty audit log means no data was written.
        accounts = User.objects.count()
        events = AuditEvent.objects.count()
        if not (accounts or events):
            return
        held = f"{accounts} account(s) and {events} audit event(s)"
        if not force:
            raise CommandError(
                f"This database is in use: it holds {held}. `lifeline setup` is for a new "
                "installation. Use `lifeline user invite` for more staff, or `--force` to "
                "invite an administrator here anyway (nothing is deleted).",
                returncode=REFUSED,
            )
        self.stdout.write(f"--force: this database holds {held}; nothing is deleted.")

    def _admin_name(self, options: dict[str, Any]) -> str:
        username: str = options["admin"].strip()
        if not options["interactive"]:
            if not username:
                raise CommandError("--no-input needs --admin USERNAME.", returncode=REFUSED)
            return username
        try:
            while not username:
                username = input("Username of the first administrator [admin]: ").strip() or "admin"
            answer = input(f"Invite {username!r} as administrator? [y/N] ").strip().lower()
        except EOFError:
            # No terminal (a script, a pipe): say what to do instead of a traceback.
            raise CommandError(
                "No terminal to ask on: run it with --no-input --admin USERNAME.",
                returncode=REFUSED,
            ) from None
        if answer not in ("y", "yes"):
            raise CommandError("Nothing invited.", returncode=REFUSED)
        return username
