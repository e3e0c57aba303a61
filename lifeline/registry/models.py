"""Registry tables: persons, name forms, status events, their sources, and agency exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from lifeline.core.fields import (
    EncryptedBinaryField,
    EncryptedJSONField,
    EncryptedTextField,
    RowKeyField,
)
from lifeline.core.wording import worded
from lifeline.registry.text import fold

if TYPE_CHECKING:
    from lifeline.registry.sheets import Sheet

# What the system writes as a source's title and a status event's note when a handover or an
# exchange completes: stored in English, filled in, and worded for each reader (core.wording).
HANDOVER_SOURCE_TITLE = gettext_noop("Handover record %(case)s")
EXCHANGE_SOURCE_TITLE = gettext_noop("Exchange batch #%(batch)d of %(date)s")
EXCHANGE_EVENT_NOTE = gettext_noop("Recorded on completion of exchange batch #%(batch)d.")
SYSTEM_SOURCE_TITLES = (HANDOVER_SOURCE_TITLE, EXCHANGE_SOURCE_TITLE)
SYSTEM_EVENT_NOTES = (EXCHANGE_EVENT_NOTE,)


def partial_date_errors(year: int | None, month: int | None, day: int | None) -> dict[str, Any]:
    """Problems with a date of birth known in part: a day needs its month, a month its year."""
    if month is not None and year is None:
        return {"birth_year": _("Give the year when the month is known.")}
    if day is not None and month is None:
        return {"birth_month": _("Give the month when the day is known.")}
    if year is not None and month is not None and day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return {"birth_day": _("This day does not exist in that month.")}
    return {}


class PersonStatus(models.TextChoices):
    CAPTURED = "captured", _("captured")
    HELD = "held", _("held")
    TRANSFERRED = "transferred", _("transferred")
    HOSPITALISED = "hospitalised", _("hospitalised")
    RELEASED = "released", _("released")
    REPATRIATED = "repatriated", _("repatriated")
    EXCHANGED = "exchanged", _("exchanged")
    HANDED_OVER = "handed_over", _("handed over")
    RESETTLED = "resettled", _("resettled")
    ESCAPED = "escaped", _("escaped")
    MISSING = "missing", _("missing")
    DEAD = "dead", _("dead")


# An event in one of these statuses names, as its place, where the person is now held: when it
# is his newest event, his record's place of detention follows it.
DETENTION_PLACE_STATUSES = frozenset({PersonStatus.HELD, PersonStatus.TRANSFERRED})


class Verification(models.TextChoices):
    REPORTED = "reported", _("reported")
    PROBABLE = "probable", _("probable")
    CONFIRMED = "confirmed", _("confirmed")


class Source(models.Model):
    """A document or report behind a fact, and how far it can be trusted."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("identity or military document")
        OFFICIAL_LIST = "official_list", _("official list")
        INTERVIEW = "interview", _("interview")
        WITNESS = "witness", _("witness report")
        MEDIA = "media", _("media or open source")
        FAMILY = "family", _("family report")
        OTHER = "other", _("other")

    class Reliability(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    reliability = models.CharField(max_length=10, choices=Reliability.choices)
    row_key = RowKeyField()  # what its encrypted values are bound to
    details = EncryptedTextField(blank=True)
    received_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title_shown

    @property
    def title_shown(self) -> str:
        return worded(self.title, SYSTEM_SOURCE_TITLES)


class Person(models.Model):
    """A person the bureau keeps a record of. Names live in NameForm; one is primary."""

    class Sex(models.TextChoices):
        MALE = "m", _("male")
        FEMALE = "f", _("female")
        UNKNOWN = "", _("unknown")

    class InformFamily(models.TextChoices):
        UNKNOWN = "unknown", _("not asked yet")
        YES = "yes", _("yes, inform the family")
        NO = "no", _("no, do not inform")

    # Not stored: the engine's score of this person for the name searched, set on a search's
    # results (selectors.person_search_for), None elsewhere.
    match_score: float | None = None

    # The primary name, copied from the primary NameForm for sorting and plain search.
    surname = models.CharField(max_length=100, db_index=True)
    given_name = models.CharField(max_length=100, blank=True)
    patronymic = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    place_of_birth = models.CharField(max_length=200, blank=True)
    father_name = models.CharField(max_length=100, blank=True)
    mother_maiden_name = models.CharField(max_length=100, blank=True)
    rank = models.CharField(max_length=100, blank=True)
    service_number = models.CharField(max_length=50, blank=True, db_index=True)
    unit = models.CharField(max_length=100, blank=True)
    power = models.CharField(max_length=100, blank=True, help_text=_("the power he depends on"))
    # `unit` case-folded in Python, so a search is case-insensitive in any script and database.
    unit_folded = models.CharField(max_length=100, blank=True, editable=False)
    current_status = models.CharField(
        max_length=20, choices=PersonStatus.choices, default=PersonStatus.MISSING, db_index=True
    )
    row_key = RowKeyField()  # what its encrypted values are bound to
    health = EncryptedTextField(blank=True)
    place_of_detention = EncryptedTextField(blank=True)
    grave_location = EncryptedTextField(blank=True)
    notes = EncryptedTextField(blank=True)
    inform_family = models.CharField(
        max_length=10, choices=InformFamily.choices, default=InformFamily.UNKNOWN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when this record was found to duplicate another and merged into it (registry.services.
    # person_merge). The row stays, so that the merge can be read and an old link still leads on.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["surname", "given_name", "patronymic", "id"]
        # The agency export picks the records created or changed in its window (exports.py).
        indexes = [models.Index(fields=["updated_at"]), models.Index(fields=["created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="person_birth_month_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_day__isnull=True)
                | models.Q(birth_day__gte=1, birth_day__lte=31),
                name="person_birth_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def date_of_birth_display(self) -> str:
        """The known part of the birth date: '1995', '03.1995' or '14.03.1995'."""
        if self.birth_year is None:
            return ""
        if self.birth_month is None:
            return f"{self.birth_year}"
        if self.birth_day is None:
            return f"{self.birth_month:02d}.{self.birth_year}"
        return f"{self.birth_day:02d}.{self.birth_month:02d}.{self.birth_year}"

    def clean(self) -> None:
        errors = partial_date_errors(self.birth_year, self.birth_month, self.birth_day)
        if errors:
            raise ValidationError(errors)

    def refresh_search_fields(self) -> None:
        """Recompute the folded search columns from the visible ones (call before saving)."""
        self.unit_folded = fold(self.unit)[:100]


# Person's fields by what they are for, read from the model so that a new field is one change.
# Kept by the system, never typed in by an officer: the status follows the status events, and a
# merge sets merged_into/merged_at.
PERSON_BOOKKEEPING_FIELDS = frozenset({"id", "current_status", "merged_into", "merged_at"})
# What an officer records about a person, in the model's order (forms, the person services).
PERSON_RECORD_FIELDS: tuple[str, ...] = tuple(
    field.name
    for field in Person._meta.concrete_fields
    if field.editable and field.name not in PERSON_BOOKKEEPING_FIELDS
)
# The primary name, copied from the primary NameForm.
PERSON_NAME_FIELDS = ("surname", "given_name", "patronymic")
# Sealed with the field keys: health, detention, grave, notes. Never in an agency export.
PERSON_SENSITIVE_FIELDS: tuple[str, ...] = tuple(
    field.name for field in Person._meta.concrete_fields if isinstance(field, EncryptedTextField)
)


class NameForm(models.Model):
    """One way the person's name is written: in a script, a language, from a source."""

    class Script(models.TextChoices):
        CYRILLIC = "cyrl", _("Cyrillic")
        LATIN = "latn", _("Latin")
        OTHER = "other", _("other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_forms")
    surname = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100, blank=True)
    patronymic = models.CharField(max_length=100, blank=True)
    script = models.CharField(max_length=5, choices=Script.choices)
    language = models.CharField(max_length=10, blank=True)
    # How a Latin form was made, when known: "icao", "bgn", "gost", "de"...
    transliteration = models.CharField(max_length=20, blank=True)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT)
    is_primary = models.BooleanField(default=False)
    # The name parts case-folded in Python: SQLite folds only ASCII, and search must not care.
    surname_folded = models.CharField(max_length=100, blank=True, editable=False)
    given_name_folded = models.CharField(max_length=100, blank=True, editable=False)
    patronymic_folded = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True),
                name="one_primary_name_form_per_person",
            )
        ]
        indexes = [models.Index(fields=["surname"]), models.Index(fields=["surname_folded"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    def refresh_search_fields(self) -> None:
        """Recompute the folded name columns from the visible ones (call before saving)."""
        self.surname_folded = fold(self.surname)[:100]
        self.given_name_folded = fold(self.given_name)[:100]
        self.patronymic_folded = fold(self.patronymic)[:100]


class StatusEvent(models.Model):
    """A change in what is known of the person: captured, transferred, released, dead..."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=20, choices=PersonStatus.choices)
    occurred_on = models.DateField(null=True, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    place = EncryptedTextField(blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="status_events")
    verification = models.CharField(max_length=10, choices=Verification.choices)
    note = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_on", "-recorded_at", "-id"]
        # The agency export reads the events recorded in its window (exports.py).
        indexes = [models.Index(fields=["recorded_at"])]

    def __str__(self) -> str:
        return f"{self.status} ({self.verification})"

    @property
    def note_shown(self) -> str:
        return worded(self.note, SYSTEM_EVENT_NOTES)

    @property
    def sort_key(self) -> tuple[date, datetime, int]:
        """Order of events in time; an undated report counts from the day it was recorded."""
        return (self.occurred_on or self.recorded_at.date(), self.recorded_at, self.pk or 0)


class RegistryExport(models.Model):
    """Registry changes since a date, for the central tracing agency (GC III Art. 122-123).

    A registrar or supervisor drafts it; a second person approves it. The file is made at
    approval, from the changes recorded between `since` and `until`, and kept encrypted, so
    every download is exactly what was approved: `sha256` and `row_count` describe it.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    since = models.DateField()
    until = models.DateTimeField()
    format = models.CharField(max_length=4, choices=Format.choices)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    content = EncryptedBinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("drafted_by")),
                name="registry_export_second_person_approves",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True, approved_by__isnull=True)
                | models.Q(approved_at__isnull=False, approved_by__isnull=False),
                name="registry_export_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"registry export {self.pk} since {self.since}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def filename(self) -> str:
        return f"lifeline-registry-export-{self.pk}-since-{self.since:%Y-%m-%d}.{self.format}"


class MatchKey(models.Model):
    """One blocking key of a person (lifeline.matching.blocking), indexed by key.

    The registry's services write a person's keys in the transaction that changes his names or
    birth date, so every process finds candidates with one query here and none keeps a copy of
    the registry. A person merged into another has none. Rebuilt by `lifeline match reindex`.
    """

    pk = models.CompositePrimaryKey("key", "person")
    key = models.TextField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.key} #{self.person_id}"


