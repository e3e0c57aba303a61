"""The answers awaiting approval: a list for supervisors, oldest first, counted in the menu."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifeline.core.access import PERMISSION_MATRIX, Perm, Role
from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.selectors import disclosure_pending_for
from lifeline.tracing.services import disclosures
from tests.factories import create_user, login_staff
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db


def _drafted(officer: Any, text: str, hours_ago: int) -> Disclosure:
    enquiry = create_enquiry()
    disclosures.enquirer_verify(actor=officer, enquiry=enquiry, how="documents")
    draft = disclosures.disclosure_draft(
        actor=officer, enquiry=Enquiry.objects.get(pk=enquiry.pk), text=text
    )
    Disclosure.objects.filter(pk=draft.pk).update(
        drafted_at=draft.drafted_at - timedelta(hours=hours_ago)
    )
    return draft


def _nav_badge(html: str) -> str | None:
    """The count on the menu's link to the list: "" without a badge, None without the link."""
    link = re.search(rf'<a href="{reverse("tracing:approvals")}">(.*?)</a>', html)
    if link is None:
        return None
    badge = re.search(r'<span class="badge"[^>]*>(\d+)</span>', link.group(1))
    return badge.group(1) if badge else ""


def test_the_list_shows_every_waiting_answer_oldest_first(
    bob: Any, carol: Any, client: Client
) -> None:
    newest = _drafted(bob, "третий", hours_ago=1)
    oldest = _drafted(bob, "первый", hours_ago=30)
    middle = _drafted(bob, "второй", hours_ago=5)
    decided = _drafted(bob, "решённый", hours_ago=50)
    Disclosure.objects.filter(pk=decided.pk).update(state=Disclosure.State.SENT)
    login_staff(client, carol)
    page = client.get(reverse("tracing:approvals"))
    assert page.status_code == 200
    assert [d.pk for d in page.context["page"]] == [oldest.pk, middle.pk, newest.pk]
    html = page.content.decode()
    first = reverse("tracing:enquiry", args=[oldest.enquiry_id])
    assert html.index(first) < html.index(reverse("tracing:enquiry", args=[newest.enquiry_id]))
    # The list names no one: no text of the answer, no name of the sought person.
    assert "первый" not in html and "Kuzminov" not in html


def test_the_menu_counts_what_awaits_this_supervisor(bob: Any, carol: Any, client: Client) -> None:
    login_staff(client, carol)
    assert _nav_badge(client.get(reverse("tracing:approvals")).content.decode()) == ""
    _drafted(bob, "один", hours_ago=2)
    _drafted(bob, "два", hours_ago=1)
    _drafted(carol, "её собственный", hours_ago=3)  # she cannot approve her own
    html = client.get(reverse("tracing:enquiries")).content.decode()
    assert _nav_badge(html) == "2"


def test_the_count_is_one_query_and_only_for_approvers(
    bob: Any, carol: Any, client: Client
) -> None:
    _drafted(bob, "один", hours_ago=2)
    login_staff(client, carol)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:me"))
    counted = [q["sql"] for q in queries if "tracing_disclosure" in q["sql"]]
    assert len(counted) == 1 and "COUNT(" in counted[0].upper()

    client.logout()
    login_staff(client, bob)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("tracing:enquiries")).content.decode()
    assert not [q for q in queries if 'FROM "tracing_disclosure"' in q["sql"]]
    assert _nav_badge(html) is None


def test_from_the_list_the_supervisor_approves_and_comes_back_to_it(
    bob: Any, carol: Any, client: Client
) -> None:
    oldest = _drafted(bob, "Ваш сын жив.", hours_ago=8)
    _drafted(bob, "другой", hours_ago=1)
    login_staff(client, carol)
    list_page = client.get(reverse("tracing:approvals")).content.decode()
    opened = f"{reverse('tracing:enquiry', args=[oldest.enquiry_id])}?from=approvals"
    assert opened in list_page
    page = client.get(opened).content.decode()
    assert 'name="next" value="approvals"' in page and "Ваш сын жив." in page
    assert f'<a href="{reverse("tracing:approvals")}">← ' in page  # the way back to the list
    response = client.post(
        reverse("tracing:disclosure_approve", args=[oldest.pk]), {"next": "approvals"}
    )
    assert response.url == reverse("tracing:approvals")
    oldest.refresh_from_db()
    assert oldest.state == Disclosure.State.SENT
    assert [d.pk for d in client.get(reverse("tracing:approvals")).context["page"]] != [oldest.pk]


def test_no_one_but_a_supervisor_lists_or_approves_them(bob: Any, frank: Any) -> None:
    # Not the admin either, by design: the admin / data-protection officer keeps accounts,
    # retention and the audit log and reads no one's messages (DESIGN.md, "Who uses it";
    # docs/deployment.md). The second person is a supervisor, who reads what he approves.
    draft = _drafted(bob, "Ваш сын жив.", hours_ago=1)
    for user in (bob, frank, create_user("oscar", roles=["operator"])):
        with pytest.raises(PermissionDenied, match=r"^disclosure\.approve$"):
            disclosure_pending_for(user=user)
        with pytest.raises(PermissionDenied, match=r"^disclosure\.approve$"):
            disclosures.disclosure_approve(actor=user, disclosure=draft)
    assert [r for r in Role.ALL if Perm.DISCLOSURE_APPROVE in PERMISSION_MATRIX[r]] == [
        Role.SUPERVISOR
    ]
