"""Any input through any public form: never a server error, and a whole write or none at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeline.cases.models import Case
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact, Conversation
from tests.public.helpers import open_case, unlock

LIMIT = django_settings.PUBLIC_MESSAGE_MAX_CHARS
CONTROLS = st.characters(codec="utf-8", categories=["Cc", "Zs", "Zl", "Zp", "Cf"])

# Random Unicode, nothing at all, only control characters and spaces, and just over the limit.
texts = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=200),
    st.just(""),
    st.text(CONTROLS, max_size=50),
    st.text(st.characters(codec="utf-8") | CONTROLS, max_size=50),
    st.builds(lambda char, extra: char * (LIMIT + extra), st.characters(codec="utf-8"),
              st.integers(1, 20)),
)  # fmt: skip
form_values = st.one_of(texts, st.sampled_from(["mother", "spouse", "LF-0000-0000"]))

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
INTAKE_FORMS = {
    "/write/surrender/": ["message"],
    "/write/other/": ["message"],
    "/write/family/": [
        "message",
        "sought_surname",
        "sought_given_name",
        "sought_patronymic",
        "sought_birth",
        "sought_unit",
        "sought_last_place",
        "relationship",
        "enquirer_name",
        "enquirer_contact",
    ],
}


def table_counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Conversation.objects.count(),
        Contact.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(INTAKE_FORMS))
@FUZZ
@given(data=st.data(), prefix=st.sampled_from(["", "/uk", "/en"]))
def test_intake_forms_write_everything_or_nothing(
    client: Client, path: str, data: Any, prefix: str
) -> None:
    fields = INTAKE_FORMS[path]
    post = {name: data.draw(form_values, label=name) for name in fields}
    before = table_counts()
    response = client.post(prefix + path, post, follow=True)  # a receipt follows a 303
    after = table_counts()
    assert response.status_code in {200, 413}
    delta = tuple(a - b for a, b in zip(after, before, strict=True))
    if 'class="receipt"' in response.content.decode():
        assert delta[:3] == (1, 1, 1) and delta[3] >= 2
    else:
        assert delta == (0, 0, 0, 0)
    if delta[0]:
        contact = Contact.objects.order_by("-id").first()
        assert contact is not None and contact.body.strip() == contact.body and contact.body
        assert not any(ord(c) < 32 and c not in "\n\t" for c in contact.body)


@pytest.mark.django_db
@FUZZ
@given(reference=texts, secret=texts, message=texts)
def test_status_lookup_never_fails_and_writes_no_contact(
    client: Client, reference: str, secret: str, message: str
) -> None:
    before = table_counts()[:3]
    response = client.post(
        "/status/", {"reference": reference, "secret": secret, "message": message}
    )
    assert response.status_code in {200, 429}
    assert table_counts()[:3] == before


@pytest.mark.django_db
def test_follow_up_writes_one_contact_or_none(client: Client) -> None:
    _, receipt = open_case()
    unlock(client, receipt)

    @FUZZ
    @given(message=texts, prefix=st.sampled_from(["", "/uk", "/en"]))
    def follow_up(message: str, prefix: str) -> None:
        before = table_counts()
        response = client.post(prefix + "/status/reply/", {"message": message})
        after = table_counts()
        assert response.status_code in {200, 302}
        written = tuple(a - b for a, b in zip(after[:3], before[:3], strict=True))
        assert written == ((0, 0, 1) if response.status_code == 302 else (0, 0, 0))

    follow_up()
