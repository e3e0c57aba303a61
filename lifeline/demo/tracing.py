"""The demo's family enquiries: opened and matched from their first web message."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Min, OuterRef, Subquery

from lifeline.cases.models import Case, CaseKind
from lifeline.core.actors import SYSTEM
from lifeline.intake.models import Channel, Contact
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services.enquiries import enquiry_open_from_contact


def enquiries_open(cases: Sequence[Case]) -> int:
    """Turn the web family enquiries into matched enquiries, as the worker does for new ones.

    Each is dated from the message that asked, as if the worker had opened it then: the
    dashboard's open enquiries have their ages.
    """
    first_messages = (
        Contact.objects.filter(
            case__in=cases,
            case__kind=CaseKind.FAMILY_ENQUIRY,
            channel=Channel.WEB,
            direction=Contact.Direction.IN,
        )
        .values("case_id")
        .annotate(first=Min("id"))
    )
    opened = []
    for row in first_messages:
        enquiry = enquiry_open_from_contact(actor=SYSTEM, contact_id=row["first"])
        if enquiry is not None:
            opened.append(enquiry.pk)
    asked_at = Contact.objects.filter(pk=OuterRef("source_contact_id")).values("received_at")
    Enquiry.objects.filter(pk__in=opened).update(created_at=Subquery(asked_at[:1]))
    return len(opened)
