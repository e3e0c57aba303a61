"""`lifeline demo`: load the demo registry, cases and users, and print how to log in."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# The demo's name sources are the `demo` extra, which a production install goes without.
EXTRA_MODULES = {"russiannames", "names_translator", "translitua"}
try:
    from lifeline.demo import builder, staff
except ModuleNotFoundError as missing:
    package = (missing.name or "").partition(".")[0]
    if package not in EXTRA_MODULES:
        raise
    # Django loads a command before it can report a CommandError: exit with the message alone.
    raise SystemExit(
        f"lifeline demo: the {package} package is missing; it comes with the `demo` extra:\n"
        "  pip install 'lifeline[demo]'   (from a checkout: pip install -e '.[demo]', or make run)"
    ) from None


class Command(BaseCommand):
    help = (
        "Load synthetic demo data (registry, cases, one user per role with a random password) "
        "and print the demo credentials."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the credentials) when the database already holds data",
        )
        parser.add_argument("--persons", type=int, default=builder.DEFAULT_PERSONS)
        parser.add_argument("--cases", type=int, default=builder.DEFAULT_CASES)
        parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo users have two-factor login off: never on a production set-up.
        if not (settings.DEV_KEYS or settings.DEBUG):
            raise CommandError("The demo runs only with LIFELINE_DEV_KEYS=1 (or DEBUG).")
        if options["if_empty"] and builder.demo_loaded():
            self._already_loaded()
            return
        if options["persons"] < 1 or options["cases"] < len(builder.CASE_KIND_WEIGHTS):
            raise CommandError("Give at least one person and one case of each kind.")
        started = time.monotonic()
        try:
            result = builder.demo_load(
                persons=options["persons"], cases=options["cases"], seed=options["seed"]
            )
        except staff.DemoRefused as refused:
            raise CommandError(str(refused)) from refused
        counts = result.counts
        self.stdout.write(
            f"Demo loaded in {time.monotonic() - started:.1f} s: {counts['persons']} persons, "
            f"{counts['status_events']} status events, {counts['sources']} sources, "
            f"{counts['cases']} cases, {counts['contacts']} messages, "
            f"{counts['enquiries']} enquiries matched, {counts['users']} users."
        )
        self._print_credentials()

    def _already_loaded(self) -> None:
        self.stdout.write("Demo data already loaded (--if-empty): nothing added.")
        if not staff.credentials_path().exists() and staff.demo_users_exist():
            self.stdout.write("The credentials file is missing: new demo passwords drawn.")
            staff.credentials_refresh()
        self._print_credentials()

    def _print_credentials(self) -> None:
        path = staff.credentials_path()
        if not path.exists():
            self.stdout.write("No demo credentials: this database holds data, but no demo users.")
            return
        self.stdout.write(f"\n{path}:\n")
        self.stdout.write(path.read_text(encoding="utf-8"))