class MatchGram(models.Model):
    """One letter trigram of a surname skeleton some person's "f:" key holds
    (lifeline.matching.fuzzy), indexed by trigram.

    The vocabulary of skeletons, not the persons: a query whose surname the keys hardly know
    finds the skeletons nearest it here, then their persons through `MatchKey`. Written beside
    the keys (`matchkeys.keys_refresh`); rebuilt by `lifeline match reindex`.
    """

    pk = models.CompositePrimaryKey("gram", "skeleton")
    gram = models.TextField()
    skeleton = models.TextField()

    def __str__(self) -> str:
        return f"{self.gram!r} {self.skeleton}"


class MatchKeyRules(models.Model):
    """The key rules the stored keys were made under, and a rebuild's progress (one row).

    `version` is `lifeline.matching.blocking.key_rules_version()` when the table was last
    complete; `building` and `cursor` are a rebuild under way, resumed from the person after
    `cursor`.
    """

    version = models.CharField(max_length=40)
    building = models.CharField(max_length=40, blank=True)
    cursor = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"match keys {self.version}"


class RegistryTally(models.Model):
    """Persons by current status and verification level, and when they were counted.

    Counting a registry of a million persons takes seconds: too long for a page view. The
    worker's sweep recounts every REGISTRY_TALLY_SECONDS (tally.registry_tally_if_due); the
    dashboard and the public statistics show the latest count with its time. One row.
    """

    counts = models.JSONField(default=list)  # [[status, level, persons], ...]
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"registry tally at {self.computed_at:%Y-%m-%d %H:%M}"

    def as_dict(self) -> dict[tuple[str, str], int]:
        return {(status, level): n for status, level, n in self.counts}


