"""Folding and script detection: plain functions, no database."""

from lifeline.registry.text import fold, script_of


def test_fold_is_case_insensitive_in_cyrillic_and_latin() -> None:
    assert fold("КУЗЬМИНОВ") == fold("кузьминов") == "кузьминов"
    assert fold("Kuz'MINOV") == "kuz'minov"
    assert fold("  ОЛЕКСАНДР   Іванович ") == "олександр іванович"


def test_fold_treats_yo_as_ye_and_normalises_compatibility_forms() -> None:
    assert fold("Семёнов") == fold("СЕМЕНОВ")
    assert fold("Ｉｖａｎ") == "ivan"


def test_script_of() -> None:
    assert script_of("Кузьминов Максим") == "cyrl"
    assert script_of("Kuzminov Maksim") == "latn"
    assert script_of("") == "other"
    assert script_of("12345") == "other"
