"""Cross-script person matching: a plain Python library, importing nothing from Django.

Public API (stable; the tracing app and the benchmarks depend on it):

- `PersonRecord`, `Query`, `Candidate`, `FieldScore`: the data types (lifeline.matching.types).
- `parse_free_text(text) -> Query`: names, birth year/date, unit and place from a letter.
- `query_from_fields(...) -> Query`: a query from structured form fields.
- `score(query, record) -> Candidate`: calibrated score in [0, 1] with a per-field explanation.
- `MatchIndex`: built from records; `search(query, k=10) -> list[Candidate]` without scoring
  every record; `add`/`remove` for incremental upkeep.
- `DEFAULT_THRESHOLD`: the score above which a candidate is proposed to an officer.
- `normalised_columns(record) -> dict[str, str]`: the engine's normalised columns for batch
  linkage (Splink).
"""
