"""Services and commands called directly here run as under a console view: in its language."""

from tests.cases.conftest import _console_language  # noqa: F401 (an autouse fixture)
