"""The time zones a staff user may read the console in, and the one a request uses."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings

# Not offered: "Etc/GMT+3" means UTC-3, and the rest are old aliases or not places at all.
_NOT_PLACES = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def zone_names() -> tuple[str, ...]:
    """IANA names of places ("Europe/Kyiv"), sorted, and "UTC"."""
    places = {
        name for name in available_timezones() if "/" in name and not name.startswith(_NOT_PLACES)
    }
    return ("UTC", *sorted(places))


@cache
def _offered() -> frozenset[str]:
    return frozenset(zone_names())


def zone_for(name: str) -> ZoneInfo:
    """The zone `name`, or settings.TIME_ZONE for an empty name or one no longer offered."""
    if name in _offered():
        return ZoneInfo(name)
    return ZoneInfo(settings.TIME_ZONE)