# --- Bulk import (registry.imports, docs/import.md) -----------------------------------------


class ImportMapping(models.Model):
    """A saved, named reading of a file's columns: which column holds which field.

    `columns` maps a field of `imports.IMPORT_FIELDS` to a column's header (or, for the names in
    other scripts, a list of headers); `options` holds what a file does not say: the source's
    kind and reliability, the verification of its status events, the names' language.
    """

    name = models.CharField(max_length=100, unique=True)
    columns = models.JSONField(default=dict)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# What a list read from a file keeps of how it was read, as `sheets.Sheet` found it.
READ_FIELDS = ("file_format", "encoding", "delimiter", "sheet_name", "header")


class ReadList(models.Model):
    """A file read as a list and matched against the registry (an import's batch, a matched
    list): how it was read, by which mapping, at which thresholds, and its rows per band."""

    row_key = RowKeyField()  # what its encrypted values are bound to
    filename = EncryptedTextField(blank=True)  # a file's name may name a person
    file_format = models.CharField(max_length=5)
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    sheet_name = EncryptedTextField(blank=True)
    header = EncryptedJSONField(default=list)  # the file's column names, for its downloads
    mapping_used = models.JSONField(default=dict)  # the mapping as it was read (columns, options)
    threshold = models.FloatField()  # the engine's threshold: below it, no candidate
    same_person_score = models.FloatField()  # from here, proposed as the same person
    counts = models.JSONField(default=dict)  # rows per band (an import's, then per outcome)

    class Meta:
        abstract = True

    @staticmethod
    def read_from(sheet: Sheet) -> dict[str, Any]:
        """The READ_FIELDS of a `sheets.Sheet`, to create a list with."""
        return {
            "file_format": sheet.format,
            "encoding": sheet.encoding,
            "delimiter": sheet.delimiter,
            "sheet_name": sheet.sheet_name,
            "header": sheet.header,
        }


