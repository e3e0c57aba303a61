"""The fuzz tests drive the real channels: the Telegram ones need the stand-in Bot API."""

from tests.intake.channels.telegram.conftest import bot_api  # noqa: F401 (a fixture)
