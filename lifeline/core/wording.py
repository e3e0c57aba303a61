"""Lines the system stores for staff to read, kept in English and worded when they are shown.

The system writes a few lines into records nobody's language applies to (a completed handover's
source, a reopened case's event). They are stored as their English source text, filled in, and
read back here against the patterns they were made from, then worded again through the
translation catalogue in the reader's language, as registry.explain does for match explanations.
A line that matches no pattern (what staff typed, an older wording) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from django.utils.translation import gettext

_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)([sd])")


@cache
def _reader(pattern: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        return f"(?P<{match[1]}>-?\\d+)" if match[2] == "d" else f"(?P<{match[1]}>.+?)"

    return re.compile(_PLACEHOLDER.sub(group, re.escape(pattern)), re.S)


def read_back(text: str, pattern: str) -> dict[str, str | int] | None:
    """The values `pattern` (a msgid) was filled in with to make `text`, or None if it did not."""
    match = _reader(pattern).fullmatch(text)
    if match is None:
        return None
    return {
        name: int(value) if f"%({name})d" in pattern else value
        for name, value in match.groupdict().items()
    }


def worded(text: str, patterns: Iterable[str]) -> str:
    """`text` in the active language if one of `patterns` (msgids) made it, else as it is."""
    for pattern in patterns:
        values = read_back(text, pattern)
        if values is not None:
            return gettext(pattern) % values if values else gettext(pattern)
    return text
