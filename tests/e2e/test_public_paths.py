"""The public site in a phone's browser with JavaScript off: errors seen first, status that is true.

Headless Chromium at 360 px wide, script disabled, as Tor Browser's "safest" mode on a phone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lifeline.intake.models import Contact
from lifeline.intake.tasks import contact_process
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services import disclosures
from tests.factories import create_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}
ANSWER = "Ваш сын жив и находится в лагере для военнопленных."


def _phone(browser: Any) -> Any:
    return browser.new_context(java_script_enabled=False, viewport=PHONE, locale="ru-RU")


def test_a_form_error_is_summarised_in_the_first_screen_and_links_to_its_field(
    browser: Any, live_url: str
) -> None:
    context = _phone(browser)
    page = context.new_page()
    page.goto(live_url + "/write/family/")
    page.locator("#id_sought_surname").fill("Кузьминов")
    page.locator("#id_message").fill("   ")  # only spaces: the browser sends it, we refuse it
    page.locator("form button[type=submit]").click()

    assert page.title().startswith("Ошибка:")
    summary = page.locator(".error-summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert summary.get_attribute("role") == "alert"
    link = summary.get_by_role("link", name=re.compile("Что вам известно"))
    assert "Пожалуйста, напишите ваше сообщение." in link.inner_text()

    link.click()
    assert page.url.endswith("#id_message")
    # It lands with the field's label and its error in view, above the box.
    for part in ('label[for="id_message"]', "#id_message_error", "#id_message"):
        box = page.locator(part).bounding_box()
        assert box is not None and 0 <= box["y"] < PHONE["height"], (part, box)
    # What he typed in the other fields is still there.
    assert page.locator("#id_sought_surname").input_value() == "Кузьминов"
    context.close()


def test_after_an_approved_answer_the_family_reads_answered_not_waiting(
    browser: Any, live_url: str
) -> None:
    context = _phone(browser)
    page = context.new_page()
    page.goto(live_url + "/write/family/")
    page.locator("#id_sought_surname").fill("Кузьминов")
    page.locator("#id_message").fill("Ищу сына, Кузьминов Максим, 1995 года.")
    page.locator("form button[type=submit]").click()
    receipt = page.locator("dl.receipt dd")
    reference, secret = receipt.nth(0).inner_text(), receipt.nth(1).inner_text()
    # The reference never breaks in the middle on a narrow phone: it is one line high.
    lines = page.evaluate(
        "() => { const dd = document.querySelector('dl.receipt dd');"
        " return dd.getClientRects().length && Math.round(dd.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(dd).lineHeight)); }"
    )
    assert lines == 1
    assert "Обычно мы отвечаем в течение 2 дней." in page.locator("body").inner_text()

    # Behind the scenes: the message is filed, the enquirer verified, the answer drafted by a
    # tracing officer and approved by a supervisor.
    contact_process.call(Contact.objects.get(direction="in").pk)
    bob = create_user("bob", roles=["tracing_officer"])
    carol = create_user("carol", roles=["supervisor"])
    enquiry = disclosures.enquirer_verify(
        actor=bob, enquiry=Enquiry.objects.get(), how="callback", note="перезвонили"
    )
    draft = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    disclosures.disclosure_approve(actor=carol, disclosure=draft)

    page.goto(live_url + "/status/")
    page.locator("input[name=reference]").fill(reference)
    page.locator("input[name=secret]").fill(secret)
    page.locator("form button[type=submit]").click()
    state = page.locator("p.state").inner_text()
    text = page.locator("body").inner_text()
    assert state.startswith("Ответ дан.")
    assert ANSWER in text
    assert "Получено." not in text and "ждёт, когда его прочитает" not in text
    assert "Обычно мы отвечаем" not in text  # nothing of his waits for a reply
    context.close()
