"""Reading a query out of a letter, in Russian, Ukrainian or English."""

from __future__ import annotations

from lifeline.matching import NameVariant, parse_free_text, query_from_fields


def test_russian_letter() -> None:
    query = parse_free_text(
        "Ищу сына, Кузьминов Максим Сергеевич 1995 г.р., в/ч 12345, пропал под Херсоном"
    )
    assert query.names == (NameVariant("Кузьминов", "Максим", "Сергеевич"),)
    assert (query.sex, query.birth_year, query.unit, query.place) == (
        "m",
        1995,
        "в/ч 12345",
        "Херсон",
    )


def test_ukrainian_letter() -> None:
    query = parse_free_text(
        "Шукаю сина Олександра Коваленка, 1990 р.н., в/ч А1234, зник біля Бахмута"
    )
    assert query.names == (NameVariant("Коваленко", "Олександр", ""),)
    assert (query.birth_year, query.unit, query.place) == (1990, "в/ч А1234", "Бахмут")


def test_ukrainian_year_words_and_patronymic() -> None:
    query = parse_free_text("Шукаю брата Шевченка Тараса Григоровича 1987 року народження")
    assert query.names == (NameVariant("Шевченко", "Тарас", "Григорович"),)
    assert query.birth_year == 1987


def test_full_date_and_names_in_the_genitive() -> None:
    query = parse_free_text("Помогите найти мужа Иванова Сергея, 14.03.1995, военная часть 54321")
    assert query.names == (NameVariant("Иванов", "Сергей", ""),)
    assert (query.birth_year, query.birth_month, query.birth_day) == (1995, 3, 14)
    assert query.unit == "в/ч 54321"


def test_daughter_keeps_her_surname() -> None:
    query = parse_free_text("Ищу дочь Кузьминову Анну Сергеевну, 03.1998")
    assert query.names == (NameVariant("Кузьминова", "Анна", "Сергеевна"),)
    assert (query.sex, query.birth_year, query.birth_month) == ("f", 1998, 3)


def test_english_letter() -> None:
    query = parse_free_text(
        "Looking for my son Maksym Kovalenko, born 1990, military unit A1234, missing near Bakhmut"
    )
    assert query.names == (NameVariant("Kovalenko", "Maksym", ""),)
    assert (query.birth_year, query.place) == (1990, "Bakhmut")


def test_raw_text_is_kept() -> None:
    assert parse_free_text("что-то").raw_text == "что-то"


def test_query_from_fields_restores_the_nominative() -> None:
    query = query_from_fields(surname="Кузьминова", given_name="Максима", birth_year=1995)
    assert query.names == (NameVariant("Кузьминов", "Максим", ""),)
    assert query.birth_year == 1995


def test_query_from_fields_takes_what_is_missing_from_raw_text() -> None:
    query = query_from_fields(surname="Кузьминов", raw_text="1995 г.р., в/ч 12345")
    assert query.names[0].surname == "Кузьминов"
    assert (query.birth_year, query.unit) == (1995, "в/ч 12345")
    assert query_from_fields(birth_date="14.03.1995").birth_day == 14


def test_the_writers_own_place_is_not_the_sought_mans() -> None:
    letters = {
        "Живу в Германии. Ищу сына Кузьминова Максима, 1995 г.р., пропал под Херсоном": "Херсон",
        "Я живу в Германии, ищу сына Кузьминова Максима 1995 г.р.": "",
        "Мы в Польше. Ищу мужа Иванова Сергея": "",
        "Я з Польщі, шукаю брата Тараса Шевченка, зник біля Бахмута": "Бахмут",
        "Живу у Львові, шукаю сина Олександра Коваленка": "",
        "I live in Germany. Looking for my son Maksim Kuzminov, missing near Bakhmut": "Bakhmut",
        "We are in Berlin now. My brother Ivan Petrov was last heard of in Kharkiv": "Kharkiv",
    }
    for letter, place in letters.items():
        query = parse_free_text(letter)
        assert query.place == place, letter
        assert query.names, letter


def test_a_place_after_a_verb_about_him_is_still_his() -> None:
    assert parse_free_text("Ищу сына Иванова Петра, он служил в Херсоне").place == "Херсон"


def test_a_name_after_the_writers_words_is_still_a_name() -> None:
    query = parse_free_text("Мы с Максимом Кузьминовым служили вместе, ищу его")
    assert query.names == (NameVariant("Кузьминов", "Максим", ""),)
