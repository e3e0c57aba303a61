"""`lifeline keys destroy`: the emergency destruction of the keys and the local data
(docs/operations.md, "Emergency destruction")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.closure import (
    DestructionPlan,
    confirmation_phrase,
    destruction_plan,
    keys_destroy,
)


class Command(BaseCommand):
    help = (
        "Overwrite and remove the local key files, erase every table and data file that holds "
        "content about people (the audit log stays, staff accounts are anonymised) and close "
        "the service. --dry-run lists what it would do and prints the phrase --confirm needs."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--confirm", metavar="PHRASE", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = destruction_plan()
        phrase = confirmation_phrase()
        if options["dry_run"] or options["confirm"] != phrase:
            if not options["dry_run"]:
                self.stderr.write("Nothing was destroyed: --confirm does not match.")
            self._plan_write(plan)
            self.stdout.write(f"To destroy: lifeline keys destroy --confirm {phrase}")
            if not options["dry_run"]:
                raise CommandError("--confirm does not match this installation's phrase.")
            return
        done = keys_destroy()
        for path in done.key_files:
            self.stdout.write(f"overwritten and removed {path}")
        erased = done.erasure
        self.stdout.write(
            f"erased {erased.total_rows} rows in {len(erased.rows)} tables; anonymised "
            f"{erased.users} staff accounts"
        )
        for path in erased.files:
            self.stdout.write(f"overwritten and removed {path}")
        for name in done.keys_in_environment:
            self.stdout.write(
                f"{name} is still set in the environment: remove it from the env file now"
            )
        self.stdout.write(
            "The keys and the local data are destroyed and the service is closed. Restart or "
            "stop Lifeline so no process keeps them in memory."
        )
        for note in done.notes:
            self.stderr.write(f"Left to do by hand: {note}.")

    def _plan_write(self, plan: DestructionPlan) -> None:
        for path in plan.key_files:
            self.stdout.write(f"would overwrite and remove {path}")
        self.stdout.write(f"would delete {plan.canaries} key canaries and close the service")
        for name in plan.keys_in_environment:
            self.stdout.write(f"{name} is set in the environment: remove it by hand")
        erasure = plan.erasure
        self.stdout.write(
            f"would erase {erasure.total_rows} rows in {len(erasure.rows)} tables "
            "(the audit log stays):"
        )
        for table, rows in erasure.rows.items():
            self.stdout.write(f"  {table}: {rows}")
        self.stdout.write(
            f"would anonymise {erasure.users} staff accounts (the audit log names them)"
        )
        for path in erasure.files:
            self.stdout.write(f"would overwrite and remove {path}")
