"""Who does something: a staff user, the system itself, or an anonymous member of the public.

Every service takes `actor: Actor`, keyword-only. The audit log records which of the three it
was (and, for staff, who); the access layer gives the system and the public no permission.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, TypeAlias, Union

if TYPE_CHECKING:
    from lifeline.accounts.models import User


class Nobody(enum.Enum):
    """An actor that is no staff user."""

    SYSTEM = "system"  # work the system does itself: a task, a channel, a command, the demo
    PUBLIC = "public"  # an anonymous visitor of the public site

    def __repr__(self) -> str:
        return self.name


SYSTEM = Nobody.SYSTEM
PUBLIC = Nobody.PUBLIC

Actor: TypeAlias = Union["User", Nobody]


def staff_of(actor: Actor) -> User | None:
    """The staff user behind `actor`, or None when the system or the public acted."""
    return None if isinstance(actor, Nobody) else actor
