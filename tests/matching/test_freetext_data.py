"""The words a letter is read by come from data/letter_words.yaml, not from the code."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lifeline.matching import freetext, parse_free_text
from lifeline.matching.tables import DATA_DIR

WORDS = DATA_DIR / "letter_words.yaml"


@pytest.fixture
def edited_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the data folder the reader reads from: edit its letter_words.yaml."""
    shutil.copy(WORDS, tmp_path / WORDS.name)
    monkeypatch.setattr(freetext, "DATA_DIR", tmp_path)
    freetext._rules.cache_clear()
    yield tmp_path / WORDS.name
    freetext._rules.cache_clear()


def _add(path: Path, name: str, language: str, entry: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[name].setdefault(language, []).insert(0, entry)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    freetext._rules.cache_clear()


def test_every_list_holds_words_in_russian_ukrainian_or_english() -> None:
    data = yaml.safe_load(WORDS.read_text(encoding="utf-8"))
    assert data
    for name, by_language in data.items():
        assert set(by_language) <= {"ru", "uk", "en"}, name
        assert all(by_language.values()), name


@pytest.mark.parametrize("name", yaml.safe_load(WORDS.read_text(encoding="utf-8")))
def test_every_list_of_the_file_is_read(edited_words: Path, name: str) -> None:
    data = yaml.safe_load(edited_words.read_text(encoding="utf-8"))
    del data[name]
    edited_words.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KeyError, match=name):
        parse_free_text("Ищу сына, пропал под Херсоном")


@pytest.mark.parametrize(
    ("name", "language", "entry", "letter", "before", "after"),
    [
        (
            "place_prepositions",
            "ru",
            "за",
            "Ищу сына Кузьминова Максима, пропал за Херсоном",
            ("", ""),
            ("Херсон", ""),
        ),
        (
            "unit_markers",
            "ru",
            r"подразделени\w*",
            "Кузьминов Максим, подразделение 12345",
            ("", ""),
            ("", "в/ч 12345"),
        ),
        (
            "writer_verbs_alone",
            "ru",
            "гощу",
            "Гощу в Польше, ищу сына Кузьминова Максима",
            ("Польша", ""),
            ("", ""),
        ),
    ],
)
def test_a_word_added_to_the_file_changes_the_reading(
    edited_words: Path,
    name: str,
    language: str,
    entry: str,
    letter: str,
    before: tuple[str, str],
    after: tuple[str, str],
) -> None:
    query = parse_free_text(letter)
    assert (query.place, query.unit) == before
    _add(edited_words, name, language, entry)
    query = parse_free_text(letter)
    assert (query.place, query.unit) == after
    assert query.names[0].surname == "Кузьминов"


def test_a_latin_stop_word_added_is_no_longer_read_as_a_name(edited_words: Path) -> None:
    letter = "Urgent: Maksym Kovalenko, born 1990"
    assert parse_free_text(letter).names[0].surname == "Urgent Kovalenko"
    _add(edited_words, "latin_stop", "en", "urgent")
    assert parse_free_text(letter).names[0].surname == "Kovalenko"


def test_a_settlements_abbreviation_is_left_out_of_the_place() -> None:
    assert parse_free_text("Ищу сына, пропал возле смт. Ямполь").place == "Ямполь"
    assert parse_free_text("Шукаю сина, зник біля м. Бахмут").place == "Бахмут"
