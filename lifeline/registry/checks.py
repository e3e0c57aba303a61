"""System check: the stored match keys were made under the running code's key rules.

Imported by RegistryConfig.ready(), when the models are loaded.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from lifeline.registry.matchkeys import keys_state


@checks.register(checks.Tags.database, deploy=True)
def check_match_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Keys made under older rules still find candidates, but not all the new rules would."""
    try:
        state = keys_state()
    except DatabaseError:
        return [checks.Info("The match keys were not checked: no database.", id="registry.I201")]
    if state.stale:
        return [
            checks.Warning(
                f"The match keys were made under key rules {state.stored or 'none'}; this "
                f"version uses {state.current}.",
                hint="Run `lifeline match reindex` (the site can stay up meanwhile).",
                id="registry.W201",
            )
        ]
    return []
