"""Outcomes offered on surrender cases, assistance items, exchange batches and handovers."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import Case, Relationship
from lifeline.core.access import CONSOLE_LANGUAGES
from lifeline.core.fields import EncryptedTextField, RowKeyField
from lifeline.registry.models import Person, Source

# --- Outcomes on a surrender case ----------------------------------------------------------


class OutcomeOption(models.TextChoices):
    PRISONER_OF_WAR = "pow", _("held as a prisoner of war")
    EXCHANGE = "exchange", _("included in an exchange")
    STAY = "stay", _("staying")
    RESETTLEMENT = "resettlement", _("resettlement in a third country")


class OutcomeOffer(models.Model):
    """One option offered to the person of a surrender case; at most one per case is chosen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcome_offers")
    option = models.CharField(max_length=20, choices=OutcomeOption.choices)
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen = models.BooleanField(default=False)
    chosen_at = models.DateTimeField(null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    row_key = RowKeyField()  # what its encrypted values are bound to
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["case", "offered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "option"], name="one_offer_per_option"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(chosen=True), name="one_chosen_outcome_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.option}"


# --- Assistance ----------------------------------------------------------------------------


# The catalogue the hotline starts with, seeded by migration 0002 under these English names and
# descriptions. A row that still has its seeded name is shown in the reader's language; once an
# admin renames it, it is shown as he wrote it.
SEEDED_ASSISTANCE_TYPES: dict[str, str] = {
    gettext_noop("identity documents"): gettext_noop("New or replacement identity documents."),
    gettext_noop("amnesty or reward claim"): gettext_noop(
        "A claim under an amnesty or reward programme."
    ),
    gettext_noop("medical care"): gettext_noop("Treatment, medicines, a medical check."),
    gettext_noop("relocation"): gettext_noop(
        "Moving the person, and his family where needed, to a safe place."
    ),
}


class AssistanceType(models.Model):
    """An entry of the catalogue admins keep. A type in use is deactivated, never deleted."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language if it is still the seeded one, else as written."""
        return gettext(self.name) if self.name in SEEDED_ASSISTANCE_TYPES else self.name

    @property
    def description_shown(self) -> str:
        if SEEDED_ASSISTANCE_TYPES.get(self.name) == self.description:
            return gettext(self.description)
        return self.description

    def as_stored(self, name: str, description: str) -> tuple[str, str]:
        """What an admin saves from the edit form, with the seeded texts he left as they were
        shown to him (in his language) stored in English again, to stay worded for everyone."""
        if name == self.label:
            name = self.name
        if description == self.description_shown:
            description = self.description
        return name, description


class AssistanceStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    IN_PROGRESS = "in_progress", _("in progress")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")
    CANCELLED = "cancelled", _("cancelled")


# From this status, an item may go to these. A refusal can be appealed; a cancelled request
# can be made again; a grant is final.
ASSISTANCE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AssistanceStatus.REQUESTED: (
        AssistanceStatus.IN_PROGRESS,
        AssistanceStatus.GRANTED,
        AssistanceStatus.REFUSED,
        AssistanceStatus.CANCELLED,
    ),
    AssistanceStatus.IN_PROGRESS: (
        AssistanceStatus.GRANTED,
        AssistanceStatus.REFUSED,
        AssistanceStatus.CANCELLED,
    ),
    AssistanceStatus.REFUSED: (AssistanceStatus.IN_PROGRESS,),
    AssistanceStatus.CANCELLED: (AssistanceStatus.REQUESTED,),
    AssistanceStatus.GRANTED: (),
}


