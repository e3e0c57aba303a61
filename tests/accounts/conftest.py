"""Services and commands called directly here run as under a console view: in its language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from lifeline.core.access import CONSOLE_LANGUAGE


@pytest.fixture(autouse=True)
def _console_language() -> Iterator[None]:
    # Outside a request the site's default (Russian) is active; the refusals asserted here are
    # the console's English ones.
    with translation.override(CONSOLE_LANGUAGE):
        yield
