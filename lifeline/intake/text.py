"""Inbound text: what the database can store, and cleaning of text typed by the public."""

from __future__ import annotations

import re
from typing import Any

# What no database column can hold: NUL (PostgreSQL refuses it in text and in JSON) and lone
# surrogates (they have no UTF-8 encoding). SQLite would take a NUL, so check, do not rely on it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(ValueError):
    """Inbound data holds text the database cannot store: answer it as a bad request."""


def require_storable(value: Any) -> None:
    """Raise UnstorableText if `value` (text, or JSON-like lists and dicts of it) holds a NUL
    or a lone surrogate, in a value or a key. Call it on everything a channel receives before
    anything is written: rejected up front, such input gets a 400 instead of a 500, or a 503
    that makes the provider deliver it again for ever.
    """
    pending = [value]
    while pending:  # not recursive: a deeply nested payload must not exhaust the stack
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                raise UnstorableText("a NUL or a lone surrogate")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


# C0 and C1 control characters and lone surrogates. Surrogates cannot be encoded in UTF-8, and
# control characters can hide text from an operator or break a terminal or an export.
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000)]
_MULTILINE: dict[int, str | None] = {
    **dict.fromkeys(_CONTROLS),
    ord("\n"): "\n",
    ord("\t"): "\t",
    0x2028: "\n",  # line separator
    0x2029: "\n",  # paragraph separator
}
# A one-line field turns line breaks and tabs into spaces instead of gluing words together.
_ONE_LINE: dict[int, str | None] = _MULTILINE | dict.fromkeys(map(ord, "\n\t\u2028\u2029"), " ")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Drop control characters (keeping newline and tab in multi-line text) and outer space.

    Windows and old Mac line endings become plain newlines first, so a message keeps its lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_MULTILINE if multiline else _ONE_LINE).strip()
