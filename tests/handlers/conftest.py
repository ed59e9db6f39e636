"""The `platform` fixture: a scenario written once, run on Slack and on Teams (tests/handlers/platforms.py)."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine

from tests.conftest import Clock
from tests.doubles.bot_connector import FakeConnector
from tests.handlers.platforms import Platform, on_platform


@pytest.fixture(params=["slack", "teams"])
async def platform(
    request: pytest.FixtureRequest, engine: Engine, clock: Clock, connector: FakeConnector
) -> AsyncIterator[Platform]:
    """Each scenario on Slack and on Teams, on SQLite and on PostgreSQL."""
    async with on_platform(request.param, engine, clock, connector) as found:
        yield found
