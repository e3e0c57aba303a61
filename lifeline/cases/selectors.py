"""Reads of cases for a staff user; each checks that the user may see cases at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CasePresence,
    Priority,
    QueueVisit,
    ReplyDraft,
    ReplyTemplate,
)
from lifeline.cases.workflows import terminal_states
from lifeline.core.access import Perm, require_perm
from lifeline.core.receipts import normalise_reference
from lifeline.intake.adapters import adapter_for
from lifeline.intake.models import Attachment, Channel, Contact, Conversation

if TYPE_CHECKING:
    from lifeline.accounts.models import User

# How long a colleague counts as having a case open after his last view or poll.
PRESENCE_TTL = timedelta(minutes=2)

# name -> (label, which timestamp, how old). "waiting" means older than; "created" younger than.
AGE_FILTERS: dict[str, tuple[Any, str, timedelta]] = {
    "waiting_1h": (_("waiting more than 1 hour"), "waiting", timedelta(hours=1)),
    "waiting_24h": (_("waiting more than 24 hours"), "waiting", timedelta(hours=24)),
    "waiting_7d": (_("waiting more than 7 days"), "waiting", timedelta(days=7)),
    "created_24h": (_("opened in the last 24 hours"), "created", timedelta(hours=24)),
    "created_7d": (_("opened in the last 7 days"), "created", timedelta(days=7)),
}
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
STATUS_ALL = "all"
ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    status: str = STATUS_OPEN  # "open", "closed", "all", or one workflow state
    age: str = ""  # a key of AGE_FILTERS
    assignee: str = ""  # "me", "none", a user's id, or "" for anyone
    urgent: bool = False  # urgent cases only
    changed_since: datetime | None = None  # only cases opened or changed after this


# Urgent first; then unassigned before assigned, the longest waiting, the oldest.
QUEUE_ORDER = (
    F("priority").desc(),
    "is_assigned",
    F("waiting_since").asc(nulls_last=True),
    "created_at",
    "id",
)


def case_get_for(*, user: User, key: str | int) -> Case:
    """The case with this id or reference, for a user who may see cases.

    Raises PermissionDenied before looking, so a refused user learns nothing about existence.
    """
    require_perm(user, Perm.CASE_VIEW)
    cases = Case.objects.select_related("assignee")
    text = str(key).strip()
    if text.isdigit():
        case = cases.filter(pk=int(text)).first()
    else:
        reference = normalise_reference(text)
        case = cases.filter(reference=reference).first() if reference else None
    if case is None:
        raise Http404("no such case")
    return case


def case_queue_for(*, user: User, filters: QueueFilters) -> QuerySet[Case]:
    """Cases matching `filters`: urgent first; then unassigned, longest waiting, oldest.

    The order is the index `case_queue_order` (cases.models), so a page of the queue is read
    from it rather than by sorting every open case.
    """
    require_perm(user, Perm.CASE_VIEW)
    cases = Case.objects.select_related("assignee")
    terminal = terminal_states()
    if filters.status == STATUS_OPEN:
        cases = cases.exclude(status__in=terminal)
    elif filters.status == STATUS_CLOSED:
        cases = cases.filter(status__in=terminal)
    elif filters.status and filters.status != STATUS_ALL:
        cases = cases.filter(status=filters.status)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.age in AGE_FILTERS:
        _label, stamp, age = AGE_FILTERS[filters.age]
        cutoff = timezone.now() - age
        if stamp == "waiting":
            cases = cases.filter(waiting_since__lte=cutoff)
        else:
            cases = cases.filter(created_at__gte=cutoff)
    if filters.assignee == ASSIGNEE_ME:
        cases = cases.filter(assignee=user)
    elif filters.assignee == ASSIGNEE_NONE:
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    if filters.urgent:
        cases = cases.filter(priority=Priority.URGENT)
    if filters.changed_since is not None:
        cases = cases.filter(_news_for(user, filters.changed_since))
    return cases.annotate(
        is_assigned=ExpressionWrapper(Q(assignee__isnull=False), output_field=BooleanField())
    ).order_by(*QUEUE_ORDER)


def case_open_counts_for(*, user: User) -> list[tuple[str, str, int]]:
    """(kind, label, number of open cases) for every kind, zeros included."""
    require_perm(user, Perm.CASE_VIEW)
    rows = (
        Case.objects.exclude(status__in=terminal_states())
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["kind"]: row["n"] for row in rows}
    return [(kind, str(label), counts.get(kind, 0)) for kind, label in CaseKind.choices]


@dataclass(frozen=True)
class QueueNews:
    """What changed in the queue since `since`: cases opened, and others changed."""

    since: datetime
    opened: int
    changed: int


def case_queue_news_for(*, user: User, filters: QueueFilters, since: datetime) -> QueueNews:
    """How many of the cases `filters` select were opened, or changed, after `since`."""
    news = _news_for(user, since)
    counts = case_queue_for(user=user, filters=filters).aggregate(
        opened=Count("id", filter=news & Q(created_at__gt=since)),
        changed=Count("id", filter=news & Q(created_at__lte=since)),
    )
    return QueueNews(since=since, opened=counts["opened"], changed=counts["changed"])


def _news_for(user: User, since: datetime) -> Q:
    """Cases changed after `since` by someone other than `user`: what he did himself is no news."""
    return Q(updated_at__gt=since) & ~Q(updated_by=user)


def queue_visit_last_for(*, user: User) -> datetime | None:
    """When `user` last opened the queue page, or None if never."""
    return QueueVisit.objects.filter(user=user).values_list("seen_at", flat=True).first()


PREVIEW_CHARS = 80


def case_previews_for(*, user: User, cases: Sequence[Case]) -> dict[int, str]:
    """A case's id -> the start of its summary, or else of its first inbound message.

    This is case content: only a user who may read cases gets it, and the view records the
    read (services.case_preview_record). One query finds the messages, one reads them.
    """
    require_perm(user, Perm.CASE_VIEW)
    previews = {case.pk: _preview(case.summary_shown) for case in cases if case.summary}
    missing = [case.pk for case in cases if not previews.get(case.pk)]
    first_inbound = (
        Contact.objects.filter(case=OuterRef("pk"), direction=Contact.Direction.IN)
        .order_by("received_at", "id")
        .values("id")[:1]
    )
    contact_ids = (
        Case.objects.filter(pk__in=missing)
        .annotate(first=Subquery(first_inbound))
        .exclude(first=None)
        .values_list("first", flat=True)
    )
    if missing:
        for contact in Contact.objects.filter(pk__in=list(contact_ids)).only(
            "id", "case_id", "row_key", "channel", "body"
        ):
            if contact.case_id is not None:
                previews[contact.case_id] = _preview(contact.body_shown)
    return {pk: text for pk, text in previews.items() if text}


def _preview(text: str) -> str:
    """`text` on one line, cut at a word to at most PREVIEW_CHARS characters."""
    line = " ".join(text.split())
    if len(line) <= PREVIEW_CHARS:
        return line
    cut = line[: PREVIEW_CHARS - 1]
    if " " in cut[PREVIEW_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def contact_list_for_case(*, case: Case) -> QuerySet[Contact]:
    """Every inbound and outbound item of `case`, oldest first."""
    return Contact.objects.filter(case=case).order_by("received_at", "id")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline: a message (`contact`) or anything else (`event`)."""

    at: datetime
    kind: str  # "in", "out" (messages), "note", "event", "draft" (a reply held for approval)
    contact: Contact | None = None
    event: CaseEvent | None = None
    draft: ReplyDraft | None = None


