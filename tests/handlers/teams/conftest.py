"""The Teams stack over HTTP for each test: the server's `/api/messages`, the Bot Connector double, a coordinator."""

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.service import Passerelle
from tests.conftest import Clock
from tests.doubles.bot_connector import FakeConnector
from tests.handlers.teams.world import TeamsWorld, serve, someone

COORDINATOR = someone("Claire Coordinator")


@pytest.fixture
async def teams(engine: Engine, clock: Clock, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    """Teams without authentication (an empty app id), as the Emulator and TESTING.md have it."""
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR.aad_id}), locale="en", public_url="http://127.0.0.1")
    runner, channel, url = await serve(bot, connector, clock)
    async with aiohttp.ClientSession() as session:
        world = TeamsWorld(bot, connector, channel, url, clock, session)
        world.join(COORDINATOR)
        yield world
    await runner.cleanup()
