"""The fuzz tests drive the real channels: the Telegram ones need the stand-in Bot API."""

from tests.channels.telegram.conftest import bot_api  # noqa: F401 (a fixture)
