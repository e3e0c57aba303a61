"""Derive the diminutive table (benchmarks/data/diminutives.yaml) from data shipped in packages.

Run: `.venv/bin/pip install -e '.[tables]'` once (for rigour, which compiles PyICU), then
`.venv/bin/python benchmarks/build_diminutives.py`

A diminutive is taken to be a rare given name in russiannames' `names` table (fewer than 100
bearers: registries record full names, so short forms are rare there) that rigour's Wikidata
name groups put in the same group as a common given name, that is shorter than it, and that
ends in -а/-я like Russian hypocoristics (Саша, Дима, Коля). The few spelling variants the
groups also hold (Никола, Микола) are excluded by hand below. rigour's groups miss some common
pairs (Ваня for Иван, Серёжа for Сергей), so the file also keeps a small hand-written
`supplement`, marked as such; the generator uses both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import yaml
from rigour.names import NameTypeTag, Symbol, analyze_names

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifeline.demo.names import _source  # noqa: E402

OUT = Path(__file__).with_name("data") / "diminutives.yaml"
COMMON_NAMES = 150
# Forms the Wikidata groups hold that are spellings or other languages' forms, not diminutives.
NOT_DIMINUTIVES = {
    *("Никола", "Микола", "Олекса", "Воля", "Диня", "Гава", "Гога", "Мила", "Влада", "Валда"),
    "Ангела",
}


def _name_symbols(name: str) -> set[str]:
    symbols: set[str] = set()
    for analysed in analyze_names(NameTypeTag.PER, [name]):
        symbols |= {s.id for s in analysed.symbols if s.category == Symbol.Category.NAME}
    return symbols


def derive() -> dict[str, dict[str, list[str]]]:
    """{sex: {full name: [diminutives]}} from russiannames and rigour."""
    with duckdb.connect() as connection:
        rare = connection.execute(
            "SELECT DISTINCT text FROM read_parquet(?) WHERE count < 100"
            " AND regexp_full_match(text, '[А-ЯЁ][а-яё]{1,6}[бвгджзклмнпрстфхцчшщ][ая]')",
            [_source("names")],
        ).fetchall()
        derived: dict[str, dict[str, list[str]]] = {}
        short_forms = {str(text): _name_symbols(str(text)) for (text,) in rare}
        short_forms = {k: v for k, v in short_forms.items() if k not in NOT_DIMINUTIVES}
        for sex in ("m", "f"):
            common = connection.execute(
                "SELECT text FROM read_parquet(?) WHERE gender = ? AND count >= 100"
                " AND list_contains(ethnic, 'slav') AND regexp_full_match(text, '[А-ЯЁ][а-яё]+')"
                " ORDER BY count DESC, text LIMIT ?",
                [_source("names"), sex, COMMON_NAMES],
            ).fetchall()
            table: dict[str, list[str]] = {}
            for (full,) in common:
                symbols = _name_symbols(str(full))
                found = sorted(
                    short
                    for short, short_symbols in short_forms.items()
                    if symbols & short_symbols and len(short) <= len(str(full)) - 2
                )
                if found:
                    table[str(full)] = found
            derived[sex] = table
    return derived


def main() -> None:
    existing = yaml.safe_load(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    data = {"derived": derive(), "supplement": existing.get("supplement", {"m": {}, "f": {}})}
    header = (
        "# Diminutives of given names, for the benchmark's evaluation-set generator ONLY.\n"
        "# `derived`: written by benchmarks/build_diminutives.py from russiannames + rigour.\n"
        "# `supplement`: HAND-WRITTEN common pairs the derived groups miss; edit by hand.\n"
    )
    OUT.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    print(f"wrote {OUT}: {sum(len(t) for t in data['derived'].values())} derived names")


if __name__ == "__main__":
    main()
