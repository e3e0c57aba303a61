"""The inbox: every inbound and outbound item, and the conversations they belong to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lifeline.core.fields import (
    EncryptedBinaryField,
    EncryptedJSONField,
    EncryptedTextField,
    RowKeyField,
)
from lifeline.intake.calls import call_line_shown


class Channel(models.TextChoices):
    WEB = "web", _("web form")
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Conversation(models.Model):
    """A channel identity (web receipt, Telegram chat, address, number, WhatsApp id) and its case.

    The identity is kept encrypted; `identity_hash` (a keyed HMAC) finds it again without
    storing it in clear. Web conversations need neither: the receipt is their identity.
    """

    channel = models.CharField(max_length=20, choices=Channel.choices)
    identity_hash = models.CharField(max_length=64, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    identity = EncryptedTextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    created_at = models.DateTimeField()
    # The language the person chose or his client reported; the bot answers in it.
    language = models.CharField(max_length=10, blank=True)
    # Outbound pacing per chat: nothing is sent on this conversation before this time.
    next_send_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "identity_hash"],
                condition=~models.Q(identity_hash=""),
                name="one_conversation_per_channel_identity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} conversation {self.pk}"


class Contact(models.Model):
    """One inbound or outbound item: the inbox row and the outbound queue.

    An inbound item is committed, unique on (channel, external id), before the channel is told
    it arrived. Its raw `payload` is then interpreted by the channel's adapter in a background
    task, which files it under a conversation and a case; the payload is dropped once that has
    succeeded. An outbound item waits QUEUED until its adapter has sent it.
    """

    class Direction(models.TextChoices):
        IN = "in", _("inbound")
        OUT = "out", _("outbound")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be processed")
        PROCESSED = "processed", _("processed")
        FAILED = "failed", _("failed")
        QUEUED = "queued", _("queued to send")
        SENT = "sent", _("sent")

    # What `last_error` says from the moment an attempt starts until it ends. A worker killed
    # mid-attempt (out of memory, SIGKILL) writes nothing more, so this is what stays.
    WORKER_STOPPED = "WorkerStopped"

    channel = models.CharField(max_length=20, choices=Channel.choices)
    external_id = models.CharField(max_length=128)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    # Unknown until the adapter has read the payload (a Telegram update names its chat).
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    received_at = models.DateTimeField(db_index=True)
    language = models.CharField(max_length=10, blank=True)
    row_key = RowKeyField()  # what its encrypted values are bound to
    body = EncryptedTextField()
    # Structured answers of a form (e.g. the sought person's name and year), encrypted.
    fields = EncryptedJSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the channel delivered, as it delivered it; emptied once processed.
    payload = EncryptedJSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # When the next attempt to process or send is due; the sweeper re-queues what is overdue.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The provider's id of a sent message (Telegram message id, SMTP Message-ID).
    provider_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="contact_unique_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["state", "direction"]),
            models.Index(fields=["state", "next_attempt_at"]),
            # A provider's later report on a message we sent (WhatsApp's "failed" status)
            # finds it by the id the provider gave it, among millions of contacts.
            models.Index(
                fields=["channel", "provider_id"],
                name="contact_provider_id",
                condition=~models.Q(provider_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"

    @property
    def body_shown(self) -> str:
        """The body for staff to read: a call's line, which the system wrote, in their language."""
        body = str(self.body)
        return call_line_shown(body) if self.channel == Channel.PHONE else body

    @property
    def worker_stopped(self) -> bool:
        """Whether the last attempt never finished: its worker was killed or ran out of memory."""
        return self.last_error == self.WORKER_STOPPED


class Attachment(models.Model):
    """A file that came with a contact: metadata stripped, then stored encrypted."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="attachments")
    row_key = RowKeyField()  # what its encrypted values are bound to
    filename = EncryptedTextField(blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()  # of the stored, cleaned file
    data = EncryptedBinaryField()
    # What the cleaning did: "stripped" (metadata removed), "none" (a type that carries none),
    # or "unchecked" (a type we cannot clean; staff are warned before opening it).
    cleaning = models.CharField(max_length=20)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"attachment {self.pk} of contact {self.contact_id}"
