"""Lines the system stores in English are worded for each reader; anything else stays as stored."""

from __future__ import annotations

from django.utils import translation

from lifeline.cases.models import REOPENED_TEXT, CaseEvent
from lifeline.core.wording import worded
from lifeline.registry.models import (
    EXCHANGE_EVENT_NOTE,
    EXCHANGE_SOURCE_TITLE,
    HANDOVER_SOURCE_TITLE,
    SYSTEM_SOURCE_TITLES,
    Source,
    StatusEvent,
)

TITLE = EXCHANGE_SOURCE_TITLE % {"batch": 12, "date": "2026-03-01"}


def test_a_stored_line_is_read_back_and_worded_in_the_active_language() -> None:
    with translation.override("uk"):
        assert worded(TITLE, SYSTEM_SOURCE_TITLES) == "Обмін №12 від 2026-03-01"
        assert Source(title=HANDOVER_SOURCE_TITLE % {"case": "LF-7K3Q"}).title_shown == (
            "Акт передачі LF-7K3Q"
        )
        note = StatusEvent(note=EXCHANGE_EVENT_NOTE % {"batch": 12}).note_shown
        assert note == "Записано під час завершення обміну №12."
        assert CaseEvent(text=REOPENED_TEXT).text_shown == "Відкрито знову: людина написала ще раз."
    with translation.override("ru"):
        assert worded(TITLE, SYSTEM_SOURCE_TITLES) == "Обмен №12 от 2026-03-01"
    with translation.override("en"):
        assert worded(TITLE, SYSTEM_SOURCE_TITLES) == TITLE


def test_what_no_pattern_made_is_shown_as_stored() -> None:
    with translation.override("ru"):
        for text in ("Военный билет АВ 123456", "Exchange batch #twelve of 2026", ""):
            assert worded(text, SYSTEM_SOURCE_TITLES) == text
        assert CaseEvent(text="Перезвонить завтра").text_shown == "Перезвонить завтра"