class ReadListRow(models.Model):
    """One row of a `ReadList`: its line, the row as read, the fields read from it, and its
    problems."""

    line = models.PositiveIntegerField()  # the row's line in the file, as a spreadsheet shows it
    row_key = RowKeyField()  # what its encrypted values are bound to
    cells = EncryptedJSONField(default=list)  # the row as read, for its downloads
    data = EncryptedJSONField(default=dict)  # the fields read from it (importing.RowData)
    errors = EncryptedJSONField(default=list)  # [{"field", "code", "value"}]: importing.RowError

    class Meta:
        abstract = True


class ImportBatch(ReadList):
    """One import of a file: previewed, then applied in one transaction, or undone as a whole.

    Its rows hold what was read and what the engine found; nothing reaches the registry before
    `imports.import_batch_apply`. Rows a person must still decide on when a batch is applied
    move to a new batch (`held_from`), previewed again, so each batch is applied once.
    """

    class State(models.TextChoices):
        PREVIEW = "preview", _("preview")
        APPLIED = "applied", _("applied")
        UNDONE = "undone", _("undone")
        DISCARDED = "discarded", _("discarded")

    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEW)
    mapping = models.ForeignKey(
        ImportMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    held_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="held_batches"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    matched_at = models.DateTimeField()  # when its rows were last matched against the registry
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import batch {self.pk} ({self.state})"


class ImportRow(ReadListRow):
    """One row of an imported file: as read, its problems, what the engine found, the decision,
    and what applying it wrote (kept so that the batch can be undone)."""

    class Band(models.TextChoices):
        INVALID = "invalid", _("cannot be imported")
        SAME = "same", _("proposed as a person in the registry")
        REVIEW = "review", _("for a person to decide")
        NEW = "new", _("new person")

    class Decision(models.TextChoices):
        NONE = "", _("not decided")
        SAME = "same", _("the same person")
        NEW = "new", _("a new person")
        SKIP = "skip", _("leave out")

    class Outcome(models.TextChoices):
        NONE = "", _("not applied")
        CREATED = "created", _("created a person")
        ADDED = "added", _("added to a person")
        UNCHANGED = "unchanged", _("nothing new for the person")
        SKIPPED = "skipped", _("left out")
        UNDONE = "undone", _("undone")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    band = models.CharField(max_length=10, choices=Band.choices)
    score = models.FloatField(null=True, blank=True)  # the best registry candidate's score
    candidate = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The best candidates with the engine's explanation, for the side-by-side screen.
    candidates = EncryptedJSONField(default=list)
    twin_line = models.PositiveIntegerField(null=True, blank=True)  # an earlier row, same man?
    twin_score = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=5, choices=Decision.choices, blank=True)
    target = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the person the row is added to, when decided (or proposed) the same
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the person created or added to
    name_forms = models.JSONField(default=list)  # ids of the name forms it added
    status_event = models.ForeignKey(
        StatusEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person added to: his fields before, to put back on undo (status, place of detention).
    previous = EncryptedJSONField(default=dict)

    class Meta:
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_row_line_once"),
        ]
        indexes = [models.Index(fields=["batch", "band"])]

    def __str__(self) -> str:
        return f"import row {self.batch_id}:{self.line}"


