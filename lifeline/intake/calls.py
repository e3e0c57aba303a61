"""The line a phone call's event leaves in a case: its message, and a missed call's summary.

The voice provider's events are filed by the worker, where no reader's language applies, so the
line is stored in English and worded in each reader's language when shown, as the other lines
the system writes are (core.wording). The provider's own status word ("no-answer", "busy")
stays as the provider wrote it.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from lifeline.core.wording import read_back

FROM_PERSON = gettext_noop("Call from the person")
TO_PERSON = gettext_noop("Our call to the person")
MISSED = gettext_noop("missed (%(status)s), call back")
LASTED = gettext_noop("%(how)s, %(minutes)d min %(seconds)s s")
LINE = gettext_noop("%(what)s: %(how)s.")


def call_line(*, outbound: bool, status: str, missed: bool, duration: int | None) -> str:
    """What happened on a call, in a line, in English: "Call from the person: missed
    (no-answer), call back." or "Our call to the person: completed, 3 min 05 s."."""
    how = MISSED % {"status": status} if missed else status
    if duration is not None:
        minutes, seconds = divmod(duration, 60)
        how = LASTED % {"how": how, "minutes": minutes, "seconds": f"{seconds:02d}"}
    return LINE % {"what": TO_PERSON if outbound else FROM_PERSON, "how": how}


def call_line_shown(text: str) -> str:
    """A call's line in the active language; any other text as it is."""
    line = read_back(text, LINE)
    if line is None or line["what"] not in (FROM_PERSON, TO_PERSON):
        return text
    how = str(line["how"])
    lasted = read_back(how, LASTED)
    status = str(lasted["how"]) if lasted is not None else how
    missed = read_back(status, MISSED)
    shown = gettext(MISSED) % missed if missed is not None else status
    if lasted is not None:
        shown = gettext(LASTED) % {**lasted, "how": shown}
    return gettext(LINE) % {"what": gettext(str(line["what"])), "how": shown}
