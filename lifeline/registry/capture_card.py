"""The capture card of GC III Art. 70 (Annex IV B), printed as a PDF from a person's record.

The card's wording is the Convention's: English, with the official Russian text as a second
line. It is kept here as a table rather than in the translation catalogue because it is a
treaty form, whose words are fixed, not console text. What the bureau knows is filled in;
what only the prisoner can give (his family's address, his prisoner number, the date and his
signature) is left for him to write by hand. The registry keeps no family address on purpose:
it would be data about third parties the bureau does not need.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from lifeline.registry.models import Person, PersonStatus, StatusEvent

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

# (English, Russian) for every text on the card.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("CAPTURE CARD FOR PRISONER OF WAR", "КАРТОЧКА ВОЕННОПЛЕННОГО О ВЗЯТИИ В ПЛЕН"),
    "basis": (
        "Geneva Convention (III) of 12 August 1949, Art. 70 and Annex IV B",
        "Женевская конвенция (III) от 12 августа 1949 г., ст. 70 и приложение IV B",
    ),
    "power": ("Power on which the prisoner depends", "Держава, от которой зависит военнопленный"),
    "name": ("Name", "Фамилия"),
    "first_names": ("First names (in full)", "Имена (полностью)"),
    "father": ("First name of father", "Имя отца"),
    "born_on": ("Date of birth", "Дата рождения"),
    "born_in": ("Place of birth", "Место рождения"),
    "rank": ("Rank", "Звание"),
    "service_number": ("Service number", "Личный номер"),
    "family_address": ("Address of family", "Адрес семьи"),
    "taken": ("Taken prisoner on", "Взят в плен (дата)"),
    "coming_from": (
        "or coming from (camp No., hospital, etc.)",
        "или прибыл из (лагерь №, госпиталь и т. д.)",
    ),
    "health": ("State of health", "Состояние здоровья"),
    "address": (
        "My present address: prisoner No., name of camp",
        "Мой настоящий адрес: номер военнопленного, наименование лагеря",
    ),
    "date": ("Date", "Дата"),
    "signature": ("Signature", "Подпись"),
    "family": (
        "The prisoner agrees that this information may be forwarded to his family",
        "Военнопленный согласен, чтобы эти сведения были сообщены его семье",
    ),
    "family_yes": ("yes, it may be forwarded", "да, могут быть сообщены"),
    "family_no": ("no, it must not", "нет, не сообщать"),
    "by_hand": ("to be filled in by the prisoner", "заполняется военнопленным"),
    "strike": (
        "* Strike out what is not applicable. Do not add any remarks.",
        "* Ненужное зачеркнуть. Никаких замечаний не добавлять.",
    ),
    "printed": ("Registry record", "Запись реестра"),
}

HEALTH_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("good", "Good health", "Здоров"),
    ("not_wounded", "Not wounded", "Не ранен"),
    ("recovered", "Recovered", "Выздоровел"),
    ("convalescent", "Convalescent", "Выздоравливающий"),
    ("sick", "Sick", "Болен"),
    ("slightly_wounded", "Slightly wounded", "Легко ранен"),
    ("seriously_wounded", "Seriously wounded", "Тяжело ранен"),
)

# Phrases in the free-text health note that name one of the card's states (English, Russian,
# Ukrainian; matched on lower case with ё as е). A state preceded by "not"/"не" is not it.
_WOUND = r"(?:ранен|поранен)\w*"
HEALTH_PATTERNS: dict[str, tuple[str, ...]] = {
    "good": (r"\bgood health\b", r"\bhealthy\b", r"\bздоров(?:а|ый|ий)?\b"),
    "not_wounded": (
        r"\bnot wounded\b",
        r"\bunwounded\b",
        r"\buninjured\b",
        rf"\b(?:не|без) {_WOUND}",
    ),
    "recovered": (r"\brecovered\b", r"\bвыздоровел\w*", r"\bодужа(?:в|ла)\b"),
    "convalescent": (r"\bconvalescen\w*", r"\bвыздоравлива\w*", r"\bодужу\w*"),
    "sick": (
        r"\bsick\b",
        r"\bill\b",
        r"\bбол(?:ен|ьна|еет|ьной)\b",
        r"\bзаболе\w*",
        r"\bхвор\w*",
        r"\bнездоров\w*",
    ),
    "slightly_wounded": (
        r"\b(?:slightly|lightly) wounded\b",
        rf"\bлегк\w* {_WOUND}",
        rf"\b{_WOUND} легк\w*",
    ),
    "seriously_wounded": (
        r"\b(?:seriously|severely|badly|gravely) wounded\b",
        rf"\b(?:тяжел|тяжк|серьезн|важк)\w* {_WOUND}",
        rf"\b{_WOUND} (?:тяжел|тяжк|серьезн|важк)\w*",
    ),
}
_NEGATION = re.compile(r"\b(?:not|не|ні)\s+$")

# Statuses that say where a prisoner is; a move to hospital or another camp makes a new card.
_DETENTION = {
    PersonStatus.CAPTURED,
    PersonStatus.HELD,
    PersonStatus.TRANSFERRED,
    PersonStatus.HOSPITALISED,
}
_MOVES = {PersonStatus.TRANSFERRED, PersonStatus.HOSPITALISED}


def health_state(text: str) -> str | None:
    """The card's health state that the note names, or None when it names none or several."""
    folded = text.casefold().replace("ё", "е")
    found = set()
    for state, patterns in HEALTH_PATTERNS.items():
        for pattern in patterns:
            for match in re.finditer(pattern, folded):
                if not _NEGATION.search(folded[: match.start()]):
                    found.add(state)
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class CaptureCard:
    """What the card shows, taken from the record: plain text, ready to print."""

    registry_id: int
    power: str
    surname: str
    first_names: str
    father_name: str
    date_of_birth: str
    place_of_birth: str
    rank: str
    service_number: str
    taken_prisoner_on: str
    coming_from: str
    # Only the tick box: the card goes to the family and the agency, and the Annex allows no
    # remarks; the registry's free-text health note stays in the registry.
    health_state: str | None
    present_address: str
    inform_family: str
    printed_on: date


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def card_for(person: Person, history: Sequence[StatusEvent], printed_on: date) -> CaptureCard:
    """The card's content for `person`; `history` is his status events, newest first."""
    oldest_first = list(reversed(history))
    captures = [e for e in oldest_first if e.status == PersonStatus.CAPTURED]
    detention = [e for e in oldest_first if e.status in _DETENTION]
    coming_from = ""
    present = person.place_of_detention
    if detention and detention[-1].status in _MOVES:
        earlier = [e.place for e in detention[:-1] if e.place]
        coming_from = earlier[-1] if earlier else ""
        if detention[-1].status == PersonStatus.HOSPITALISED and detention[-1].place:
            present = detention[-1].place
    return CaptureCard(
        registry_id=person.pk,
        power=person.power,
        surname=person.surname,
        first_names=" ".join(p for p in (person.given_name, person.patronymic) if p),
        father_name=person.father_name,
        date_of_birth=person.date_of_birth_display,
        place_of_birth=person.place_of_birth,
        rank=person.rank,
        service_number=person.service_number,
        taken_prisoner_on=_day(captures[0].occurred_on) if captures else "",
        coming_from=coming_from,
        health_state=health_state(person.health),
        present_address=present,
        inform_family=person.inform_family,
        printed_on=printed_on,
    )


