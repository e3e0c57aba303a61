"""Patronymics in every spelling: parsing (issue 14 §2) and finding the person from them."""

from __future__ import annotations

from functools import cache

import pytest

from lifeline.demo.names import generate_persons
from lifeline.matching import MatchIndex, NameVariant, ParsedName, PersonRecord, parse_free_text
from lifeline.matching.endings import conventions, endings, patronymic_ending
from lifeline.matching.names import patronymic_features
from lifeline.matching.parse import parse_name

M, F = "m", "f"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Dutch, Scandinavian, Finnish/Estonian
        ("Maksim Sergejevitsj Koezminov", ParsedName("Koezminov", "Maksim", "Sergejevitsj", M)),
        ("Maksim Sergejevitj Kuzminov", ParsedName("Kuzminov", "Maksim", "Sergejevitj", M)),
        ("Maksim Sergejevitš Kuzminov", ParsedName("Kuzminov", "Maksim", "Sergejevitš", M)),
        ("Anna Sergejevna Koezminova", ParsedName("Koezminova", "Anna", "Sergejevna", F)),
        ("Olga Iljinitsjna Petrova", ParsedName("Petrova", "Olga", "Iljinitsjna", F)),
        ("Maksym Serhijovytsj Kuzminov", ParsedName("Kuzminov", "Maksym", "Serhijovytsj", M)),
        # German, French, English
        ("Maxim Sergejewitsch Kusminow", ParsedName("Kusminow", "Maxim", "Sergejewitsch", M)),
        ("Iwan Petrowytsch Kowalenko", ParsedName("Kowalenko", "Iwan", "Petrowytsch", M)),
        ("Maksim Sergueïevitch Kouzminov", ParsedName("Kouzminov", "Maksim", "Sergueïevitch", M)),
        ("Ivan Petrovych Kovalenko", ParsedName("Kovalenko", "Ivan", "Petrovych", M)),
        ("Olha Petrivna Kovalenko", ParsedName("Kovalenko", "Olha", "Petrivna", F)),
        ("Ivan Ilyich Petrov", ParsedName("Petrov", "Ivan", "Ilyich", M)),
        # Czech, Slovak, Croatian, scholarly, Belarusian Łacinka
        ("Maksim Sergejevič Kuzminov", ParsedName("Kuzminov", "Maksim", "Sergejevič", M)),
        ("Ivan Petrovyč Kovalenko", ParsedName("Kovalenko", "Ivan", "Petrovyč", M)),
        ("Uladzimir Mikalajevič Kaliesnik", ParsedName("Kaliesnik", "Uladzimir", "Mikalajevič", M)),
        ("Alena Mikalajeŭna Kaliesnik", ParsedName("Kaliesnik", "Alena", "Mikalajeŭna", F)),
        # Polish, Latvian, Lithuanian
        ("Maksim Siergiejewicz Kuźminow", ParsedName("Kuźminow", "Maksim", "Siergiejewicz", M)),
        ("Anna Siergiejewna Kuźminowa", ParsedName("Kuźminowa", "Anna", "Siergiejewna", F)),
        ("Jevgeņijs Sergejevičs Kuzminovs", ParsedName("Kuzminovs", "Jevgeņijs", "Sergejevičs", M)),
        (
            "Aleksandras Sergejevičius Kuzminovas",
            ParsedName("Kuzminovas", "Aleksandras", "Sergejevičius", M),
        ),
        # Hungarian, Romanian, Turkish, Spanish
        ("Maksim Szergejevics Kuzminov", ParsedName("Kuzminov", "Maksim", "Szergejevics", M)),
        ("Maksim Sergheevici Kuzminov", ParsedName("Kuzminov", "Maksim", "Sergheevici", M)),
        ("Maksim Sergeyeviç Kuzminov", ParsedName("Kuzminov", "Maksim", "Sergeyeviç", M)),
        ("Anna Serguéyevna Kuzmínova", ParsedName("Kuzmínova", "Anna", "Serguéyevna", F)),
        # A doubled final a, and a Cyrillic а typed in a Latin word
        ("Anna Sergejevnaa Kuzminova", ParsedName("Kuzminova", "Anna", "Sergejevnaa", F)),
        ("Anna Sergejevn\u0430 Kuzminova", ParsedName("Kuzminova", "Anna", "Sergejevna", F)),
        # Belarusian Cyrillic
        ("Уладзімір Мікалаевіч Калеснік", ParsedName("Калеснік", "Уладзімір", "Мікалаевіч", M)),
    ],
)
def test_a_patronymic_in_any_convention_is_read_with_its_sex(
    text: str, expected: ParsedName
) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Koezminov, Maksim Sergejevitsj", ParsedName("Koezminov", "Maksim", "Sergejevitsj", M)),
        ("Koezminov Maksim Sergejevitsj", ParsedName("Koezminov", "Maksim", "Sergejevitsj", M)),
        ("Кузьминов, Максим Сергеевич", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Kuzminov, M. S.", ParsedName("Kuzminov", "M.", "S.", "")),
        # Past the name, a comma sets off something else.
        (
            "Kuzminov Maksim Sergeevich, 1975, Kherson",
            ParsedName("Kuzminov", "Maksim", "Sergeevich", M),
        ),
    ],
)
def test_the_order_of_the_parts_and_commas(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кузьминов Максим Сергеевич (б. 1975)", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Kuzminov Maksim (officer) Sergeevich", ParsedName("Kuzminov", "Maksim", "Sergeevich", M)),
        ("[officer] Kuzminov Maksim", ParsedName("Kuzminov", "Maksim", "", M)),
        ("Kuzminov Maksim Sergeyevich Jr.", ParsedName("Kuzminov", "Maksim", "Sergeyevich", M)),
        ("Sr. Maksim Kuzminov", ParsedName("Kuzminov", "Maksim", "", M)),
        ("Kuzminov_Maksim_Sergeevich", ParsedName("Kuzminov", "Maksim", "Sergeevich", M)),
        ("Kuzminov, Maksim; Sergeevich.", ParsedName("Kuzminov", "Maksim", "Sergeevich", M)),
    ],
)
def test_label_noise_is_no_part_of_the_name(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. S. Kuzminov", ParsedName("Kuzminov", "M.", "S.", "")),
        ("M.S.Kuzminov", ParsedName("Kuzminov", "M.", "S.", "")),
        ("Kuzminov M.S.", ParsedName("Kuzminov", "M.", "S.", "")),
        ("Кузьминов М. С.", ParsedName("Кузьминов", "М.", "С.", "")),
        ("Maksim S. Koezminov", ParsedName("Koezminov", "Maksim", "S.", M)),
        ("M. Sergejevitsj Koezminov", ParsedName("Koezminov", "M.", "Sergejevitsj", M)),
    ],
)
def test_initials(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Рамиль Ахмет улы Сафин", ParsedName("Сафин", "Рамиль", "Ахмет улы", M)),
        ("Сафин Рамиль Ахмет улы", ParsedName("Сафин", "Рамиль", "Ахмет улы", M)),
        ("Ахмет улы", ParsedName("", "", "Ахмет улы", M)),
        ("Гульнара Ахмет кызы Сафина", ParsedName("Сафина", "Гульнара", "Ахмет кызы", F)),
        ("Ramil Akhmet uly Safin", ParsedName("Safin", "Ramil", "Akhmet uly", M)),
        ("Gulnara Akhmet qızı Safina", ParsedName("Safina", "Gulnara", "Akhmet qızı", F)),
        ("Мамедов Ильхам Гейдар оглы", ParsedName("Мамедов", "Ильхам", "Гейдар оглы", M)),
    ],
)
def test_turkic_patronymics(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Maksim Sergejevitsj Koezminov-Petrov",
            ParsedName("Koezminov-Petrov", "Maksim", "Sergejevitsj", M),
        ),
        (
            "Мамин- Сибиряк Дмитрий Наркисович",
            ParsedName("Мамин-Сибиряк", "Дмитрий", "Наркисович", M),
        ),
        (
            "Koezminov Petrov, Maksim Sergejevitsj",
            ParsedName("Koezminov Petrov", "Maksim", "Sergejevitsj", M),
        ),
        (
            "Максим Сергеевич Кузьминов Петров",
            ParsedName("Кузьминов Петров", "Максим", "Сергеевич", M),
        ),
    ],
)
def test_a_surname_of_two_parts_stays_one_surname(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


def test_a_surname_ending_like_a_patronymic_stays_a_surname() -> None:
    assert parse_name("Abramovich Roman Arkadjevitsj").surname == "Abramovich"
    assert parse_name("Roman Abramovich") == ParsedName("Abramovich", "Roman", "", M)
    assert parse_name("Иван Петрович") == ParsedName("", "Иван", "Петрович", M)
    assert parse_name("Ivan Petrovich Babich") == ParsedName("Babich", "Ivan", "Petrovich", M)
    # An "-ich" the patronymic table does not know is a surname's ending, not a patronymic's.
    assert parse_name("Ivan Babich Petrov").patronymic == ""


@pytest.mark.parametrize(
    "spelling",
    [
        "Sergeyevich", "Sergejevitsj", "Sergejewitsch", "Sergejevič", "Sergejevics", "Sergeevici",
        "Siergiejewicz", "Sergejevitj", "Sergejevičs", "Sergeyeviç", "Serhijovytsj", "Serhiyovych",
    ],
)  # fmt: skip
def test_every_spelling_keys_as_the_russian_patronymic(spelling: str) -> None:
    features, russian = patronymic_features(spelling), patronymic_features("Сергеевич")
    assert features and russian and features.keys == russian.keys


def test_a_turkic_patronymic_keys_as_the_russian_one() -> None:
    turkic, russian = patronymic_features("Ахмет улы"), patronymic_features("Ахметович")
    assert turkic and russian and turkic.keys == russian.keys


def test_every_convention_cites_its_source_and_every_ending_reads_as_itself() -> None:
    for name, source in conventions():
        assert source.strip(), name
    for text, ending in endings().items():
        found = patronymic_ending("Sergej" + text)
        assert found is not None and found.sex == ending.sex, text


REGISTRY = [
    PersonRecord(1, (NameVariant("Кузьминов", "Максим", "Сергеевич"),), sex="m", birth_year=1995),
    PersonRecord(2, (NameVariant("Кузьминов", "Максим", "Петрович"),), sex="m", birth_year=1971),
    PersonRecord(3, (NameVariant("Кузьминов", "Михаил", "Сергеевич"),), sex="m", birth_year=1990),
    PersonRecord(4, (NameVariant("Кузнецов", "Максим", "Сергеевич"),), sex="m", birth_year=1995),
    PersonRecord(5, (NameVariant("Кузьминова", "Анна", "Сергеевна"),), sex="f", birth_year=1997),
    PersonRecord(6, (NameVariant("Сафин", "Рамиль", "Ахметович"),), sex="m", birth_year=1988),
    PersonRecord(7, (NameVariant("Сафин", "Рамиль", "Маратович"),), sex="m", birth_year=1988),
    PersonRecord(8, (NameVariant("Коваленко", "Іван", "Петрович"),), sex="m", birth_year=1985),
    PersonRecord(9, (NameVariant("Коваленко", "Іван", "Миколайович"),), sex="m", birth_year=1985),
]


@cache
def index() -> MatchIndex:
    persons = generate_persons(1000, seed=3)
    others = [
        PersonRecord(100 + i, (NameVariant(p.surname, p.given_name, p.patronymic),), sex=p.sex)
        for i, p in enumerate(persons)
    ]
    return MatchIndex([*REGISTRY, *others])


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Maksim Sergejevitsj Koezminov", 1),
        ("Koezminov, Maksim Sergejevitsj", 1),
        ("Maxim Sergejewitsch Kusminow", 1),
        ("Maksim Sergejevič Kuzminov", 1),
        ("Maksim Sergejevics Kuzminov", 1),
        ("Maksim Sergheevici Kuzminov", 1),
        ("Maksim Siergiejewicz Kuźminow", 1),
        ("Maksim Sergejevitj Kuzminov", 1),
        ("Maksim Sergeyeviç Kuzminov", 1),
        ("Kuzminov Maksim Sergeyevich (b. 1995)", 1),
        ("Anna Siergiejewna Kuźminowa", 5),
        ("Kuzminova Anna Sergejevnaa", 5),
        ("Рамиль Ахмет улы Сафин", 6),
        ("Ramil Akhmet uly Safin", 6),
        ("Ivan Petrovytsj Kovalenko", 8),
        ("Ivan Petrowytsch Kowalenko", 8),
    ],
)
def test_the_person_is_found_first_from_any_spelling(text: str, person: int) -> None:
    found = index().search(parse_free_text(text), 3)
    assert found and found[0].record_id == person


def test_a_year_in_a_bracketed_note_is_still_the_birth_year() -> None:
    query = parse_free_text("Koezminov, Maksim Sergejevitsj (geb. 1995)")
    assert query.names == (NameVariant("Koezminov", "Maksim", "Sergejevitsj"),)
    assert query.birth_year == 1995
