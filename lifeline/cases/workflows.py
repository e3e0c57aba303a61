"""The workflow of each case kind: its states, and which state may follow which.

Read a table as "from this state, the case may go to these states". Every case starts in
"new". "closed" is the only terminal state: it can be reached from every open state, closing
needs a note saying why, and a closed case is reopened into the state its "closed" row names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lifeline.cases.exceptions import TransitionNotAllowed as TransitionNotAllowed
from lifeline.cases.models import CaseKind

INITIAL = "new"
CLOSED = "closed"
# A family enquiry's state once its answer has gone out.
ANSWERED = "answered"

STATE_LABELS: dict[str, Promise] = {
    "new": _("new"),
    "in_contact": _("in contact"),
    "verifying": _("verifying"),
    "arranging": _("arranging"),
    "in_safety": _("in safety"),
    "tracing": _("tracing"),
    "answered": _("answered"),
    "scheduled": _("scheduled"),
    "completed": _("completed"),
    "in_progress": _("in progress"),
    "done": _("done"),
    "closed": _("closed"),
}

# A soldier who wants out: talk, check who he is, arrange the crossing, he is safe.
SURRENDER = {
    "new":        ("in_contact", "closed"),
    "in_contact": ("verifying", "closed"),
    "verifying":  ("arranging", "in_contact", "closed"),
    "arranging":  ("in_safety", "verifying", "closed"),
    "in_safety":  ("closed",),
    "closed":     ("in_contact",),
}  # fmt: skip

# A family asks after someone: talk to them, search the registry, give the answer.
FAMILY_ENQUIRY = {
    "new":        ("in_contact", "tracing", "closed"),
    "in_contact": ("tracing", "closed"),
    "tracing":    ("answered", "in_contact", "closed"),
    "answered":   ("tracing", "closed"),
    "closed":     ("in_contact",),
}  # fmt: skip

# A captive handed over to his family: check both sides, fix the meeting, it took place. The
# stages are the handover page's (Workflow.owned), so a reopened case starts again at "new".
HANDOVER = {
    "new":        ("verifying", "closed"),
    "verifying":  ("scheduled", "closed"),
    "scheduled":  ("completed", "verifying", "closed"),
    "completed":  ("closed",),
    "closed":     ("new",),
}  # fmt: skip

# Help with documents, claims, relocation, medical care.
ASSISTANCE = {
    "new":         ("in_progress", "closed"),
    "in_progress": ("done", "closed"),
    "done":        ("in_progress", "closed"),
    "closed":      ("in_progress",),
}  # fmt: skip

OTHER = {
    "new":         ("in_progress", "closed"),
    "in_progress": ("closed",),
    "closed":      ("in_progress",),
}  # fmt: skip

# States that need a note saying why when a case enters them.
NOTE_REQUIRED = frozenset({CLOSED})


@dataclass(frozen=True)
class Workflow:
    kind: str
    # How an error message names a case of this kind: "A surrender case".
    case_phrase: Promise
    transitions: Mapping[str, tuple[str, ...]]
    terminal: frozenset[str] = field(default=frozenset({CLOSED}))
    # States an open case enters only through the service that keeps their record (a handover
    # is verified, scheduled and completed on its own page), never by the status buttons.
    owned: frozenset[str] = field(default=frozenset())

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s for s in self.transitions if s not in self.terminal)

    def allowed_from(self, status: str) -> tuple[str, ...]:
        return self.transitions.get(status, ())

    def manual_from(self, status: str) -> tuple[str, ...]:
        """The states a person may move the case to by hand from `status`."""
        if status in self.terminal:
            return self.allowed_from(status)  # reopening is always by hand
        return tuple(s for s in self.allowed_from(status) if s not in self.owned)

    def allows(self, from_status: str, to_status: str) -> bool:
        return to_status in self.allowed_from(from_status)


WORKFLOWS: dict[str, Workflow] = {
    CaseKind.SURRENDER: Workflow(CaseKind.SURRENDER, _("A surrender case"), SURRENDER),
    CaseKind.FAMILY_ENQUIRY: Workflow(
        CaseKind.FAMILY_ENQUIRY, _("A family enquiry"), FAMILY_ENQUIRY
    ),
    CaseKind.HANDOVER: Workflow(
        CaseKind.HANDOVER,
        _("A handover case"),
        HANDOVER,
        owned=frozenset({"verifying", "scheduled", "completed"}),
    ),
    CaseKind.ASSISTANCE: Workflow(CaseKind.ASSISTANCE, _("An assistance case"), ASSISTANCE),
    CaseKind.OTHER: Workflow(CaseKind.OTHER, _("A case of kind 'other'"), OTHER),
}


def workflow_for(kind: str) -> Workflow:
    return WORKFLOWS[kind]


def state_label(status: str) -> str:
    return str(STATE_LABELS.get(status, status.replace("_", " ")))


def terminal_states() -> frozenset[str]:
    return frozenset().union(*(w.terminal for w in WORKFLOWS.values()))


def transition_check(*, kind: str, from_status: str, to_status: str, note: str = "") -> None:
    """Raise TransitionNotAllowed, with a message for the officer, unless the move is allowed."""
    workflow = workflow_for(kind)
    allowed = workflow.allowed_from(from_status)
    if to_status not in allowed:
        raise TransitionNotAllowed(
            gettext("%(case)s cannot go from '%(from)s' to '%(to)s'; allowed next: %(allowed)s.")
            % {
                "case": workflow.case_phrase,
                "from": state_label(from_status),
                "to": state_label(to_status),
                "allowed": ", ".join(state_label(s) for s in allowed) or gettext("nothing"),
            }
        )
    if to_status in NOTE_REQUIRED and not note.strip():
        raise TransitionNotAllowed(
            gettext("Write in the note why the case goes to '%(to)s'.")
            % {"to": state_label(to_status)}
        )
