"""A list too long for the web request goes to the worker: the page follows the job, reloads
itself while it waits, and leads to the batch; a job that fails says why and wrote nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from lifeline.core.models import AuditEvent
from lifeline.registry.import_jobs import import_job_run
from lifeline.registry.models import ImportBatch, ImportJob, ImportUpload, ListMatch, Person
from tests.factories import login_staff
from tests.registry.test_import_views import ROWS, _csv, _mapping_url, _match, _text, _upload
from tests.registry.test_list_views import _upload as _list_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _short_inline_limit(settings: Any) -> None:
    settings.IMPORT_INLINE_ROWS = 2  # the test files have five rows


def _queued_match(client: Any) -> ImportJob:
    response = _match(client, _mapping_url(_upload(client, _csv(*ROWS))))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    return job


def test_a_long_file_is_matched_by_the_worker_and_the_page_follows_it(
    registrar: Any, kuzminov: Person
) -> None:
    job = _queued_match(registrar)
    assert (job.kind, job.state, job.total) == ("match", "queued", 5)
    assert not ImportBatch.objects.exists()
    waiting = registrar.get(reverse("registry:import_job", args=[job.pk]))
    assert '<meta http-equiv="refresh" content="5">' in waiting.content.decode()
    assert "It has not started yet" in _text(waiting)
    assert AuditEvent.objects.filter(action="import.job").count() == 1

    assert import_job_run(job.pk) == "done"
    assert import_job_run(job.pk) == ""  # a second worker finds it taken
    job.refresh_from_db()
    batch = ImportBatch.objects.get()
    assert job.batch == batch and batch.counts["rows"] == 5
    assert not ImportUpload.objects.exists()
    done = registrar.get(reverse("registry:import_job", args=[job.pk]), follow=True)
    assert done.redirect_chain[-1][0] == reverse("registry:import_batch", args=[batch.pk])
    assert "The file was read and matched" in _text(done)


def test_a_long_import_is_applied_by_the_worker(registrar: Any, kuzminov: Person) -> None:
    import_job_run(_queued_match(registrar).pk)
    batch = ImportBatch.objects.get()
    response = registrar.post(reverse("registry:import_apply", args=[batch.pk]), {"hold": "1"})
    job = ImportJob.objects.get(kind="apply")
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert not Person.objects.filter(surname="Петренко").exists()  # not before the worker
    # A second apply while the first waits is refused.
    again = registrar.post(reverse("registry:import_apply", args=[batch.pk]), follow=True)
    assert "already being applied" in _text(again)

    assert import_job_run(job.pk) == "done"
    batch.refresh_from_db()
    assert batch.state == "applied"
    assert Person.objects.filter(surname="Петренко").exists()
    held = ImportBatch.objects.get(held_from=batch)
    text = _text(registrar.get(reverse("registry:import_job", args=[job.pk]), follow=True))
    assert "The import was applied." in text
    assert f"The undecided rows wait in import {held.pk}." in text


def test_a_job_that_cannot_be_done_fails_in_words_and_writes_nothing(
    registrar: Any, kuzminov: Person
) -> None:
    import_job_run(_queued_match(registrar).pk)
    batch = ImportBatch.objects.get()
    registrar.post(reverse("registry:import_apply", args=[batch.pk]))  # undecided rows, no hold
    job = ImportJob.objects.get(kind="apply")
    persons = Person.objects.count()

    assert import_job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert "waits for a decision" in job.message
    assert Person.objects.count() == persons
    assert ImportBatch.objects.get(pk=batch.pk).state == "preview"
    page = registrar.get(reverse("registry:import_job", args=[job.pk]))
    assert "waits for a decision" in _text(page)
    assert "http-equiv" not in page.content.decode()  # no reloading once it is over


@pytest.mark.django_db(transaction=True)
def test_the_job_is_queued_for_the_worker_once_its_request_commits(
    registrar: Any, kuzminov: Person, immediate_tasks: None
) -> None:
    job = _queued_match(registrar)
    job.refresh_from_db()
    assert job.state == "done" and job.batch is not None


def test_only_registrars_follow_import_jobs(
    client: Any, registrar: Any, kuzminov: Person, bob: Any
) -> None:
    job = _queued_match(registrar)
    login_staff(client, bob)
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 403


def test_a_long_import_is_undone_by_the_worker(registrar: Any, kuzminov: Person) -> None:
    import_job_run(_queued_match(registrar).pk)
    batch = ImportBatch.objects.get()
    registrar.post(reverse("registry:import_apply", args=[batch.pk]), {"hold": "1"})
    import_job_run(ImportJob.objects.get(kind="apply").pk)
    assert Person.objects.filter(surname="Петренко").exists()

    response = registrar.post(reverse("registry:import_undo", args=[batch.pk]))
    job = ImportJob.objects.get(kind="undo")
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert Person.objects.filter(surname="Петренко").exists()  # not before the worker
    again = registrar.post(reverse("registry:import_undo", args=[batch.pk]), follow=True)
    assert "already being undone" in _text(again)

    assert import_job_run(job.pk) == "done"
    batch.refresh_from_db()
    assert batch.state == "undone"
    assert not Person.objects.filter(surname="Петренко").exists()
    text = _text(registrar.get(reverse("registry:import_job", args=[job.pk]), follow=True))
    assert "The import was undone" in text


def test_a_long_list_is_matched_by_the_worker_and_any_registry_reader_follows_it(
    client: Any, bob: Any, carol: Any, dave: Any, kuzminov: Person
) -> None:
    login_staff(client, bob)  # reads the registry; imports nothing
    response = _list_upload(client)
    job = ImportJob.objects.get()
    assert (job.kind, job.state, job.total) == ("list", "queued", 6)
    assert response["Location"] == reverse("registry:list_job", args=[job.pk])
    assert not ListMatch.objects.exists()
    index = _text(client.get(reverse("registry:lists")))
    assert "Long lists the worker matches" in index and "обмен.csv" in index
    waiting = client.get(reverse("registry:list_job", args=[job.pk]))
    assert '<meta http-equiv="refresh" content="5">' in waiting.content.decode()

    assert import_job_run(job.pk) == "done"
    listed = ListMatch.objects.get()
    job.refresh_from_db()
    assert job.list_match == listed and listed.counts["rows"] == 6
    assert listed.rows.get(line=2).candidates[0]["person"] == kuzminov.pk
    assert not ImportUpload.objects.exists()  # the list's rows hold what the file said
    login_staff(client, carol)  # another reader of the registry follows it too
    done = client.get(reverse("registry:list_job", args=[job.pk]), follow=True)
    assert done.redirect_chain[-1][0] == reverse("registry:list", args=[listed.pk])
    assert "Nothing was written to the registry" in _text(done)
    assert "Long lists the worker matches" not in _text(client.get(reverse("registry:lists")))
    login_staff(client, dave)  # it is no import: the registrar's import job page does not show it
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 404


def test_a_long_list_that_cannot_be_matched_fails_in_words(
    client: Any, bob: Any, kuzminov: Person
) -> None:
    login_staff(client, bob)
    _list_upload(client, full_name="", surname="Фамилия")  # no such column in the file
    job = ImportJob.objects.get()
    assert import_job_run(job.pk) == "failed"
    assert not ListMatch.objects.exists()
    page = _text(client.get(reverse("registry:list_job", args=[job.pk])))
    assert "Фамилия" in page and "Match the list again" in page
