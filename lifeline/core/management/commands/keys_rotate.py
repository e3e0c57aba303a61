"""`lifeline keys rotate`: a new field key, re-encryption under it, and retiring the old one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core import crypto
from lifeline.core.keys import field_keys_require
from lifeline.core.rotation import DEFAULT_BATCH, KeyStillNeeded, keys_reencrypt, keys_retire


def _new_key_id(existing: list[str]) -> str:
    numbers = [int(k[1:]) for k in existing if k[:1] == "k" and k[1:].isdigit()]
    return f"k{max(numbers, default=0) + 1}"


class Command(BaseCommand):
    help = (
        "Rotate the field keys in three steps: --new-key makes a key to put first in "
        "LIFELINE_FIELD_KEYS; --reencrypt (after restarting with it) re-seals every value "
        "under it, resumably; --retire OLD_ID removes the old key's canary once nothing needs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        step = parser.add_mutually_exclusive_group(required=True)
        step.add_argument("--new-key", action="store_true", help="make a new key entry")
        step.add_argument("--reencrypt", action="store_true", help="re-seal every value")
        step.add_argument("--retire", metavar="OLD_ID", help="retire a key nothing needs")
        parser.add_argument(
            "--key-file",
            type=Path,
            help="with --new-key: write the new ring to this file (the new key first, the old "
            "ones after it) instead of printing the entry",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self._new_key(options["key_file"])
        elif options["reencrypt"]:
            self._reencrypt(options["batch_size"], verbose=options["verbosity"] > 1)
        else:
            try:
                keys_retire(key_id=options["retire"])
            except KeyStillNeeded as error:
                raise CommandError(f"Not retired: {error}.") from None
            self.stdout.write(
                f"Key {options['retire']} is retired: remove it from LIFELINE_FIELD_KEYS and "
                "restart Lifeline."
            )

    def _new_key(self, key_file: Path | None) -> None:
        current = crypto.key_ids()
        entry = crypto.generate_key_spec(_new_key_id(current))
        key_id = entry.partition(":")[0]
        if key_file is None:
            self.stdout.write(entry)
            self.stderr.write(
                f"Put this entry ({key_id}) first in LIFELINE_FIELD_KEYS, keep the old ones after "
                "it, restart, then run `lifeline keys rotate --reencrypt`."
            )
            return
        old = key_file.read_text(encoding="utf-8").strip() if key_file.exists() else ""
        ring = ",".join(e for e in [entry, *old.split(",")] if e.strip())
        temporary = key_file.with_name(key_file.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ring + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(key_file)
        self.stdout.write(
            f"Key {key_id} is now first in {key_file}; restart Lifeline, then run "
            "`lifeline keys rotate --reencrypt`."
        )

    def _reencrypt(self, batch_size: int, *, verbose: bool) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        field_keys_require()  # the new key's canary is pinned before anything is sealed with it

        def progress(label: str, rows: int) -> None:
            if verbose:
                self.stdout.write(f"{label}: {rows} rows re-sealed")

        report = keys_reencrypt(batch_size=batch_size, after_batch=progress)
        for label, rows in report.resealed.items():
            unreadable = report.unreadable.get(label, 0)
            note = f", {unreadable} values no configured key opens" if unreadable else ""
            self.stdout.write(f"{label}: {rows} rows re-sealed{note}")
        self.stdout.write(f"Every value is now sealed under {report.key_id}.")
