"""Staff administration: the list, invites, roles, deactivation and second-factor resets."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import Invite, User
from lifeline.accounts.staff import (
    user_deactivate,
    user_reactivate,
    user_roles_set,
    user_second_factor_reset,
)
from lifeline.core.access import CONSOLE_LANGUAGE
from lifeline.core.actors import SYSTEM
from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent
from tests.factories import create_user, login_staff

STAFF = reverse("accounts:staff")
QUEUE = reverse("cases:queue")


def _detail(user: User) -> str:
    return reverse("accounts:staff_detail", args=[user.pk])


def _groups(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_the_list_shows_roles_activity_second_factor_and_links(client, frank, alice) -> None:
    login_staff(client, frank)
    client.post(reverse("accounts:staff_invite"), {"username": "nina", "roles": ["registrar"]})
    body = client.get(STAFF).content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>nina</a>.*?</tr>", body, re.S)
    assert row and "Registrar" in row.group(0) and "open until" in row.group(0)
    assert "none" in row.group(0)  # no second factor yet
    alice_row = re.search(r"<tr>\s*<td><a[^>]*>alice</a>.*?</tr>", body, re.S)
    assert alice_row and "Operator" in alice_row.group(0)


def test_an_admin_invites_and_sees_the_link_once(client, frank) -> None:
    login_staff(client, frank)
    response = client.post(
        reverse("accounts:staff_invite"),
        {"username": "nina", "display_name": "Nina K.", "roles": ["operator", "caseworker"]},
    )
    assert response.status_code == 200
    link = re.search(
        r'<code id="enrol-link">(http://testserver/[^<]+)</code>', response.content.decode()
    )
    assert link
    nina = User.objects.get(username="nina")
    assert (nina.display_name, _groups(nina)) == ("Nina K.", {"operator", "caseworker"})
    event = AuditEvent.objects.get(action="user.invite")
    assert event.actor == frank
    assert link.group(1).rsplit("/", 2)[-2] not in str(event.detail)
    # Nowhere else: the list and the detail page never show a token.
    token = link.group(1).rstrip("/").rsplit("/", 1)[-1]
    assert token not in client.get(STAFF).content.decode()
    assert token not in client.get(_detail(nina)).content.decode()


def test_an_invite_with_a_taken_name_is_refused_on_the_form(client, frank, alice) -> None:
    login_staff(client, frank)
    login_staff(Client(), alice)  # alice has a confirmed device
    response = client.post(
        reverse("accounts:staff_invite"), {"username": "alice", "roles": ["operator"]}
    )
    assert response.status_code == 400
    assert "already enrolled" in response.content.decode()


def test_roles_are_assigned_and_removed(client, frank, alice) -> None:
    login_staff(client, frank)
    response = client.post(
        reverse("accounts:staff_roles", args=[alice.pk]), {"roles": ["caseworker", "supervisor"]}
    )
    assert response["Location"] == _detail(alice)
    assert _groups(alice) == {"caseworker", "supervisor"}
    event = AuditEvent.objects.get(action="user.roles")
    assert event.detail == {
        "username": "alice",
        "added": ["caseworker", "supervisor"],
        "removed": ["operator"],
    }


def test_the_last_active_admin_keeps_his_role_and_his_account(client, frank) -> None:
    login_staff(client, frank)
    response = client.post(reverse("accounts:staff_roles", args=[frank.pk]), {"roles": []})
    assert response.status_code == 400
    assert "last active administrator" in response.content.decode()
    assert _groups(frank) == {"admin"}
    translation.activate(CONSOLE_LANGUAGE)  # the page's request left the page's language active
    with pytest.raises(ActionRefused, match="last active administrator"):
        user_deactivate(actor=SYSTEM, user=frank)
    with pytest.raises(ActionRefused, match="last active administrator"):
        user_roles_set(actor=SYSTEM, user=frank, roles=["operator"])
    # With a second active administrator, either may go.
    other = create_user("grace", roles=["admin"])
    user_roles_set(actor=SYSTEM, user=frank, roles=["supervisor"])
    with pytest.raises(ActionRefused, match="last active administrator"):
        user_deactivate(actor=SYSTEM, user=other)


def test_an_inactive_admin_does_not_count_as_the_other_admin(frank) -> None:
    other = create_user("grace", roles=["admin"])
    user_deactivate(actor=SYSTEM, user=other)
    with pytest.raises(ActionRefused, match="last active administrator"):
        user_deactivate(actor=SYSTEM, user=frank)


def test_a_deactivated_user_is_logged_out_at_his_next_request(client, frank, alice) -> None:
    alices_browser = Client()
    login_staff(alices_browser, alice)
    assert alices_browser.get(QUEUE).status_code == 200
    login_staff(client, frank)

    response = client.post(reverse("accounts:staff_deactivate", args=[alice.pk]))

    assert response["Location"] == _detail(alice)
    assert alices_browser.get(QUEUE)["Location"].startswith(reverse("accounts:login"))
    alice.refresh_from_db()
    assert not alice.is_active
    assert AuditEvent.objects.get(action="user.deactivate").actor == frank

    client.post(reverse("accounts:staff_reactivate", args=[alice.pk]))
    alice.refresh_from_db()
    assert alice.is_active
    assert AuditEvent.objects.filter(action="user.reactivate").exists()


def test_deactivating_revokes_an_open_link(db) -> None:
    from lifeline.accounts.staff import user_invite

    issued = user_invite(actor=SYSTEM, username="nina", roles=["operator"])
    user_deactivate(actor=SYSTEM, user=issued.user)
    assert not Invite.objects.exists()
    user_reactivate(actor=SYSTEM, user=issued.user)
    assert Client().get(reverse("accounts:enrol", args=[issued.token])).status_code == 404


def test_an_admin_may_not_deactivate_or_reset_himself(client, frank) -> None:
    create_user("grace", roles=["admin"])
    login_staff(client, frank)
    response = client.post(reverse("accounts:staff_reset", args=[frank.pk]), follow=True)
    assert "cannot reset your own second factor" in response.content.decode()
    response = client.post(reverse("accounts:staff_deactivate", args=[frank.pk]), follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    frank.refresh_from_db()
    assert frank.is_active and TOTPDevice.objects.filter(user=frank, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action__in=["user.2fa_reset", "user.deactivate"]).exists()


def test_a_reset_removes_devices_codes_and_password_and_issues_a_link(client, frank, alice) -> None:
    alices_browser = Client()
    login_staff(alices_browser, alice)
    StaticDevice.objects.create(user=alice, name="recovery codes").token_set.create(token="x")
    login_staff(client, frank)

    response = client.post(reverse("accounts:staff_reset", args=[alice.pk]))

    assert response.status_code == 200
    link = re.search(r'<code id="enrol-link">([^<]+)</code>', response.content.decode())
    assert link
    alice.refresh_from_db()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert not alice.has_usable_password()
    assert alices_browser.get(QUEUE).status_code == 302  # her session ended with the reset
    event = AuditEvent.objects.get(action="user.2fa_reset")
    assert (event.actor, event.detail["devices_removed"]) == (frank, 1)
    token = link.group(1).rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(event.detail)
    assert Client().get(link.group(1).replace("http://testserver", "")).status_code == 200


def test_a_demo_account_has_no_second_factor_to_reset(db) -> None:
    demo = create_user("demo", roles=["operator"], two_factor_exempt=True)
    with pytest.raises(ActionRefused, match="demo account"):
        user_second_factor_reset(actor=SYSTEM, user=demo)


def test_the_staff_pages_are_for_administrators_only(client, carol) -> None:
    login_staff(client, carol)
    assert client.get(STAFF).status_code == 403
    assert client.post(reverse("accounts:staff_reset", args=[carol.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=carol).exists()


def test_the_account_page_links_admins_to_the_staff_list(client, frank, alice) -> None:
    login_staff(client, frank)
    assert STAFF in client.get(reverse("accounts:me")).content.decode()
    login_staff(client, alice)
    assert STAFF not in client.get(reverse("accounts:me")).content.decode()
