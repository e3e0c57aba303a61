"""Normalisation and script/language detection."""

from __future__ import annotations

from lifeline.matching import detect_language, detect_script, normalise


def test_normalise_unifies_apostrophes_case_and_spaces() -> None:
    assert normalise("  Кузь’минов   МАКСИМ ") == "кузь'минов максим"
    assert normalise("Мʼякота") == normalise("М'якота") == normalise("М`якота")
    assert normalise("ＫＵＺ") == "kuz"  # NFKC folds full-width letters


def test_detect_script() -> None:
    assert detect_script("Кузьминов") == "cyrillic"
    assert detect_script("Kuzminov") == "latin"
    assert detect_script("Kузьминов") == "mixed"
    assert detect_script("12345") == ""


def test_detect_language() -> None:
    assert detect_language("Олександр Сергійович") == "uk"
    assert detect_language("Мʼякота") == "uk"
    assert detect_language("Фёдор Крылов") == "ru"
    assert detect_language("Максим Кузьминов") == ""
    assert detect_language("Kuzminov") == ""
