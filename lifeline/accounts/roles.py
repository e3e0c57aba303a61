"""The roles' names as the console shows them, translated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from lifeline.core.access import Role

# Role.LABELS stay plain English (the demo writes them into names); shown here translated.
ROLE_NAMES = {
    Role.OPERATOR: gettext_lazy("Operator"),
    Role.CASEWORKER: gettext_lazy("Caseworker"),
    Role.TRACING_OFFICER: gettext_lazy("Tracing officer"),
    Role.REGISTRAR: gettext_lazy("Registrar"),
    Role.SUPERVISOR: gettext_lazy("Supervisor"),
    Role.ADMIN: gettext_lazy("Admin / data-protection officer"),
}
