"""Cases, their timeline events, and the receipt that lets an anonymous visitor follow one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from lifeline.core.fields import EncryptedTextField, RowKeyField
from lifeline.core.wording import worded
from lifeline.intake.calls import call_line_shown

# What the system writes into a case's timeline itself: stored in English, worded for each
# reader when shown (core.wording).
REOPENED_TEXT = gettext_noop("Reopened: the person wrote again.")
SYSTEM_EVENT_TEXTS = (REOPENED_TEXT,)


class CaseKind(models.TextChoices):
    SURRENDER = "surrender", _("surrender")
    FAMILY_ENQUIRY = "family_enquiry", _("family enquiry")
    HANDOVER = "handover", _("handover")
    ASSISTANCE = "assistance", _("assistance")
    OTHER = "other", _("other")


# The kinds whose free-text replies need a second person's approval; fixed catalogue texts
# (lifeline/cases/data/fixed_replies.yaml) go out at once on every kind.
APPROVAL_KINDS = frozenset({CaseKind.FAMILY_ENQUIRY})


class Relationship(models.TextChoices):
    """Who the person writing is to the one sought (a family's enquiry, a handover's relative)."""

    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    SPOUSE = "spouse", _("wife or husband")
    CHILD = "child", _("daughter or son")
    SIBLING = "sibling", _("sister or brother")
    RELATIVE = "relative", _("other relative")
    OTHER = "other", _("friend or someone else")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("normal")
    URGENT = 1, _("urgent")


class Case(models.Model):
    """One matter handled end to end. Its status moves only through its kind's workflow."""

    reference = models.CharField(max_length=12, unique=True)
    # The receipt secret's keyed hash (argon2id for receipts issued before keyed hashes, see
    # core.receipts); empty for cases opened by staff without a receipt.
    secret_hash = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    status = models.CharField(max_length=30, default="new")
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    language = models.CharField(max_length=10, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    summary = EncryptedTextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Who made the latest change: a staff member, or nobody (the person wrote, the system
    # moved it). The queue does not mark as changed for a user what he changed himself.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set while the latest inbound message has no reply yet: the queue's "oldest waiting".
    waiting_since = models.DateTimeField(null=True, blank=True, db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["created_at"]),
            # The queue's order (cases.selectors.QUEUE_ORDER) over open cases only: a page of
            # the queue reads 50 entries, and its count the open cases, however many closed
            # ones the years leave. "closed" is every workflow's one terminal state
            # (tests/cases/test_queue.py checks it); another would need it here too.
            models.Index(
                models.F("priority").desc(),
                models.ExpressionWrapper(
                    models.Q(assignee__isnull=False), output_field=models.BooleanField()
                ),
                # PostgreSQL's ASC is NULLS LAST, as the queue's order; SQLite refuses the words.
                "waiting_since",
                "created_at",
                "id",
                name="case_queue_order",
                condition=~models.Q(status__in=["closed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def summary_shown(self) -> str:
        """The summary for staff to read: a missed call's, which the system wrote, in their
        language (intake.calls)."""
        return call_line_shown(str(self.summary))

    @property
    def replies_need_approval(self) -> bool:
        """Whether a free-text reply on this case waits for a second person before it goes out.

        A family asks about someone else: whatever we write to them in our own words may tell
        them what the registry says, so it is checked as a disclosure is (docs/security.md).
        """
        return self.kind in APPROVAL_KINDS


class QueueVisit(models.Model):
    """When a staff user last opened the queue: what "new since you last looked" counts from.

    Only a full view of the queue page moves it; the page's own refresh never does
    (docs/decisions/0014).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"queue seen by {self.user_id} at {self.seen_at}"


class CaseEvent(models.Model):
    """A timeline entry that is not a message: creation, status change, assignment, note."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        STATUS = "status", _("status changed")
        ASSIGNED = "assigned", _("assigned")
        NOTE = "note", _("note")
        PRIORITY = "priority", _("priority changed")
        CALL_BACK = "call_back", _("called back")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    text = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def text_shown(self) -> str:
        return worded(self.text, SYSTEM_EVENT_TEXTS)


class ReplyDraft(models.Model):
    """A free-text reply held until a second person approves it; only then is it sent.

    The sent message is `contact`; the draft keeps who wrote it and who decided, and when.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("awaiting approval")
        SENT = "sent", _("approved and sent")
        REJECTED = "rejected", _("rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reply_drafts")
    row_key = RowKeyField()  # what its encrypted values are bound to
    body = EncryptedTextField()
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
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
        ordering = ["drafted_at", "id"]

    def __str__(self) -> str:
        return f"reply draft {self.pk} on {self.case_id}"


class CallBackOutcome(models.TextChoices):
    """How a call back to a phone-only person went (a CALL_BACK event's `to_value`)."""

    REACHED = "reached", _("reached the person")
    NO_ANSWER = "no_answer", _("no answer")
    WRONG_NUMBER = "wrong_number", _("number not in use or someone else")


class CasePresence(models.Model):
    """That a staff user had a case's page open at `seen_at`: what colleagues see on the page.

    One row per user and case, overwritten on each view or poll; a row older than
    PRESENCE_TTL (cases.selectors) means nothing. `replying` is set while he had a reply typed.
    Staff only: nothing about a public visitor is recorded.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    replying = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_presence_per_user_case")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"


class ReplyTemplate(models.Model):
    """A text a supervisor keeps for operators to start a reply from, in one language.

    The body is staff-written text that goes to people, stored encrypted as replies are.
    """

    language = models.CharField(max_length=10)
    title = models.CharField(max_length=100)
    row_key = RowKeyField()  # what its encrypted values are bound to
    body = EncryptedTextField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["language", "title", "id"]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"