def case_timeline_for(*, user: User, case: Case) -> list[TimelineEntry]:
    """Messages and case events of `case`, oldest first."""
    require_perm(user, Perm.CASE_VIEW)
    entries = [
        TimelineEntry(at=c.received_at, kind=c.direction, contact=c)
        for c in contact_list_for_case(case=case)
        .select_related("author")
        .prefetch_related(
            # The list needs names and sizes, not the files: don't load and decrypt them.
            Prefetch("attachments", queryset=Attachment.objects.defer("data").order_by("id"))
        )
    ]
    for event in CaseEvent.objects.filter(case=case).select_related("actor"):
        kind = "note" if event.kind == CaseEvent.Kind.NOTE else "event"
        entries.append(TimelineEntry(at=event.at, kind=kind, event=event))
    for draft in ReplyDraft.objects.filter(case=case).select_related("drafted_by", "decided_by"):
        entries.append(TimelineEntry(at=draft.drafted_at, kind="draft", draft=draft))
    # At the same instant a message goes before an event: the event usually answers it.
    entries.sort(key=lambda e: (e.at, e.contact is None))
    return entries


def reply_draft_get_for(*, user: User, pk: int) -> ReplyDraft:
    """A held reply, with its case, for a user who may see cases."""
    require_perm(user, Perm.CASE_VIEW)
    draft = ReplyDraft.objects.select_related("case", "drafted_by").filter(pk=pk).first()
    if draft is None:
        raise Http404("no such reply draft")
    return draft


def reply_draft_pending_for(*, user: User) -> QuerySet[ReplyDraft]:
    """Replies awaiting a second person's approval, oldest first, for those who may approve."""
    require_perm(user, Perm.DISCLOSURE_APPROVE)
    return ReplyDraft.objects.filter(state=ReplyDraft.State.DRAFT).select_related(
        "case", "drafted_by"
    )


def case_reply_conversation(*, case: Case) -> Conversation | None:
    """The conversation a reply on `case` goes out on: the latest one whose channel can send.

    None for a case reached only by phone (or on no channel at all): it is answered by calling
    back, and the case page offers no reply box.
    """
    conversations = case.conversations.order_by("-created_at", "-id")
    return next((c for c in conversations if adapter_for(c.channel).can_reply), None)


def case_phone_numbers_held(*, case: Case) -> bool | None:
    """Whether the person of `case` called from a number we hold; None if he never called."""
    calls = case.conversations.filter(channel=Channel.PHONE)
    if not calls.exists():
        return None
    return calls.exclude(identity_hash="").exists()


def case_presence_others(*, user: User, case: Case) -> list[CasePresence]:
    """Colleagues who had `case` open within PRESENCE_TTL, not `user` himself; staff only."""
    require_perm(user, Perm.CASE_VIEW)
    since = timezone.now() - PRESENCE_TTL
    return list(
        CasePresence.objects.filter(case=case, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("-replying", "user__username")
    )


def reply_template_list_for(*, user: User) -> QuerySet[ReplyTemplate]:
    """Every reply template, for those who may use them (anyone who works cases)."""
    require_perm(user, Perm.CASE_WORK)
    return ReplyTemplate.objects.all()


def reply_template_get_for(*, user: User, pk: int) -> ReplyTemplate:
    require_perm(user, Perm.CASE_WORK)
    template = ReplyTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404("no such reply template")
    return template


def reply_templates_for_case(*, user: User, case: Case) -> list[ReplyTemplate]:
    """The templates to offer on `case`: those in its language first, then the others."""
    templates = list(reply_template_list_for(user=user))
    return sorted(templates, key=lambda t: t.language != case.language)
