"""Cleaning of text typed by the public: control characters out, line breaks and tabs kept."""

from __future__ import annotations

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
