"""Channel adapters, one folder per channel, found through settings.LIFELINE_CHANNELS."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from lifeline.intake.channels.base import ChannelAdapter


@cache
def _adapters(paths: tuple[tuple[str, str], ...]) -> dict[str, ChannelAdapter]:
    return {channel: import_string(path)() for channel, path in paths}


def adapter_for(channel: str) -> ChannelAdapter:
    """The adapter of `channel`; KeyError if no adapter is configured for it."""
    return _adapters(tuple(sorted(settings.LIFELINE_CHANNELS.items())))[channel]
