"""The demo's message threads: well-formed, reproducible, and about the person they concern."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from lifeline.demo.messages import KINDS, LANGUAGES, SyntheticMessage, generate_thread
from lifeline.demo.names import SyntheticPerson, generate_persons


@pytest.fixture(scope="module")
def persons() -> list[SyntheticPerson]:
    return generate_persons(200, seed=11)


def threads(
    kind: str, language: str, persons: Sequence[SyntheticPerson | None], seed: int = 1
) -> list[list[SyntheticMessage]]:
    rng = random.Random(seed)
    return [generate_thread(kind, language, rng=rng, person=person) for person in persons]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_threads_alternate_from_the_visitor(
    kind: str, language: str, persons: list[SyntheticPerson]
) -> None:
    for thread in threads(kind, language, [*persons[:40], *[None] * 10]):
        assert 1 <= len(thread) <= 6
        assert [m.direction for m in thread] == ["in", "out", "in", "out", "in", "out"][
            : len(thread)
        ]
        offsets = [m.offset_minutes for m in thread]
        assert offsets[0] == 0
        assert offsets == sorted(set(offsets))
        assert all(m.body and "{" not in m.body and "}" not in m.body for m in thread)


def test_lengths_vary(persons: list[SyntheticPerson]) -> None:
    lengths = {len(t) for t in threads("surrender", "ru", [*persons, *persons])}
    assert lengths == {1, 2, 3, 4, 5, 6}


def test_a_seed_always_gives_the_same_thread(persons: list[SyntheticPerson]) -> None:
    assert threads("family_enquiry", "uk", persons, seed=3) == threads(
        "family_enquiry", "uk", persons, seed=3
    )


def test_threads_name_the_person(persons: list[SyntheticPerson]) -> None:
    for kind in ("surrender", "family_enquiry", "handover", "assistance"):
        bodies = [
            m.body for t in threads(kind, "ru", persons[:20]) for m in t if m.direction == "in"
        ]
        assert any(p.surname in body for p in persons[:20] for body in bodies), kind


def test_english_threads_spell_the_name_in_latin(persons: list[SyntheticPerson]) -> None:
    bodies = " ".join(m.body for t in threads("surrender", "en", persons[:40]) for m in t)
    assert not any(p.surname in bodies for p in persons[:40])
    assert "military unit" in bodies or "born" in bodies


def test_threads_about_a_woman_speak_of_a_woman(persons: list[SyntheticPerson]) -> None:
    women = [p for p in generate_persons(1000, seed=5) if p.sex == "f"][:20]
    men = [p for p in persons if p.sex == "m"][:20]
    about_women = " ".join(m.body for t in threads("family_enquiry", "ru", women) for m in t)
    about_men = " ".join(m.body for t in threads("family_enquiry", "ru", men) for m in t)
    assert "сын" not in about_women and "дочь" not in about_men
    assert "дочь" in about_women or "жена" in about_women


def test_unknown_kind_or_language_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no demo messages for kind 'gossip' in language 'ru'"):
        generate_thread("gossip", "ru", rng=random.Random(1), person=None)
    with pytest.raises(ValueError, match=r"no demo messages for kind 'other' in language 'de'"):
        generate_thread("other", "de", rng=random.Random(1), person=None)
