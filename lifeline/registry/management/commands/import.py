"""`lifeline import persons FILE --mapping NAME`: bulk import of persons (docs/import.md).

Reads the file, matches every row against the registry and the file, and prints the rows per
band and the rows that cannot be imported. Then, unless `--dry-run` (nothing written) or
`--preview` (the batch kept for the console, nothing applied), applies the batch in one
transaction: new persons are created, and proposed matches get the spellings and status
event they lack (or are held for a person too, with `--hold-proposed`). Rows for a person to
decide are never applied from here: they move to a new batch, shown in the console.

`lifeline import undo BATCH` takes an applied batch back while nothing else has touched what
it wrote (`imports.import_batch_undo`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from rich.progress import Progress

from lifeline.core.access import CONSOLE_LANGUAGE
from lifeline.core.actors import SYSTEM, Actor
from lifeline.core.exceptions import ActionRefused
from lifeline.registry.agency_import import BUILTIN_MAPPINGS, builtin_mapping
from lifeline.registry.importing import errors_text
from lifeline.registry.imports import (
    Preview,
    import_batch_apply,
    import_batch_preview,
    import_batch_undo,
    import_preview,
)
from lifeline.registry.models import ImportBatch, ImportMapping
from lifeline.registry.sheets import rows_to_csv, rows_to_xlsx

# Bad rows printed at most; `--bad-rows FILE` writes them all.
BAD_ROWS_SHOWN = 20
_STAGES = {
    "registry": "Matching against the registry",
    "file": "Matching rows of the file",
    "apply": "Applying",
}


class _Progress:
    """A progress bar on a terminal (rich), a line per step elsewhere (a log, a pipe)."""

    def __init__(self, out: Any, quiet: bool) -> None:
        self.out, self.quiet = out, quiet
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        self.tty = sys.stdout.isatty()

    def __enter__(self) -> _Progress:
        if self.tty and not self.quiet:
            self.bar = Progress(transient=False)
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        label = _STAGES.get(stage, stage)
        if self.bar is None:
            self.out.write(f"{label}: {done}/{total}")
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[stage], completed=done)


class Command(BaseCommand):
    help = "Import persons from a CSV, XLSX or ODS file by a saved mapping (docs/import.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        persons = kinds.add_parser("persons", help="import a list of persons into the registry")
        persons.add_argument("file", type=Path)
        persons.add_argument(
            "--mapping",
            required=True,
            help="the name of a saved mapping, or agency-export-1 for a file another Lifeline "
            "installation exported for an agency (CSV or JSON)",
        )
        persons.add_argument(
            "--dry-run", action="store_true", help="read and match only: nothing is written"
        )
        persons.add_argument(
            "--preview",
            action="store_true",
            help="keep the batch for the console to review and apply; apply nothing here",
        )
        persons.add_argument(
            "--hold-proposed",
            action="store_true",
            help="hold rows proposed as a registry person for a person's decision too",
        )
        persons.add_argument(
            "--user", default="", help="the registrar importing (audited as him); else the system"
        )
        persons.add_argument("--sheet", default="", help="the sheet of an XLSX/ODS file")
        persons.add_argument("--encoding", default="", help="the CSV file's encoding, if not found")
        persons.add_argument("--delimiter", default="", help="the CSV file's delimiter")
        persons.add_argument(
            "--bad-rows",
            type=Path,
            default=None,
            help="write the rows that cannot be imported, with their problems, to this "
            "file (.csv or .xlsx) to fix and import again",
        )
        persons.add_argument("--quiet", action="store_true", help="no progress")
        persons.add_argument(
            "--language",
            default=CONSOLE_LANGUAGE,
            choices=[code for code, _name in settings.LANGUAGES],
            help=f"the language of the rows' problems (default {CONSOLE_LANGUAGE})",
        )

        undo = kinds.add_parser(
            "undo", help="take an applied import batch back out of the registry"
        )
        undo.add_argument("batch", type=int, help="the import batch's number")
        undo.add_argument(
            "--user", default="", help="the registrar undoing it (audited as him); else the system"
        )
        undo.add_argument(
            "--language",
            default=CONSOLE_LANGUAGE,
            choices=[code for code, _name in settings.LANGUAGES],
            help=f"the language of a refusal (default {CONSOLE_LANGUAGE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            if options["kind"] == "undo":
                self._undo(options)
            else:
                self._import(options)

    def _undo(self, options: dict[str, Any]) -> None:
        actor = self._actor(options["user"])
        batch = ImportBatch.objects.filter(pk=options["batch"]).first()
        if batch is None:
            raise CommandError(f"No import batch {options['batch']}.")
        try:
            import_batch_undo(actor=actor, batch=batch)
        except ActionRefused as refused:
            raise CommandError(refused.message) from refused
        undo = batch.counts.get("applied", {})
        self.stdout.write(
            f"Import batch {batch.pk} undone: {undo.get('created', 0)} persons deleted, "
            f"{undo.get('added', 0)} put back as they were."
        )

    def _import(self, options: dict[str, Any]) -> None:
        actor = self._actor(options["user"])
        mapping = ImportMapping.objects.filter(name=options["mapping"]).first() or builtin_mapping(
            options["mapping"]
        )
        if mapping is None:
            names = ", ".join(ImportMapping.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"No mapping named {options['mapping']!r}. Saved: {names}; built in: "
                f"{', '.join(BUILTIN_MAPPINGS)}."
            )
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        reading = {
            "actor": actor,
            "data": data,
            "filename": path.name,
            "mapping": mapping,
            "sheet": options["sheet"],
            "encoding": options["encoding"],
            "delimiter": options["delimiter"],
        }
        try:
            with _Progress(self.stdout, options["quiet"]) as progress:
                if options["dry_run"]:
                    preview = import_preview(**reading, progress=progress)
                    self._report(preview.sheet.described(), preview.counts, preview, options)
                    self.stdout.write("Dry run: nothing was written.")
                    return
                batch = import_batch_preview(**reading, progress=progress)
                self._report(_described(batch), batch.counts, batch, options)
                if options["preview"]:
                    self.stdout.write(
                        f"Import batch {batch.pk} is kept as a preview: review and apply it in "
                        "the console."
                    )
                    return
                applied = import_batch_apply(
                    actor=actor,
                    batch=batch,
                    hold_undecided=True,
                    hold_proposed=options["hold_proposed"],
                    progress=progress,
                )
        except ActionRefused as refused:
            raise CommandError(refused.message) from refused
        done = applied.batch.counts["applied"]
        self.stdout.write(
            f"Import batch {batch.pk} applied: {done['created']} persons created, "
            f"{done['added']} added to, {done['unchanged']} already known, "
            f"{done['skipped']} left out."
        )
        if applied.held is not None:
            self.stdout.write(
                f"{applied.held.rows.count()} rows wait for a person's decision in import "
                f"batch {applied.held.pk}: decide and apply them in the console."
            )
        self.stdout.write(
            f"To take it back while nothing else has touched it: lifeline import undo {batch.pk}."
        )

    def _actor(self, username: str) -> Actor:
        if not username:
            return SYSTEM
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user  # type: ignore[return-value]

    def _report(
        self,
        described: str,
        counts: dict[str, Any],
        source: Preview | ImportBatch,
        options: dict[str, Any],
    ) -> None:
        self.stdout.write(f"Read as {described}: {counts['rows']} rows.")
        self.stdout.write(
            f"  proposed as a person in the registry: {counts['same']}\n"
            f"  for a person to decide:               {counts['review']}\n"
            f"  new persons:                          {counts['new']}\n"
            f"  cannot be imported:                   {counts['invalid']}\n"
            f"  matching another row of the file:     {counts.get('twins', 0)}"
        )
        bad = _bad_rows(source)
        for line, _cells, problems in bad[:BAD_ROWS_SHOWN]:
            self.stdout.write(f"  line {line}: {problems}")
        if len(bad) > BAD_ROWS_SHOWN:
            self.stdout.write(f"  … and {len(bad) - BAD_ROWS_SHOWN} more.")
        target: Path | None = options["bad_rows"]
        if target is not None and bad:
            header = [*_header(source), "Line", "Problem"]
            rows = [[*cells, line, problems] for line, cells, problems in bad]
            write = rows_to_xlsx if target.suffix.lower() == ".xlsx" else rows_to_csv
            target.write_bytes(write(header, rows))
            self.stdout.write(
                f"The {len(bad)} bad rows are in {target}: fix them and import again."
            )


def _described(batch: ImportBatch) -> str:
    if batch.file_format == "csv":
        return f"CSV, encoding {batch.encoding}, delimiter {batch.delimiter!r}"
    return f"{batch.file_format.upper()}, sheet {batch.sheet_name}"


def _header(source: Preview | ImportBatch) -> list[str]:
    return list(source.sheet.header if isinstance(source, Preview) else source.header)


def _bad_rows(source: Preview | ImportBatch) -> list[tuple[int, list[str], str]]:
    width = len(_header(source))
    if isinstance(source, Preview):
        found = [(r.line, r.cells, r.errors) for r in source.bad_rows]
    else:
        found = [
            (r.line, list(r.cells), list(r.errors))
            for r in source.rows.filter(band="invalid").order_by("line")
        ]
    return [
        (line, (list(cells) + [""] * width)[:width], errors_text(errors))
        for line, cells, errors in found
    ]
