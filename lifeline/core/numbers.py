"""Phone numbers as the phone channel keeps them: a plus sign and the digits, nothing else."""

from __future__ import annotations

MIN_DIGITS = 3
MAX_DIGITS = 15  # E.164
_TYPED = frozenset("0123456789 +()-./")
# What voice providers put in "From" when the caller withheld his number: the words spelled on
# a keypad (ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE, PRIVATE). Taken for numbers,
# they would put every anonymous caller into one conversation and one case.
WITHHELD = frozenset(
    {"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253", "+7748283"}
)


def number_normalise(text: str) -> str:
    """The number as "+" and its digits ("+7 (912) 345-67-89" gives "+79123456789").

    Returns "" for an empty text (the number was withheld). "00", the international prefix,
    counts as "+". Raises ValueError for anything that is not a number.
    """
    text = text.strip()
    if not text:
        return ""
    if not set(text) <= _TYPED or "+" in text[1:]:
        raise ValueError("not a phone number")
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("00"):
        digits = digits[2:]
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValueError("not a phone number")
    return f"+{digits}"


def caller_number(text: str) -> str:
    """The caller's number from a provider's event, or "" when it is withheld or unreadable."""
    try:
        number = number_normalise(text)
    except ValueError:
        return ""
    return "" if number in WITHHELD else number
