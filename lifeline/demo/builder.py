"""Loads the demo: a registry of synthetic persons, cases with message threads, and demo users.

With them, some of everything the console works on: outcomes, assistance, exchange batches and
handovers, registry exports for the central agency, and a few inbound messages that failed,
for the failed-intake page. This module only runs the steps in order; each app's part is
drawn in the module named after it: `staff.py` (users and the credentials file),
`registry.py`, `cases.py`, `outcomes.py`, `tracing.py`, `intake.py` and `organisation.py`
(which draws nothing). The draws, in order, all come from one generator, so moving a step
changes every later one.

Everything is written in one transaction with bulk inserts, and audited as a single
"demo.load" event: the demo is one act of the system, not thousands of staff actions.
Passwords and receipt secrets are drawn with `secrets` and never fixed; the rest follows the
seed, so a given seed always gives the same registry and cases.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.cases.models import Case
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record
from lifeline.demo.cases import CASE_KIND_WEIGHTS, CaseBuilder, CaseDraft, demo_receipts
from lifeline.demo.intake import failed_intake
from lifeline.demo.names import SyntheticPerson, generate_persons
from lifeline.demo.organisation import organisation_fill
from lifeline.demo.outcomes import OutcomesBuilder, PlannedHandover
from lifeline.demo.registry import RegistryBuilder, RegistryEntry, registry_exports
from lifeline.demo.staff import (
    DEMO_USERS,
    credentials_path,
    credentials_text,
    demo_users_reset,
    write_private,
)
from lifeline.demo.tracing import enquiries_open
from lifeline.outcomes.services.common import HELD_STATUSES
from lifeline.registry.models import Person

DEFAULT_PERSONS = 2000
DEFAULT_CASES = 320
DEFAULT_SEED = 1949  # the year of Geneva Convention III


@dataclass
class DemoResult:
    counts: dict[str, int]
    credentials: Path
    receipts: list[tuple[str, str, str]] = field(default_factory=list)


def demo_loaded() -> bool:
    """True once the database holds any registry, case or demo-user data: the demo stays out."""
    return (
        Person.objects.exists()
        or Case.objects.exists()
        or User.objects.filter(username__in=[u for u, _ in DEMO_USERS]).exists()
    )


def _outcomes(
    rng: random.Random,
    now: datetime,
    staff: dict[str, User],
    registry: Sequence[RegistryEntry],
    drafts: Sequence[CaseDraft],
    relatives: Sequence[SyntheticPerson],
) -> dict[str, int]:
    """Offers, assistance, the planned handovers, and exchanges of persons no handover holds."""
    planned = [
        PlannedHandover(d.case, d.subject.person, d.subject.synthetic.language, d.handover)
        for d in drafts
        if d.handover is not None and d.subject is not None
    ]
    handed = {p.person.pk for p in planned}
    held = [
        (e.person, e.last_day)
        for e in registry
        if e.status in HELD_STATUSES and e.person.pk not in handed
    ]
    return OutcomesBuilder(rng, now, staff).build(
        cases=[d.case for d in drafts], handovers=planned, held=held, relatives=relatives
    )


def demo_load(
    *, persons: int = DEFAULT_PERSONS, cases: int = DEFAULT_CASES, seed: int = DEFAULT_SEED
) -> DemoResult:
    """Load the demo registry, cases and users; write and return the credentials file."""
    if persons < 1 or cases < len(CASE_KIND_WEIGHTS):
        raise ValueError(f"need at least 1 person and {len(CASE_KIND_WEIGHTS)} cases")
    rng = random.Random(seed)
    now = timezone.now()
    people = generate_persons(persons, seed=seed)
    outsiders = generate_persons(cases, seed=seed + 1)
    with transaction.atomic():
        users = demo_users_reset()
        staff = {username: user for username, (user, _) in users.items()}
        registry, registry_counts = RegistryBuilder(rng, now, staff["registrar"]).build(people)
        drafts, case_counts = CaseBuilder(rng, now, staff, registry, outsiders).build(cases)
        outcome_counts = _outcomes(rng, now, staff, registry, drafts, people)
        receipts = demo_receipts(drafts)
        counts = {**registry_counts, **case_counts, **outcome_counts, "users": len(users)}
        counts["enquiries"] = enquiries_open([d.case for d in drafts])
        counts["registry_exports"] = registry_exports(rng, now, staff)
        counts["failed_contacts"] = failed_intake(rng, now)
        counts["organisation"] = int(organisation_fill())
        audit_record(actor=SYSTEM, action=Action.DEMO_LOAD, detail={"counts": counts, "seed": seed})
    path = credentials_path()
    passwords = {username: password for username, (_, password) in users.items()}
    write_private(path, credentials_text(passwords, receipts, now))
    return DemoResult(counts=counts, credentials=path, receipts=receipts)
