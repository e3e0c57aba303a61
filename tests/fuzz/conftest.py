"""The fuzz tests drive the real channels: they need the stand-in Bot API and Graph API."""

from tests.channels.telegram.conftest import bot_api  # noqa: F401 (a fixture)
from tests.channels.whatsapp.conftest import graph_api  # noqa: F401 (a fixture)
