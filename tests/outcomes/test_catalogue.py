"""The assistance catalogue: seeded with four types, kept by admins, never losing a type in use."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import AssistanceType
from lifeline.outcomes.services.assistance import (
    assistance_item_add,
    assistance_type_create,
    assistance_type_delete,
    assistance_type_update,
)
from tests.cases.helpers import create_case
from tests.outcomes.helpers import create_type

pytestmark = pytest.mark.django_db

NOT_ADMINS = ["alice", "bob", "carol", "dave", "erin", "mallory"]
SEEDED = {"identity documents", "amnesty or reward claim", "medical care", "relocation"}


def test_the_data_migration_seeds_the_four_types_once() -> None:
    # Transactional tests elsewhere empty the tables, so run the migration's function itself.
    seed = importlib.import_module("lifeline.outcomes.migrations.0002_seed_assistance_types").seed
    AssistanceType.objects.all().delete()
    seed(apps, None)
    seed(apps, None)
    assert set(AssistanceType.objects.values_list("name", flat=True)) == SEEDED
    assert all(t.active for t in AssistanceType.objects.all())


@pytest.mark.parametrize("refused", NOT_ADMINS)
def test_these_users_cannot_edit_the_catalogue(request, refused) -> None:
    user = request.getfixturevalue(refused)
    existing = create_type()
    attempts = [
        lambda: assistance_type_create(actor=user, name="housing"),
        lambda: assistance_type_update(
            actor=user,
            assistance_type=existing,
            name="renamed",
            description="",
            order=1,
            active=False,
        ),
        lambda: assistance_type_delete(actor=user, assistance_type=existing),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=r"^catalogue\.edit$"):
            attempt()
    existing.refresh_from_db()
    assert (existing.name, existing.active) == ("legal advice", True)


def test_admin_adds_renames_and_deactivates(frank) -> None:
    created = assistance_type_create(actor=frank, name=" housing ", description="a roof")
    assert created.name == "housing" and created.active
    changed = assistance_type_update(
        actor=frank,
        assistance_type=created,
        name="housing support",
        description="a roof",
        order=5,
        active=False,
    )
    created.refresh_from_db()
    assert changed == ["name", "order", "active"]
    assert (created.name, created.order, created.active) == ("housing support", 5, False)
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(created.pk))] == [
        "assistance_type.create",
        "assistance_type.update",
    ]


def test_names_are_unique_whatever_the_case(frank) -> None:
    create_type("Medical care")
    with pytest.raises(ActionRefused, match="name already"):
        assistance_type_create(actor=frank, name="medical CARE")
    other = create_type("housing")
    with pytest.raises(ActionRefused, match="name already"):
        assistance_type_update(
            actor=frank,
            assistance_type=other,
            name="medical care",
            description="",
            order=1,
            active=True,
        )
    with pytest.raises(ActionRefused, match="name"):
        assistance_type_create(actor=frank, name="   ")


def test_a_type_in_use_is_never_deleted(frank, erin) -> None:
    used = create_type("housing")
    unused = create_type("vouchers")
    assistance_item_add(actor=erin, case=create_case("assistance"), assistance_type=used)
    with pytest.raises(ActionRefused, match="deactivate it"):
        assistance_type_delete(actor=frank, assistance_type=used)
    assistance_type_delete(actor=frank, assistance_type=unused)
    assert list(AssistanceType.objects.filter(name__in=["housing", "vouchers"])) == [used]
    assert AuditEvent.objects.filter(action="assistance_type.delete").count() == 1
