"""Regenerate the matching engine's name tables (lifeline/matching/data/) from installed packages.

Run: `.venv/bin/pip install -e '.[tables]'` once (rigour's PyICU compiles from source: it needs
g++ and libicu-dev, and takes minutes), then `.venv/bin/python scripts/build_name_tables.py`
(about three minutes; pymorphy3's dictionaries are walked once to collect the name lemmas,
diminutives included). Lifeline itself reads only the generated files: a production install
has none of these packages but pymorphy3.

Sources, all shipped in packages (the `tables` extra, pyproject.toml):
- russiannames `names`, `midnames`, `surnames` Parquet tables: given names, patronymics (with
  the father's name) and surnames (with the female form), each with a count of bearers.
- names_translator's `first`, `patronymic` and `last` dictionaries: Ukrainian spellings mapped
  to ranked Russian ones (Олександр -> Александр, Сергійович -> Сергеевич).
- rigour's person-name symbols (Wikidata given-name items): a rare form that shares an item
  with a common full name is folded to it (Саша -> Александр, Дима -> Дмитрий).
- pymorphy3's Russian and Ukrainian dictionaries: the name lemmas (tag `Name`), which give the
  vocabulary of short forms (Вова, Лёша, Толя) that rigour is asked about.

The engine also reads data/diminutives_supplement.tsv, written by hand; it is not generated.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

import duckdb
from names_translator.dicts import default_dicts  # type: ignore[import-untyped, unused-ignore]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifeline.demo.names import _source  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "lifeline" / "matching" / "data"
CYRILLIC_WORD = "[А-ЯЁ][а-яё]+"
MIN_GIVEN_COUNT = 5
MIN_PATRONYMIC_COUNT = 5
MIN_SURNAME_COUNT = 2
# A full name is one this many people bear; a rarer form may be a short form of one.
FULL_NAME_COUNT = 1000
# Of the full names a short form shares a rigour item with, keep those this close to the best.
SHARE_OF_BEST = 0.05


# Patronymics that the given-name table holds by mistake ("Александрович", 69 bearers).
PATRONYMIC_LIKE = re.compile("(ович|евич|овна|евна|ична|ьич|івна|ївна)$")


def fold(text: str) -> str:
    return text.strip().lower().replace("ё", "е")


def query(sql: str, *parameters: object) -> list[tuple[object, ...]]:
    with duckdb.connect() as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def write_tsv(name: str, header: list[str], rows: Iterable[list[str]]) -> int:
    lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
    with gzip.GzipFile(OUT / name, "wb", mtime=0) as file:
        file.write(("\n".join(lines) + "\n").encode("utf-8"))
    return len(lines) - 1


def given_name_counts() -> dict[str, tuple[int, str]]:
    """Folded given name -> (bearers, most common sex)."""
    rows = query(
        f"""SELECT text, gender, sum(count) FROM read_parquet(?)
        WHERE regexp_full_match(text, '{CYRILLIC_WORD}') GROUP BY text, gender""",  # noqa: S608
        _source("names"),
    )
    by_sex: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for text, gender, count in rows:
        by_sex[fold(str(text))][str(gender)] += int(str(count))
    return {
        name: (sum(sexes.values()), max(sexes, key=lambda s: sexes[s]))
        for name, sexes in by_sex.items()
    }


def pymorphy_name_lemmas() -> set[str]:
    import pymorphy3

    lemmas: set[str] = set()
    for lang in ("ru", "uk"):
        dictionary = pymorphy3.MorphAnalyzer(lang=lang).dictionary
        for word, tag, _normal, _para, index in dictionary.iter_known_words(""):
            if index == 0 and "Name" in tag:
                lemmas.add(fold(word))
    return lemmas


def rigour_items(name: str) -> set[str]:
    from rigour.names import NameTypeTag, Symbol, analyze_names

    items: set[str] = set()
    for analysed in analyze_names(NameTypeTag.PER, [name], phonetics=False, numerics=False):
        items |= {s.id for s in analysed.symbols if s.category == Symbol.Category.NAME}
    return items


def build_given_names() -> tuple[list[list[str]], dict[str, str]]:
    counts = given_name_counts()
    full = {name for name, (count, _sex) in counts.items() if count >= FULL_NAME_COUNT}
    canon: dict[str, tuple[list[str], str]] = {}
    for name, (count, _sex) in counts.items():
        if count >= MIN_GIVEN_COUNT and not PATRONYMIC_LIKE.search(name):
            canon[name] = ([name], "russiannames")
    # Ukrainian spellings: the best-ranked Russian rendering that is a common name.
    for key, translations in default_dicts().as_dict("first").items():
        key = fold(key)
        russian = [fold(t) for t in translations if fold(t) in counts]
        russian = [t for t in russian if counts[t][0] >= 50]
        if not russian or (key in full and key in russian):
            continue
        if russian[0] != key:
            canon[key] = ([russian[0]], "names_translator")
    # Short forms: rare names that rigour's Wikidata items tie to common full names.
    item_names: dict[str, set[str]] = defaultdict(set)
    for name in full:
        for item in rigour_items(name):
            item_names[item].add(name)
    vocabulary = {n for n, (c, _s) in counts.items() if c < FULL_NAME_COUNT}
    vocabulary |= pymorphy_name_lemmas() - full
    for form in sorted(vocabulary):
        if PATRONYMIC_LIKE.search(form):
            continue
        if form in canon and canon[form][1] == "names_translator":
            continue
        related = {n for item in rigour_items(form) for n in item_names.get(item, ())}
        related.discard(form)
        if not related:
            continue
        best = max(counts[n][0] for n in related)
        chosen = sorted(
            (n for n in related if counts[n][0] >= SHARE_OF_BEST * best),
            key=lambda n: -counts[n][0],
        )[:3]
        canon[form] = (chosen, "rigour")
    rows = [
        [
            form,
            "|".join(targets),
            counts.get(targets[0], (0, ""))[1],
            str(counts.get(form, (0,))[0]),
            source,
        ]
        for form, (targets, source) in sorted(canon.items())
    ]
    sexes = {name: sex for name, (_c, sex) in counts.items()}
    return rows, sexes


def build_patronymics(given: dict[str, list[str]]) -> list[list[str]]:
    rows = query(
        f"""SELECT text, gender, coalesce(fname, ''), sum(count) FROM read_parquet(?)
        WHERE regexp_full_match(text, '{CYRILLIC_WORD}') AND count >= ?
        GROUP BY text, gender, fname""",  # noqa: S608
        _source("midnames"),
        MIN_PATRONYMIC_COUNT,
    )
    table: dict[str, list[str]] = {}
    for text, gender, father, count in rows:
        form = fold(str(text))
        father_name = fold(str(father))
        father_key = given.get(father_name, [father_name])[0] if father_name else ""
        previous = table.get(form)
        if previous is None or int(previous[4]) < int(str(count)):
            table[form] = [form, form, father_key, str(gender), str(count), "russiannames"]
    for key, translations in default_dicts().as_dict("patronymic").items():
        key = fold(key)
        russian = [fold(t) for t in translations if fold(t) in table]
        if russian and key not in table:
            target = table[russian[0]]
            table[key] = [key, target[1], target[2], target[3], "0", "names_translator"]
    return [table[k] for k in sorted(table)]


def build_surnames() -> list[list[str]]:
    rows = query(
        f"""SELECT text, gender, coalesce(f_form, ''), sum(count) FROM read_parquet(?)
        WHERE regexp_full_match(text, '{CYRILLIC_WORD}') AND count >= ?
        GROUP BY text, gender, f_form ORDER BY text""",  # noqa: S608
        _source("surnames"),
        MIN_SURNAME_COUNT,
    )
    out: dict[str, list[str]] = {}
    for text, gender, female, count in rows:
        form = fold(str(text))
        previous = out.get(form)
        if previous is None or int(previous[3]) < int(str(count)):
            out[form] = [form, str(gender), fold(str(female)), str(count)]
    return [out[k] for k in sorted(out)]


def build_ukrainian_surnames(known: set[str]) -> list[list[str]]:
    """Ukrainian surname spelling -> Russian one, where they differ and the Russian is known."""
    rows = []
    for key, translations in default_dicts().as_dict("last").items():
        key = fold(key)
        russian = [fold(t) for t in translations if fold(t) in known]
        if russian and russian[0] != key and not re.search(r"[^а-яєіїґ'-]", key):
            rows.append([key, russian[0]])
    return sorted(rows)


def main() -> None:
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    given_rows, _sexes = build_given_names()
    given = {row[0]: row[1].split("|") for row in given_rows}
    surnames = build_surnames()
    manifest = {
        "packages": {
            p: version(p) for p in ("russiannames", "names-translator", "rigour", "pymorphy3")
        },
        "files": {
            "given_names.tsv.gz": write_tsv(
                "given_names.tsv.gz", ["form", "canonical", "sex", "count", "source"], given_rows
            ),
            "patronymics.tsv.gz": write_tsv(
                "patronymics.tsv.gz",
                ["form", "canonical", "father", "sex", "count", "source"],
                build_patronymics(given),
            ),
            "surnames.tsv.gz": write_tsv(
                "surnames.tsv.gz", ["form", "sex", "female_form", "count"], surnames
            ),
            "surnames_uk.tsv.gz": write_tsv(
                "surnames_uk.tsv.gz",
                ["ukrainian", "russian"],
                build_ukrainian_surnames({row[0] for row in surnames}),
            ),
        },
    }
    (OUT / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(manifest, ensure_ascii=False, indent=2))
    print(f"built in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
