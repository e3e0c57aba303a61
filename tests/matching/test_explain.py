"""Every explanation the scorer writes reads back into a kind and its parameters."""

from __future__ import annotations

from lifeline.matching import NameVariant, PersonRecord, Query, score
from lifeline.matching.explain import Reading, read

RECORDS = [
    PersonRecord(
        1,
        (NameVariant("Кузьминов", "Максим", "Сергеевич"),),
        "m",
        1995,
        3,
        14,
        "в/ч 12345",
        "Херсон",
    ),
    PersonRecord(
        2, (NameVariant("Кузьминова", "Анна", "Петровна"),), "f", 1996, 1, 2, "в/ч 54321", "Одесса"
    ),
    PersonRecord(3, (NameVariant("Коваленко", "Олександр", "Іванович"),), "m", 1990),
    PersonRecord(4, (NameVariant("Петров", "Иван"),), "m", 1970, None, None, "в/ч А1234"),
    PersonRecord(5, (NameVariant("Гончаров", "Вячеслав", "Дмитриевич"),), "m", 1988, 5, 6),
]
QUERIES = [
    Query((NameVariant("Kuzminov", "Maksim", "Sergeevich"),), "m", 1995, 14, 3, "12345", "Kherson"),
    Query((NameVariant("Kusminow", "Max", "S."),), "m", 1996, 3, 14, "в/ч 12346", "Херсона"),
    Query((NameVariant("Кузьминов", "Саша", "Петрович"),), "m", 1994, 3, 14),
    Query((NameVariant("Коваленко", "Александр"),), "m", 1990, 3),
    Query((NameVariant("Максим", "Кузьминов"),), "m", 1980),
    Query((NameVariant("", "Михаил", "Кузьминов"),)),
    Query((NameVariant("Gontscharow", "Wjatscheslaw", "Dmitrijewitsch"),), "m", 1988, 6, 5),
    Query((NameVariant("Kuzmenko", "I."),), unit="в/ч 99999", place="Львов"),
    Query((NameVariant("Kuźminow", "Maksym"),), birth_year=1985),
]


def test_every_explanation_the_scorer_writes_is_read() -> None:
    kinds = set()
    for query in QUERIES:
        for record in RECORDS:
            for f in score(query, record).fields:
                reading = read(f.explanation)
                assert reading is not None, f.explanation
                kinds.add(reading.kind)
    assert {"translit", "same_surname", "different_surnames", "year_agrees"} <= kinds


def test_a_reading_keeps_both_sides_the_style_and_the_note() -> None:
    assert read("Gontscharow ≈ Гончаров: same name across transliteration (German spelling)") == (
        Reading("translit", "Gontscharow", "Гончаров", "≈", params={"style": "German spelling"})
    )
    assert read("born 1995 vs 1998: 3 years apart") == Reading(
        "years_apart", "1995", "1998", params={"gap": "3"}
    )
    assert read("Максим = Максим: same surname (given name and surname swapped)") == Reading(
        "same_surname", "Максим", "Максим", "=", "swapped"
    )
    assert read("Саша ≈ Александр: Саша is a short or Ukrainian form of Александр") == Reading(
        "short_form", "Саша", "Александр", "≈", params={"short": "Саша", "full": "Александр"}
    )
    assert read("date of birth not known on both sides") == Reading("unknown")


def test_a_text_it_does_not_know_is_left_alone() -> None:
    assert read("checked by hand") is None
    assert read("Kuzminov ≈ Кузьминов: a reason the engine never gave") is None
