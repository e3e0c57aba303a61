"""Template filters of the console: labels of stored codes, compact ages and times for a dense
queue."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lifeline.cases.models import CallBackOutcome, Priority
from lifeline.cases.workflows import state_label as _state_label
from lifeline.intake.models import Channel

register = template.Library()


@register.filter
def state_label(status: str) -> str:
    return _state_label(status)


@register.filter
def priority_label(name: str) -> str:
    """A priority as the timeline stores it ("urgent"), in the console's language."""
    try:
        return str(Priority[name.upper()].label)
    except KeyError:
        return name


@register.filter
def channel_label(channel: str) -> str:
    """A channel's code ("phone") in the console's language ("телефон")."""
    return str(Channel(channel).label) if channel in Channel.values else channel


@register.filter
def age(since: datetime | None) -> str:
    """How long ago, in at most two units: "just now", "12 min", "3 h 5 min", "2 d 4 h"."""
    if since is None:
        return ""
    minutes = max(0, int((timezone.now() - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min") % {"m": minutes}
    return _("just now")


@register.filter
def call_back_outcome(outcome: str) -> str:
    """A call back's outcome as the console says it; an unknown code as it is."""
    labels = dict(CallBackOutcome.choices)
    return str(labels.get(outcome, outcome))


@register.filter
def clock(moment: datetime | None) -> str:
    """The time in the console's zone: "02:14" today there, "5 Dec 02:14" on another day."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "j M H:i")
