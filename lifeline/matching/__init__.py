"""Cross-script person matching: a plain Python library, importing nothing from Django.

Public API (stable; the tracing app and the benchmarks depend on it):

- `PersonRecord`, `Query`, `Candidate`, `FieldScore`: the data types (lifeline.matching.types).
- `parse_free_text(text) -> Query`: names, birth year/date, unit and place from a letter.
- `query_from_fields(...) -> Query`: a query from structured form fields.
- `score(query, record) -> Candidate`: calibrated score in [0, 1] with a per-field explanation.
- `MatchIndex`: built from records; `search(query, k=10) -> list[Candidate]` without scoring
  every record; `add`/`remove` for incremental upkeep.
- `blocking`: the keys a person is stored under and a query looks up, and how hits rank, for
  an app that keeps the keys in its database (`record_keys`, `query_keys`, `best_ids`...).
- `top_candidates(query, records, k)`: the top `k` of records retrieved elsewhere, scored;
  `RecordPool` does the same for many queries, each record's features computed once.
- `DEFAULT_THRESHOLD`: the score above which a candidate is proposed to an officer.
- `warm_up()`: load the name tables now rather than in the first search.
- `normalised_columns(record) -> dict[str, str]`: the engine's normalised columns for batch
  linkage (Splink).

Also public, for the app and tests: `parse_name` (a full name into its parts, nominative),
`normalise`, `detect_script`, `detect_language`, `skeletons` and `phonetic` (the keys).

The stages live in small modules: normalise, keys (transliteration skeletons), tables (the
name data files), fold (diminutives, Ukrainian forms), morph and parse (cases, roles),
names/dates/units/places (field comparisons), weights and score, index, freetext, columns.
"""

from lifeline.matching import blocking
from lifeline.matching.columns import normalised_columns
from lifeline.matching.freetext import parse_free_text, query_from_fields
from lifeline.matching.index import MatchIndex, RecordPool, top_candidates
from lifeline.matching.keys import phonetic, skeletons
from lifeline.matching.normalise import detect_language, detect_script, normalise
from lifeline.matching.parse import ParsedName, parse_name
from lifeline.matching.score import score
from lifeline.matching.types import Candidate, FieldScore, NameVariant, PersonRecord, Query
from lifeline.matching.weights import DEFAULT_THRESHOLD


def warm_up() -> None:
    """Load the name tables and the morphology now (about a second), not in the first search.

    A web process calls it at start, so that its first enquiry is answered at once.
    """
    record = PersonRecord(0, (NameVariant("Кузьминов", "Максим", "Сергеевич"),), birth_year=1995)
    score(parse_free_text("Ищу Кузьминова Максима Сергеевича, 1995 г.р., из Херсона"), record)
    score(query_from_fields(surname="Kusminow", given_name="Sascha"), record)


__all__ = [
    "DEFAULT_THRESHOLD",
    "Candidate",
    "FieldScore",
    "MatchIndex",
    "NameVariant",
    "ParsedName",
    "PersonRecord",
    "Query",
    "RecordPool",
    "blocking",
    "detect_language",
    "detect_script",
    "normalise",
    "normalised_columns",
    "parse_free_text",
    "parse_name",
    "phonetic",
    "query_from_fields",
    "score",
    "skeletons",
    "top_candidates",
    "warm_up",
]
