"""An import applied in bulk leaves the registry as the registry's services, row by row, would."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation

from lifeline.core.actions import Action
from lifeline.core.audit import audit_verify
from lifeline.core.models import AuditEvent
from lifeline.registry.imports import (
    import_batch_apply,
    import_batch_preview,
    import_batch_touched,
    import_batch_undo,
    import_row_decide,
)
from lifeline.registry.models import ImportBatch, MatchKey, NameForm, Person, StatusEvent
from lifeline.registry.services import person_merge
from lifeline.tracing.tasks import (
    duplicates_check,
    duplicates_check_many,
    enquiries_rematch,
    enquiries_rematch_many,
)
from tests.factories import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

COLUMNS = {
    "full_name": "ФИО",
    "birth_date": "Дата рождения",
    "unit": "В/ч",
    "status": "Статус",
    "status_date": "Дата статуса",
    "place": "Место",
    "other_names": ["Латиницей"],
}
HEADER = "ФИО;Дата рождения;В/ч;Статус;Дата статуса;Место;Латиницей"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _file() -> bytes:
    ten_days_ago = (timezone.localdate() - timedelta(days=10)).strftime("%d.%m.%Y")
    lines = [
        # Kuzminov, three times: a spelling and a detention; an older death; nothing new.
        "Кузьминов Максим Сергеевич;14.03.1995;в/ч 12345;в плену;02.03.2024;Курск;Kuzminov Maksim",
        "Кузьминов Максим;14.03.1995;в/ч 12345;погиб;01.02.2024;;",
        "Кузьминов Максим Сергеевич;14.03.1995;в/ч 12345;в плену;02.03.2024;;Kuzminov",
        # Petrenko, held a month ago, released ten days ago.
        f"Петренко Иван Олегович;1970;;released;{ten_days_ago};;",
        # Sidorenko, merged into another record after the preview: added to the one kept.
        "Сидоренко Василий Петрович;05.05.1980;;в плену;01.03.2024;Белгород;Sidorenko Vasyl",
        # New persons: dead with a Latin spelling, held with a place, none, one left out.
        "Абрамович Роман Аркадьевич;24.10.1966;;погиб;;;Abramovich Roman",
        "Левченко Олег Иванович;1985;;held;01.01.2024;Курск;",
        "Гаврилюк Тарас Петрович;1990;;;;;",
        "Мельник Андрей Юрьевич;1992;;;;;",
    ]
    return "\r\n".join([HEADER, *lines, ""]).encode("cp1251")


@pytest.fixture
def registry(db: Any) -> dict[str, Person]:
    kept = create_person(
        surname="Сидоренко", given_name="Василий", patronymic="Петрович", birth_year=1980
    )
    return {
        "kuzminov": create_person(birth_year=1995, birth_month=3, birth_day=14, unit="в/ч 12345"),
        "petrenko": create_person(
            surname="Петренко",
            given_name="Иван",
            patronymic="Олегович",
            birth_year=1970,
            status="held",
        ),
        "sidorenko": create_person(
            surname="Сидоренко",
            given_name="Василий",
            patronymic="Петрович",
            birth_year=1980,
            birth_month=5,
            birth_day=5,
        ),
        "kept": kept,
    }


def _preview(actor: Any) -> ImportBatch:
    batch = import_batch_preview(actor=actor, data=_file(), filename="list.csv", columns=COLUMNS)
    skipped = batch.rows.get(line=10)
    import_row_decide(actor=actor, row=skipped, decision="skip")
    return batch


def _who(person_id: int | None) -> tuple[Any, ...] | None:
    if person_id is None:
        return None
    p = Person.objects.get(pk=person_id)
    return (p.surname, p.given_name, p.patronymic, p.birth_year, p.birth_month, p.birth_day)


def _registry() -> dict[Any, Any]:
    """Every person, by name and birth: his record, spellings, events and keys, without ids."""
    state = {}
    for p in Person.objects.all():
        forms = sorted(
            (f.surname, f.given_name, f.patronymic, f.script, f.language, f.is_primary,
             f.source.title if f.source else "")
            for f in NameForm.objects.filter(person=p)
        )  # fmt: skip
        events = sorted(
            (e.status, e.occurred_on, str(e.place), e.verification, e.source.title,
             e.recorded_by_id)
            for e in StatusEvent.objects.filter(person=p)
        )  # fmt: skip
        keys = sorted(MatchKey.objects.filter(person=p).values_list("key", flat=True))
        state[_who(p.pk)] = (
            p.current_status,
            str(p.place_of_detention),
            p.merged_into_id is not None,
            p.rank,
            p.unit,
            p.unit_folded,
            forms,
            events,
            keys,
        )
    return state


def _audited(since: int) -> tuple[Counter[str], Counter[tuple[Any, ...]]]:
    """The audit events written since, counted per action, and per person with their detail
    but for the ids of the rows they name."""
    events = AuditEvent.objects.filter(pk__gt=since)
    per_action = Counter(e.action for e in events)
    ids = ("name_form", "status_event", "source", "held_batch")
    per_person: Counter[tuple[Any, ...]] = Counter()
    for e in events.filter(object_type="registry.person"):
        detail = tuple(sorted((k, str(v)) for k, v in e.detail.items() if k not in ids))
        per_person[(e.action, _who(int(e.object_id)), detail)] += 1
    return per_action, per_person


def _rows(batch: ImportBatch) -> list[tuple[Any, ...]]:
    return [
        (r.line, r.outcome, _who(r.person_id), len(r.name_forms), r.status_event_id is not None,
         r.previous)
        for r in batch.rows.order_by("line")
    ]  # fmt: skip


def _applied(actor: Any, batch: ImportBatch, *, through_services: bool) -> dict[str, Any]:
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    applied = import_batch_apply(
        actor=actor, batch=batch, hold_undecided=True, through_services=through_services
    )
    batch.refresh_from_db()
    return {
        "registry": _registry(),
        "audit": _audited(since),
        "rows": _rows(batch),
        "counts": batch.counts["applied"],
        "held": applied.held and list(applied.held.rows.values_list("line", flat=True)),
    }


def test_an_import_applied_in_bulk_writes_what_the_services_write_row_by_row(
    dave: Any, carol: Any, registry: dict[str, Person]
) -> None:
    by_services, in_bulk = _preview(dave), _preview(dave)
    person_merge(actor=carol, keep=registry["kept"], merge=registry["sidorenko"])

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        reference = _applied(dave, by_services, through_services=True)
        raise Undo
    bulk = _applied(dave, in_bulk, through_services=False)

    counts = {"created": 3, "added": 4, "unchanged": 1, "skipped": 1, "undone": 0}
    assert bulk["counts"] == reference["counts"] == counts
    assert bulk["rows"] == reference["rows"]
    assert bulk["registry"] == reference["registry"]
    assert bulk["audit"] == reference["audit"]
    assert bulk["held"] == reference["held"]
    kuzminov = Person.objects.get(pk=registry["kuzminov"].pk)
    assert (kuzminov.current_status, kuzminov.place_of_detention) == ("held", "Курск")
    assert Person.objects.get(pk=registry["petrenko"].pk).current_status == "released"
    kept = Person.objects.get(pk=registry["kept"].pk)
    assert kept.current_status == "held" and kept.name_forms.filter(surname="Sidorenko").exists()
    assert Person.objects.get(surname="Левченко").place_of_detention == "Курск"
    assert audit_verify().intact


def test_the_bulk_apply_tells_tracing_once_about_every_person_it_touched(
    dave: Any, carol: Any, registry: dict[str, Person], django_capture_on_commit_callbacks: Any
) -> None:
    batch = _preview(dave)
    with django_capture_on_commit_callbacks() as callbacks:
        import_batch_apply(actor=dave, batch=batch, hold_undecided=True)
    touched = sorted({row.person_id for row in batch.rows.filter(outcome__in=["created", "added"])})
    tasks = [c for c in callbacks if getattr(c, "func", None) is not None]
    rematch = [c.args for c in tasks if c.func == enquiries_rematch_many.enqueue]
    duplicates = [c.args for c in tasks if c.func == duplicates_check_many.enqueue]
    assert rematch == duplicates == [(touched,)]
    assert len(touched) == 6  # three created, three added to
    one_by_one = (enquiries_rematch.enqueue, duplicates_check.enqueue)
    assert not [c for c in tasks if c.func in one_by_one]


def test_two_rows_adding_to_one_person_are_undone_back_to_his_first_state(
    dave: Any, registry: dict[str, Person]
) -> None:
    kuzminov = registry["kuzminov"]
    batch = _preview(dave)
    batch = import_batch_apply(actor=dave, batch=batch, hold_undecided=True).batch
    kuzminov.refresh_from_db()
    assert kuzminov.status_events.count() == 2 and kuzminov.current_status == "held"
    assert import_batch_touched(batch) == []
    import_batch_undo(actor=dave, batch=batch)
    kuzminov.refresh_from_db()
    assert (kuzminov.current_status, kuzminov.place_of_detention) == ("missing", "")
    assert kuzminov.status_events.count() == 0
    assert AuditEvent.objects.filter(action=Action.PERSON_IMPORT_UNDO).count() == 4
    assert audit_verify().intact


def test_an_open_enquiry_learns_of_a_person_the_bulk_import_created(
    dave: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    enquiry = create_enquiry(sought_surname="Левченко", sought_given_name="Олег",
                             sought_birth_year=1985)  # fmt: skip
    batch = _preview(dave)
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_apply(actor=dave, batch=batch, hold_undecided=True)
    levchenko = Person.objects.get(surname="Левченко")
    assert enquiry.candidates.filter(person=levchenko).exists()
    enquiry.refresh_from_db()
    assert enquiry.needs_review
