"""Shared fixtures: databases (SQLite, and PostgreSQL when reachable), a travelling clock, the Slack stack."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from aiohttp import web
from hypothesis import settings
from sqlalchemy import Engine

from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.service import Passerelle
from handlers.slack.outbox import SlackOutbox, installed_clients, one_client, worker_client
from server import build_installations, build_slack, build_web
from settings import Settings
from storage.db import make_engine, migrate
from tests.doubles.bot_connector import FakeConnector
from tests.doubles.slack_api import FakeSlack
from tests.doubles.slack_sender import SlackSender
from tests.doubles.teams_identity import TeamsIdentity

# No per-example deadline: the machine is shared and noisy, and tests carry no timing assertions.
settings.register_profile("passerelle", deadline=None, max_examples=150)
settings.load_profile("passerelle")

POSTGRES_URL = os.environ.get("PASSERELLE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# .ci/run sets it: there a missing PostgreSQL is a failure, not a skip.
POSTGRES_REQUIRED = os.environ.get("PASSERELLE_REQUIRE_POSTGRES") == "1"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
COORDINATOR = "UCOORD01"
PEOPLE = {
    "UANA0001": {"name": "Ana", "locale": "en-GB", "tz": "Europe/London"},
    "UJEAN001": {"name": "Jean", "locale": "fr-FR", "tz": "Europe/Paris"},
    "UMARC001": {"name": "Marc", "locale": "en-US", "tz": "America/New_York"},
    COORDINATOR: {"name": "Claire", "locale": "en-US", "tz": "Europe/Paris"},
}


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_reachable() -> bool:
    return _postgres_reachable()


def _postgres_or_skip(reachable: bool) -> None:
    if reachable:
        return
    why = f"PostgreSQL is not reachable at {POSTGRES_URL}"
    if POSTGRES_REQUIRED:
        pytest.fail(f"{why}, and PASSERELLE_REQUIRE_POSTGRES=1 makes it mandatory")
    pytest.skip(f"{why}; set PASSERELLE_REQUIRE_POSTGRES=1 to make this a failure")


@pytest.fixture
def postgres_url(postgres_reachable: bool) -> Iterator[str]:
    """A URL on a schema of its own, dropped afterwards, so tests never see each other's rows."""
    _postgres_or_skip(postgres_reachable)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The local Slack, for tests that start real processes against it; every call checked against Slack's spec."""
    double = FakeSlack(users=dict(PEOPLE))
    await double.start()
    yield double
    await double.stop()
    assert double.problems == []


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The local Bot Connector at `connector.url` (the serviceUrl); every activity checked against the connector's
    swagger and every card against Adaptive Cards 1.5."""
    double = FakeConnector()
    await double.start()
    yield double
    await double.stop()
    assert double.problems == [], "calls that break the Bot Connector's spec or Teams' cards"


@pytest.fixture
def teams_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamsIdentity]:
    """Microsoft's token services on 127.0.0.1; `requests` (MSAL's and botbuilder's) trusts its certificate only."""
    identity = TeamsIdentity()
    identity.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_bundle))
    yield identity
    identity.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/passerelle.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database, on SQLite and on PostgreSQL."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: object) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/passerelle.db")
    migrate(engine)
    yield engine
    engine.dispose()


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def travel(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    # A Thursday within everyone's working hours: 09:30 in New York, 14:30 in London, 15:30 in Paris. Tests of
    # working hours travel from here.
    return Clock(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))


@dataclass
class SlackWorld:
    """The real Bolt app served on 127.0.0.1, the Slack double it talks to, and Slack's side of the wire."""

    fake: FakeSlack
    send: SlackSender
    bot: Passerelle
    clock: Clock
    runner: web.AppRunner
    worker: Worker


async def serve_slack(bot: Passerelle, clock: Clock, fake: FakeSlack) -> tuple[web.AppRunner, str]:
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    return await _served(build_web(build_slack(settings, bot, clock), SIGNING_SECRET, bot=bot))


async def _served(web_app: web.Application) -> tuple[web.AppRunner, str]:
    """The app listening on a free port of 127.0.0.1, and its URL."""
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def slack_worker(
    bot: Passerelle, clock: Clock, fake: FakeSlack, policy: Policy | None = None, timeout: float = 10
) -> Worker:
    """The outbox worker as app.py builds it, talking to the Slack double, on the test's clock."""
    client = worker_client("xoxb-test-token", fake.api_url, timeout)
    worker = Worker(bot.engine, {"slack": SlackOutbox(one_client(client), clock)}, clock, policy, idle=0.05)
    bot.queued = worker.wake
    return worker


@asynccontextmanager
async def slack_world(engine: Engine, clock: Clock, timeout: float = 10) -> AsyncIterator[SlackWorld]:
    """The whole Slack stack on `engine`; on leaving, every call Slack received must have kept its spec."""
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR}), locale="en")
    runner, url = await serve_slack(bot, clock, fake)
    # The test's clock stands still unless a test moves it: messages to one conversation are not spaced out here
    # (tests/bot/test_outbox.py shows the spacing with a clock that moves).
    worker = slack_worker(bot, clock, fake, Policy(spacing=timedelta(0)), timeout)
    async with _running(SlackWorld(fake, SlackSender(url, SIGNING_SECRET, fake), bot, clock, runner, worker)) as world:
        yield world
    assert fake.problems == [], "calls that break Slack's spec or Block Kit"


@asynccontextmanager
async def _running(world: SlackWorld) -> AsyncIterator[SlackWorld]:
    """The world's worker delivering while the test runs; then everything stopped, the double last."""
    stop = asyncio.Event()
    delivering = asyncio.create_task(world.worker.run(stop))
    try:
        yield world
        await world.fake.quiet(0.2)
    finally:
        stop.set()
        await delivering
        await world.runner.cleanup()
        await world.fake.stop()


CLIENT_ID, CLIENT_SECRET = "1234.5678", "oauth-client-secret"


@asynccontextmanager
async def oauth_world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    """The whole Slack stack in OAuth mode: no bot token; each workspace is installed through the redirect."""
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    bot = Passerelle(engine, locale="en")
    settings = Settings(
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    installations = build_installations(settings, bot, clock)
    assert installations is not None
    runner, url = await _served(build_web(build_slack(settings, bot, clock, installations), SIGNING_SECRET, bot=bot))
    sender = SlackOutbox(installed_clients(installations, fake.api_url), clock)
    worker = Worker(bot.engine, {"slack": sender}, clock, Policy(spacing=timedelta(0)), idle=0.05)
    bot.queued = worker.wake
    async with _running(SlackWorld(fake, SlackSender(url, SIGNING_SECRET, fake), bot, clock, runner, worker)) as world:
        yield world
    assert fake.problems == [], "calls that break Slack's spec or Block Kit"


@pytest.fixture
async def slack(sqlite_engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    async with slack_world(sqlite_engine, clock) as world:
        yield world
