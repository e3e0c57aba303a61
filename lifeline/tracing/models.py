"""Tracing tables: enquiries, the candidates proposed for them, disclosures, duplicate pairs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import Relationship
from lifeline.core.fields import EncryptedJSONField, EncryptedTextField, RowKeyField


class Enquiry(models.Model):
    """A family's request to trace someone: who asks, and the sought person as described."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MATCHED = "matched", _("matched")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    class Verification(models.TextChoices):
        DOCUMENTS = "documents", _("documents seen")
        CALLBACK = "callback", _("called back on a known number")
        IN_PERSON = "in_person", _("met in person")
        QUESTIONS = "questions", _("answered questions only the family can")
        OTHER = "other", _("other (see note)")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="enquiries")
    # The web submission it came from: opening an enquiry from a contact twice is a no-op.
    source_contact = models.OneToOneField(
        "intake.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    row_key = RowKeyField()  # what its encrypted values are bound to
    enquirer_name = EncryptedTextField(blank=True)
    enquirer_contact = EncryptedTextField(blank=True)
    relationship = models.CharField(max_length=20, blank=True, choices=Relationship.choices)
    # The sought person as the family describes him; names and places are sensitive.
    sought_surname = EncryptedTextField(blank=True)
    sought_given_name = EncryptedTextField(blank=True)
    sought_patronymic = EncryptedTextField(blank=True)
    sought_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sought_birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    sought_birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    sought_unit = EncryptedTextField(blank=True)
    sought_place = EncryptedTextField(blank=True)
    sought_text = EncryptedTextField(blank=True)
    # The registry person a tracing officer confirmed this enquiry is about.
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
    )
    enquirer_verified = models.BooleanField(default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_how = models.CharField(max_length=20, choices=Verification.choices, blank=True)
    verification_note = EncryptedTextField(blank=True)
    # Set when re-matching found a new candidate above the threshold: back in the queue.
    needs_review = models.BooleanField(default=False, db_index=True)
    last_matched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-needs_review", "created_at", "id"]
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return f"enquiry {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.MATCHED)

    @property
    def sought_name(self) -> str:
        parts = (self.sought_surname, self.sought_given_name, self.sought_patronymic)
        return " ".join(p for p in parts if p)

    @property
    def sought_birth_display(self) -> str:
        year, month, day = self.sought_birth_year, self.sought_birth_month, self.sought_birth_day
        if year is None:
            return ""
        if month is None:
            return f"{year}"
        if day is None:
            return f"{month:02d}.{year}"
        return f"{day:02d}.{month:02d}.{year}"


class MatchCandidate(models.Model):
    """A registry person the engine proposed for an enquiry, and the officer's decision."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    # From each state, the states an officer may move a candidate to. A rejected candidate is
    # never proposed again by matching; only an officer may take the rejection back.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.PROPOSED: (State.CONFIRMED, State.REJECTED),
        State.CONFIRMED: (State.PROPOSED,),
        State.REJECTED: (State.PROPOSED,),
    }

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="match_candidates"
    )
    score = models.FloatField()
    # [{"field", "contribution", "text"}]: it quotes the enquiry's spellings, so it is sealed.
    row_key = RowKeyField()  # what its encrypted values are bound to
    explanation = EncryptedJSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    proposed_at = models.DateTimeField()
    scored_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "person"], name="one_candidate_per_person")
        ]

    def __str__(self) -> str:
        return f"candidate {self.person_id} for enquiry {self.enquiry_id}"

    def allows(self, to_state: str) -> bool:
        return to_state in self.TRANSITIONS.get(self.state, ())


class Disclosure(models.Model):
    """What was told to an enquirer, to whom, drafted by whom and approved by whom, and when."""

    class State(models.TextChoices):
        DRAFT = "draft", _("awaiting approval")
        SENT = "sent", _("approved and sent")
        REJECTED = "rejected", _("rejected")

    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="disclosures")
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    row_key = RowKeyField()  # what its encrypted values are bound to
    text = EncryptedTextField()
    recipient = EncryptedTextField(blank=True)  # the enquirer's name and relationship, as then
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(blank=True)
    contact = models.OneToOneField(
        "intake.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-drafted_at", "-id"]

    def __str__(self) -> str:
        return f"disclosure {self.pk}"

    @property
    def recipient_shown(self) -> str:
        """The recipient as stored ("Ольга (mother)"), his relationship in the reader's language."""
        name, _paren, code = self.recipient.removesuffix(")").rpartition(" (")
        if name and code in Relationship.values:
            return f"{name} ({Relationship(code).label})"
        return self.recipient


class DuplicatePair(models.Model):
    """Two registry persons the linkage pass thinks are one, and what a registrar decided."""

    class State(models.TextChoices):
        OPEN = "open", _("to review")
        DISMISSED = "dismissed", _("not the same person")
        MERGED = "merged", _("merged")

    left = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    found_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="one_pair_per_two_persons"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="left_lt_right"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id}"