class ImportUpload(models.Model):
    """A file uploaded in the console, kept (encrypted) from the upload to its preview batch.

    The console reads a file in steps (how it was read, then the mapping) without asking for it
    again. It goes once the batch is made, and any left behind after IMPORT_UPLOAD_HOURS go
    with the next upload.
    """

    row_key = RowKeyField()  # what its encrypted values are bound to
    filename = EncryptedTextField(blank=True)
    content = EncryptedBinaryField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"import upload {self.pk}"


class ImportJob(models.Model):
    """A file matched, a batch applied or undone, or a list matched, by the worker rather than
    while the officer's page waits: for a list longer than IMPORT_INLINE_ROWS, which would
    outlast the web request.

    The page of the job says whether the worker has started and reloads itself (a meta
    refresh, no script) until it is done; then it leads to the batch or the matched list. A
    job that fails says why and wrote nothing: the services it runs are each one transaction.
    """

    class Kind(models.TextChoices):
        MATCH = "match", _("reading and matching the file")
        APPLY = "apply", _("applying the import")
        UNDO = "undo", _("undoing the import")
        LIST = "list", _("matching the list")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    row_key = RowKeyField()  # what its encrypted values are bound to
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    upload = models.ForeignKey(
        ImportUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The batch applied, or the preview batch the match made.
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    # The list a LIST job matched.
    list_match = models.ForeignKey(
        "ListMatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = EncryptedJSONField(default=dict)  # how to read and map the file (a sheet's name...)
    total = models.PositiveIntegerField(default=0)  # rows in the file or the batch
    message = models.TextField(blank=True)  # why it failed, in the requester's language
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"import job {self.pk}"

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


# --- Matching a whole list (registry.lists, docs/lists.md) ----------------------------------


class ListMatch(ReadList):
    """A list matched against the registry as a whole, nothing written to the registry: an
    exchange list from the other party, an agency's list of sought persons, a family group's
    names. Read by a saved mapping as an import is; its rows hold what the engine found and
    each row's confirmation or rejection."""

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", _("exchange list from the other party")
        SOUGHT = "sought", _("an agency's list of sought persons")
        FAMILY = "family", _("names from a family group")
        OTHER = "other", _("other list")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    mapping = models.ForeignKey(
        ImportMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="lists"
    )
    close_margin = models.FloatField()  # candidates this near the best are "several close"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"list match {self.pk}"


class ListMatchRow(ReadListRow):
    """One row of a matched list: as read, its problems, the best registry candidates with the
    engine's explanation, its band, and whether a person confirmed one of them or rejected all."""

    class Band(models.TextChoices):
        SAME = "same", _("likely the same person")
        POSSIBLE = "possible", _("possible match")
        CLOSE = "close", _("several close")
        NONE = "none", _("no match")
        INVALID = "invalid", _("cannot be read")

    class Decision(models.TextChoices):
        NONE = "", _("not decided")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    list_match = models.ForeignKey(ListMatch, on_delete=models.CASCADE, related_name="rows")
    band = models.CharField(max_length=10, choices=Band.choices)
    score = models.FloatField(null=True, blank=True)  # the best registry candidate's score
    # The best candidates with the engine's explanation: [{"person", "score", "fields"}].
    candidates = EncryptedJSONField(default=list)
    twin_line = models.PositiveIntegerField(null=True, blank=True)  # another row, same man?
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the candidate confirmed as the row's person
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["list_match", "line"]
        constraints = [
            models.UniqueConstraint(fields=["list_match", "line"], name="list_match_row_line_once"),
        ]
        indexes = [models.Index(fields=["list_match", "band"])]

    def __str__(self) -> str:
        return f"list row {self.list_match_id}:{self.line}"