# Geometry of the A4 page (mm): the card is framed, labels on the left, values on the right.
PAGE_W, PAGE_H = 210.0, 297.0
FRAME = 12.0
LEFT = FRAME + 6
RIGHT = PAGE_W - FRAME - 6
NUMBER_W = 9.0
LABEL_W = 64.0
VALUE_X = LEFT + LABEL_W + 3
VALUE_W = RIGHT - VALUE_X
GAP = 1.6  # between two fields
GREY = 110
# Font sizes (pt) and the heights (mm) of their lines.
LABEL_PT, LABEL_LINE = 8.5, 3.8
SECOND_PT, SECOND_LINE = 7.2, 3.2  # the Russian line under each English text
VALUE_PT, VALUE_LINE = 11.0, 5.6
SMALL_PT, SMALL_LINE = 6.5, 2.9
BOX = 3.4


class _Card(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(LEFT, FRAME + 6, PAGE_W - RIGHT)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        # The document's metadata travels with every copy: it names no one.
        self.set_title("Capture card")
        self.set_creator("Lifeline")
        self.set_producer("Lifeline")

    def lines(self, text: str, width: float, height: float, limit: int) -> list[str]:
        """`text` wrapped to `width` in the current font, cut to `limit` lines."""
        if not text:
            return []
        wrapped = self.multi_cell(width, height, text, dry_run=True, output=MethodReturnValue.LINES)
        lines = [str(line) for line in wrapped]  # type: ignore[union-attr]
        if len(lines) > limit:
            lines = lines[:limit]
            lines[-1] = lines[-1].rstrip()[:-1] + "…"
        return lines

    def text_lines(self, x: float, y: float, lines: list[str], height: float) -> float:
        for i, line in enumerate(lines):
            self.set_xy(x, y + i * height)
            self.cell(0, height, line)
        return y + len(lines) * height

    def grey(self, on: bool = True) -> None:
        self.set_text_color(GREY if on else 0)

    def label(self, x: float, y: float, key: str, width: float, number: str | None) -> float:
        """The English label in bold, its Russian line below; returns the y after them.

        `number` is the card's item number; "" keeps its column empty, None has no column.
        """
        english, russian = TEXT[key]
        if number is not None:
            self.set_font(FONT, "B", LABEL_PT)
            self.set_xy(x, y)
            self.cell(NUMBER_W, LABEL_LINE, number)
            x, width = x + NUMBER_W, width - NUMBER_W
        self.set_font(FONT, "B", LABEL_PT)
        y = self.text_lines(x, y, self.lines(english, width, LABEL_LINE, 3), LABEL_LINE)
        self.set_font(FONT, "", SECOND_PT)
        self.grey()
        y = self.text_lines(x, y, self.lines(russian, width, SECOND_LINE, 3), SECOND_LINE)
        self.grey(False)
        return y

    def rule(self, x: float, y: float, width: float) -> None:
        self.set_draw_color(150)
        self.set_dash_pattern(dash=0.7, gap=0.7)
        self.line(x, y, x + width, y)
        self.set_dash_pattern()
        self.set_draw_color(0)

    def value(self, y: float, text: str, *, rows: int, limit: int, hint: str = "") -> float:
        """The value on `rows` dotted lines or more (up to `limit`, then cut); `hint` in grey
        when it stays empty."""
        self.set_font(FONT, "", VALUE_PT)
        lines = self.lines(text, VALUE_W, VALUE_LINE, max(rows, limit))
        count = max(rows, len(lines))
        step = VALUE_LINE + 1.2
        for i in range(count):
            top = y + i * step
            if i < len(lines):
                self.set_xy(VALUE_X, top)
                self.cell(VALUE_W, VALUE_LINE, lines[i])
            self.rule(VALUE_X, top + VALUE_LINE + 0.4, VALUE_W)
        if not lines and hint:
            self.set_font(FONT, "", SMALL_PT)
            self.grey()
            self.set_xy(VALUE_X, y + VALUE_LINE - SMALL_LINE)
            self.cell(VALUE_W, SMALL_LINE, " / ".join(TEXT[hint]))
            self.grey(False)
        return y + count * step

    def field(
        self, key: str, number: str, text: str, *, rows: int = 1, limit: int = 1, hint: str = ""
    ) -> None:
        y = self.get_y()
        after_label = self.label(LEFT, y + 1, key, LABEL_W, number)
        after_value = self.value(y, text, rows=rows, limit=limit, hint=hint)
        self.set_y(max(after_label, after_value) + GAP)

    def box(self, x: float, y: float, ticked: bool) -> None:
        self.rect(x, y, BOX, BOX)
        if ticked:
            self.set_line_width(0.4)
            self.line(x + 0.5, y + 0.5, x + BOX - 0.5, y + BOX - 0.5)
            self.line(x + 0.5, y + BOX - 0.5, x + BOX - 0.5, y + 0.5)
            self.set_line_width(0.2)


def _header(pdf: _Card) -> None:
    pdf.set_line_width(0.6)
    pdf.rect(FRAME, FRAME, PAGE_W - 2 * FRAME, PAGE_H - 2 * FRAME)
    pdf.set_line_width(0.2)
    width = RIGHT - LEFT
    english, russian = TEXT["title"]
    pdf.set_xy(LEFT, FRAME + 6)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(width, 7, english, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(width, 5.5, russian, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", SMALL_PT)
    pdf.grey()
    for line in TEXT["basis"]:
        pdf.cell(width, SMALL_LINE, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.grey(False)
    y = pdf.get_y() + 2.5
    pdf.line(LEFT, y, RIGHT, y)
    pdf.set_y(y + 3)


def _health(pdf: _Card, card: CaptureCard) -> None:
    y = pdf.get_y()
    after_label = pdf.label(LEFT, y + 1, "health", LABEL_W, "11.*")
    column = VALUE_W / 2
    row = 7.0
    for i, (state, english, russian) in enumerate(HEALTH_CHOICES):
        x = VALUE_X + (i % 2) * column
        top = y + 1 + (i // 2) * row
        pdf.box(x, top + 0.2, card.health_state == state)
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(x + BOX + 1.6, top)
        pdf.cell(column - BOX - 1.6, 4, f"({'abcdefg'[i]}) {english}")
        pdf.set_font(FONT, "", SECOND_PT)
        pdf.grey()
        pdf.set_xy(x + BOX + 1.6, top + 3.9)
        pdf.cell(column - BOX - 1.6, SECOND_LINE, russian)
        pdf.grey(False)
    y_after = y + 1 + 4 * row
    pdf.set_y(max(after_label, y_after) + GAP)


def _family_choice(pdf: _Card, card: CaptureCard) -> None:
    y = pdf.get_y() + 1
    after = pdf.label(LEFT, y, "family", RIGHT - LEFT, "")
    half = (RIGHT - LEFT - NUMBER_W) / 2
    choices = (("family_yes", Person.InformFamily.YES), ("family_no", Person.InformFamily.NO))
    for i, (key, value) in enumerate(choices):
        x = LEFT + NUMBER_W + i * half
        pdf.box(x, after + 2.2, card.inform_family == value)
        pdf.label(x + BOX + 1.6, after + 2, key, half - BOX - 4, None)
    pdf.set_y(after + 2 + LABEL_LINE + SECOND_LINE + GAP + 2)


def _date_and_signature(pdf: _Card) -> None:
    y = pdf.get_y() + 2
    half = (RIGHT - LEFT) / 2
    for i, key in enumerate(("date", "signature")):
        x = LEFT + i * half
        pdf.label(x, y, key, 34, f"{13 + i}.")
        pdf.rule(x + 34, y + 6.5, half - 38)
    pdf.set_y(y + 10)


def _footer(pdf: _Card, card: CaptureCard) -> None:
    pdf.set_font(FONT, "", SMALL_PT)
    pdf.set_xy(LEFT, PAGE_H - FRAME - 5 - 3 * SMALL_LINE)
    for line in TEXT["strike"]:
        pdf.cell(RIGHT - LEFT, SMALL_LINE, line, new_x="LMARGIN", new_y="NEXT")
    english, russian = TEXT["printed"]
    pdf.grey()
    pdf.cell(
        RIGHT - LEFT,
        SMALL_LINE,
        f"{english} / {russian} #{card.registry_id} · {_day(card.printed_on)}",
        align="R",
    )
    pdf.grey(False)


def render_pdf(card: CaptureCard) -> bytes:
    """The card on one A4 page, with embedded DejaVu fonts (Latin and Cyrillic)."""
    pdf = _Card()
    pdf.add_page()
    _header(pdf)
    pdf.field("power", "1.", card.power)
    pdf.field("name", "2.", card.surname)
    pdf.field("first_names", "3.", card.first_names)
    pdf.field("father", "4.", card.father_name)
    pdf.field("born_on", "5.", card.date_of_birth)
    pdf.field("born_in", "6.", card.place_of_birth, limit=2)
    pdf.field("rank", "7.", card.rank)
    pdf.field("service_number", "8.", card.service_number)
    pdf.field("family_address", "9.", "", rows=2, hint="by_hand")
    pdf.field("taken", "10.*", card.taken_prisoner_on)
    pdf.field("coming_from", "", card.coming_from, limit=2)
    _health(pdf, card)
    pdf.field("address", "12.", card.present_address, rows=2)
    _family_choice(pdf, card)
    _date_and_signature(pdf)
    _footer(pdf, card)
    return bytes(pdf.output())