class AssistanceItem(models.Model):
    """Help asked for on a surrender or assistance case, with its status."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assistance_items")
    type = models.ForeignKey(AssistanceType, on_delete=models.PROTECT, related_name="items")
    status = models.CharField(
        max_length=20, choices=AssistanceStatus.choices, default=AssistanceStatus.REQUESTED
    )
    row_key = RowKeyField()  # what its encrypted values are bound to
    note = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.type_id} {self.status}"

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return ASSISTANCE_TRANSITIONS.get(self.status, ())

    @property
    def next_choices(self) -> list[tuple[str, str]]:
        """(status, label) of each status the item may go to next."""
        return [(s, str(AssistanceStatus(s).label)) for s in self.next_statuses]


class AssistanceEvent(models.Model):
    """One line of an item's history: created, or moved from one status to another."""

    item = models.ForeignKey(AssistanceItem, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=AssistanceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AssistanceStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    row_key = RowKeyField()  # what its encrypted values are bound to
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["item", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.from_status} -> {self.to_status}"


# --- Exchanges -----------------------------------------------------------------------------


class ExchangeBatch(models.Model):
    """Persons exchanged together: one date, one place, one counterpart."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONFIRMED = "confirmed", _("confirmed")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    planned_on = models.DateField()
    # Where an exchange happens is operational information: sealed like a person's details.
    row_key = RowKeyField()  # what its encrypted values are bound to
    place = EncryptedTextField()
    counterpart = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # The record behind the registry's "exchanged" events, made when the batch is completed.
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["status", "planned_on"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.planned_on}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.CONFIRMED)


class ExchangeOutcome(models.TextChoices):
    PENDING = "pending", _("pending")
    EXCHANGED = "exchanged", _("exchanged")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REFUSED = "refused", _("refused")


# An entry holds its person while his exchange may still happen.
ACTIVE_OUTCOMES = frozenset({ExchangeOutcome.PENDING, ExchangeOutcome.EXCHANGED})


class ExchangeEntry(models.Model):
    """A person on a batch's list and what became of him there."""

    batch = models.ForeignKey(ExchangeBatch, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exchange_entries")
    outcome = models.CharField(
        max_length=20, choices=ExchangeOutcome.choices, default=ExchangeOutcome.PENDING
    )
    # Kept by the services: the batch is open and the outcome is pending or exchanged.
    active = models.BooleanField(default=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    note = EncryptedTextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "person"], name="one_entry_per_batch"),
            models.UniqueConstraint(
                fields=["person"], condition=Q(active=True), name="one_active_batch_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.person_id} {self.outcome}"


# --- Handovers -----------------------------------------------------------------------------

# The checklist every handover starts with, in order. Its steps are stored in English, as
# written here, and shown in the reader's language; a step typed by staff is shown as written.
DEFAULT_HANDOVER_STEPS = (
    gettext_noop("Identity of the relative checked against the documents"),
    gettext_noop("The person's consent to go with the relative confirmed"),
    gettext_noop("Medical check done"),
    gettext_noop("Belongings returned to the person"),
    gettext_noop("Receipt signed by the relative"),
)


@cache
def _relationship_of_label() -> dict[str, str]:
    """Each relationship's label in each console language, to its code (for rows that stored
    the label the verifying officer read, before the code was stored)."""
    found: dict[str, str] = {}
    for language in CONSOLE_LANGUAGES:
        with translation.override(language):
            found |= {str(label): code for code, label in Relationship.choices}
    return found


class Handover(models.Model):
    """A captive collected by a relative: verified, scheduled, the steps done, completed."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="handover")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="handovers")
    row_key = RowKeyField()  # what its encrypted values are bound to
    relative_name = EncryptedTextField(blank=True)
    relationship = EncryptedTextField(blank=True)
    # Which documents were checked, with their numbers.
    documents = EncryptedTextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    meeting_point = EncryptedTextField(blank=True)
    meeting_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"handover {self.case_id}"

    @property
    def relationship_label(self) -> str:
        """The relationship (stored as its code, "mother") in the reader's language."""
        code = _relationship_of_label().get(self.relationship, self.relationship)
        return str(Relationship(code).label) if code in Relationship.values else code

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_at is not None

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def stage(self) -> str:
        """The stage the handover is at: verify, schedule, steps, complete or completed."""
        if self.is_completed:
            return "completed"
        if not self.is_verified:
            return "verify"
        if not self.is_scheduled:
            return "schedule"
        return "steps"


class HandoverStep(models.Model):
    """One item of a handover's checklist."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handover", "position"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The step in the reader's language if it is one of the defaults, else as written."""
        return gettext(self.text) if self.text in DEFAULT_HANDOVER_STEPS else self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
