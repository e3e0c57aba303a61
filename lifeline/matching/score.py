"""Score a query against a registry person: a sum of per-field log-odds, calibrated to [0, 1]."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from lifeline.matching import weights as w
from lifeline.matching.dates import Date, compare_dates
from lifeline.matching.names import (
    NameFeatures,
    alternatives,
    compare_given,
    compare_patronymics,
    compare_surnames,
    fuzzy_surname_bound,
    name_features,
    surname_needs_fuzzy,
)
from lifeline.matching.places import compare_places, place_key
from lifeline.matching.types import Candidate, FieldScore, PersonRecord, Query
from lifeline.matching.units import compare_units, unit_key


@dataclass(frozen=True, slots=True)
class Features:
    """What scoring needs of a person or a query, computed once (parts shared via caches)."""

    names: tuple[NameFeatures, ...]
    date: Date
    unit: str
    place: str
    surname_count: int = 0  # bearers of the most common of its surname forms


def record_features(record: PersonRecord) -> Features:
    """Features of a registry person."""
    names = tuple(name_features(v) for v in record.names)
    return Features(
        names,
        (record.birth_year, record.birth_month, record.birth_day),
        sys.intern(record.unit) if unit_key(record.unit) else "",
        record.place_of_birth if place_key(record.place_of_birth) else "",
        max((n.surname.count for n in names if n.surname), default=0),
    )


def query_features(query: Query) -> Features:
    """Features of a query (its names should already be parsed into parts)."""
    return Features(
        tuple(name_features(v) for v in query.names),
        (query.birth_year, query.birth_month, query.birth_day),
        query.unit if unit_key(query.unit) else "",
        query.place if place_key(query.place) else "",
    )


def _names_direct(
    q: NameFeatures, r: NameFeatures, explain: bool, count: int = 0
) -> list[FieldScore]:
    out = []
    if q.surname and r.surname:
        compared = compare_surnames(q.surname, r.surname, explain, count)
        out.append(FieldScore("surname", *compared))
    elif q.surname or r.surname:
        out.append(FieldScore("surname", 0.0, "surname not known on both sides"))
    if q.given and r.given:
        out.append(FieldScore("given_name", *compare_given(q.given, r.given, explain)))
    elif q.given or r.given:
        out.append(FieldScore("given_name", 0.0, "given name not known on both sides"))
    if q.patronymic and r.patronymic:
        out.append(FieldScore("patronymic", *compare_patronymics(q.patronymic, r.patronymic)))
    elif q.patronymic or r.patronymic:
        out.append(FieldScore("patronymic", 0.0, "patronymic not known on both sides"))
    return out


def _best_names(qf: Features, rf: Features, explain: bool) -> list[FieldScore]:
    best: list[FieldScore] = []
    best_total = float("-inf")
    for q_name in qf.names:
        for n, q in enumerate(alternatives(q_name)):
            penalty = w.SWAPPED_ORDER_PENALTY if n else 0.0
            for r in rf.names:
                fields = _names_direct(q, r, explain, rf.surname_count)
                total = sum(f.contribution for f in fields) - penalty
                if total > best_total:
                    best, best_total = fields, total
                    if n and fields:
                        best = _reread(fields, q_name, penalty)
    return best


def _reread(fields: list[FieldScore], original: NameFeatures, penalty: float) -> list[FieldScore]:
    """Mark the surname field of an alternative reading, and take its penalty there."""
    note = (
        " (given name and surname swapped)"
        if original.surname
        else " (the query's patronymic read as the surname)"
    )
    return [
        FieldScore(f.field, f.contribution - penalty, f.explanation + note)
        if f.field == "surname"
        else f
        for f in fields
    ]


def score_features(
    qf: Features, rf: Features, explain: bool = True
) -> tuple[float, list[FieldScore]]:
    """The summed log-odds and the field scores behind them."""
    fields = _best_names(qf, rf, explain)
    fields.append(FieldScore("birth_date", *compare_dates(qf.date, rf.date)))
    if qf.unit and rf.unit:
        fields.append(FieldScore("unit", *compare_units(qf.unit, rf.unit)))
    if qf.place and rf.place:
        fields.append(FieldScore("place", *compare_places(qf.place, rf.place)))
    return sum(f.contribution for f in fields), fields


class Scorer:
    """One query's summed log-odds against many records: exactly `score_features`'s total,
    without explanations. Records share their name parts (and dates, units and places) through
    the feature caches, so each distinct part is compared with the query's only once."""

    __slots__ = (
        "_dates",
        "_fuzzy_bound",
        "_given",
        "_patronymics",
        "_places",
        "_readings",
        "_surnames",
        "_units",
        "query",
    )

    def __init__(self, query: Features) -> None:
        self.query = query
        # Each reading of the query's names, as `_best_names` tries them, with its penalty.
        self._readings = [
            (q, w.SWAPPED_ORDER_PENALTY if n else 0.0, n > 0)
            for q_name in query.names
            for n, q in enumerate(alternatives(q_name))
        ]
        self._fuzzy_bound = fuzzy_surname_bound()
        self._surnames: dict[tuple[int, int, int], float] = {}
        self._given: dict[tuple[int, int], float] = {}
        self._patronymics: dict[tuple[int, int], float] = {}
        self._dates: dict[Date, float] = {}
        self._units: dict[str, float] = {}
        self._places: dict[str, float] = {}

    def total(self, rf: Features) -> float:
        """`score_features(self.query, rf)[0]`, summed in the same order (so equal, not close).

        A reading whose surnames agree by no key is skipped, without the costly fuzzy surname
        comparison, when even the best fuzzy weight could not make it the best reading.
        """
        surnames, given_names, patronymics = self._surnames, self._given, self._patronymics
        fuzzy_bound = self._fuzzy_bound
        best_total = float("-inf")
        surname = given = patronymic = 0.0
        count = rf.surname_count
        for q, penalty, swapped in self._readings:
            qs, qg, qp = q.surname, q.given, q.patronymic
            for r in rf.names:
                rs, rg, rp = r.surname, r.given, r.patronymic
                g = p = s = 0.0
                if qg is not None and rg is not None:
                    pair = (id(qg), id(rg))
                    found = given_names.get(pair)
                    if found is None:
                        found = given_names[pair] = compare_given(qg, rg, False)[0]
                    g = found
                if qp is not None and rp is not None:
                    pair = (id(qp), id(rp))
                    found = patronymics.get(pair)
                    if found is None:
                        found = patronymics[pair] = compare_patronymics(qp, rp)[0]
                    p = found
                if qs is not None and rs is not None:
                    key = (id(qs), id(rs), count)
                    found = surnames.get(key)
                    if found is None:
                        bound = fuzzy_bound + g + p - penalty
                        if bound <= best_total and surname_needs_fuzzy(qs, rs):
                            continue  # cannot beat the best reading so far
                        found = surnames[key] = compare_surnames(qs, rs, False, count)[0]
                    s = found
                total = s + g + p - penalty
                if total > best_total:
                    best_total = total
                    surname, given, patronymic = (s - penalty if swapped else s), g, p
        query = self.query
        found = self._dates.get(rf.date)
        if found is None:
            found = self._dates[rf.date] = compare_dates(query.date, rf.date)[0]
        total = surname + given + patronymic + found
        if query.unit and rf.unit:
            found = self._units.get(rf.unit)
            if found is None:
                found = self._units[rf.unit] = compare_units(query.unit, rf.unit)[0]
            total += found
        if query.place and rf.place:
            found = self._places.get(rf.place)
            if found is None:
                found = self._places[rf.place] = compare_places(query.place, rf.place)[0]
            total += found
        return total


def score(query: Query, record: PersonRecord) -> Candidate:
    """A calibrated score in [0, 1] of `record` being the person `query` describes.

    Each field's contribution is explained in `Candidate.fields`, strongest first.
    """
    total, fields = score_features(query_features(query), record_features(record))
    return candidate(record.id, total, fields)


def candidate(record_id: int, total: float, fields: list[FieldScore]) -> Candidate:
    """A Candidate from summed log-odds: calibrated score, fields strongest first."""
    ordered = tuple(sorted(fields, key=lambda f: -abs(f.contribution)))
    return Candidate(record_id, round(w.calibrate(total), 4), ordered)
