"""The outbox with real `python app.py` processes: one killed with kill -9 mid-way, two sharing one database."""

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outbox.worker import Worker
from bot.service import Passerelle
from storage.db import make_engine, migrate
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, SIGNING_SECRET
from tests.doubles.slack_api import FakeSlack, Fault
from tests.doubles.slack_sender import SlackSender
from tests.processes import free_port, healthy, outbox_settled, slack_env, start_app, until

LEASE = 20  # seconds, the shortest allowed: a killed worker's messages are taken again this soon


@asynccontextmanager
async def app_process(database_url: str, fake: FakeSlack, folder: Path) -> AsyncIterator[tuple[str, int]]:
    """A real `python app.py` serving Slack over HTTP against the double; yields its URL and process id."""
    port = free_port()
    env = slack_env(fake, port, database_url, PASSERELLE_COORDINATORS=COORDINATOR, PASSERELLE_OUTBOX_LEASE=str(LEASE))
    process = await start_app(env, folder)
    try:
        assert await healthy(port, process), "the server never answered /healthz"
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


def seeded(database_url: str, pairs: int) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    many_volunteers(Passerelle(engine), datetime.now(UTC), pairs, all_hours=True)
    engine.dispose()


def introductions(fake: FakeSlack) -> Counter[str]:
    return fake.held("Your reverse-mentoring pair")


def guides(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["channel"] for c in fake.of("chat.postMessage") if "A few words for mentors" in c.text)


async def confirmed(url: str, fake: FakeSlack, *more: str) -> None:
    """`match` then `match confirm` (sent to every URL given at the same moment)."""
    await SlackSender(url, SIGNING_SECRET, fake).command(COORDINATOR, "match")
    await fake.next("response_url", timeout=60)
    await fake.posted("Matching preview", channel=COORDINATOR, timeout=60)  # the matching runs apart, then this
    await asyncio.gather(
        *(SlackSender(u, SIGNING_SECRET, fake).command(COORDINATOR, "match confirm") for u in (url, *more))
    )


async def test_a_process_killed_mid_way_leaves_every_introduction_sent_exactly_once(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    pairs = 4 * Worker.CONCURRENCY  # several times what a worker keeps in flight, so that the kill falls mid-way
    seeded(database_url, pairs)
    fake.slow["conversations.open"] = 0.15  # so that the kill falls in the middle of the introductions
    fake.slow["chat.postMessage"] = 0.05
    async with app_process(database_url, fake, tmp_path) as (url, pid):
        await confirmed(url, fake)
        await until(lambda: len(introductions(fake)) >= 5, 60, "five introductions were not posted")
        # Slack takes the next message, and the process dies before it hears back.
        fake.fail("chat.postMessage", Fault(accepted=True, delay=10))  # its answer never comes before the kill
        await until(lambda: not fake.faults["chat.postMessage"], 30, "no message was posted after the fault")
        os.kill(pid, signal.SIGKILL)
    before = len(introductions(fake))
    assert 5 <= before < pairs
    async with app_process(database_url, fake, tmp_path):
        # What the killed process had in flight waits for its lease to run out, then is looked for on Slack.
        await until(lambda: outbox_settled(database_url), 120, "the outbox was not settled")
        await fake.quiet(1)
    assert set(introductions(fake).values()) == {1}
    assert fake.of("conversations.history"), "the message Slack had taken was looked for, not sent again"
    assert set(guides(fake).values()) == {1}


@pytest.mark.postgres
async def test_two_processes_on_one_database_deliver_one_outbox_without_duplicates_or_gaps(
    postgres_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    pairs = 30
    seeded(postgres_url, pairs)
    fake.slow["conversations.open"] = 0.2
    fake.slow["chat.postMessage"] = 0.05
    async with app_process(postgres_url, fake, tmp_path) as (a, _), app_process(postgres_url, fake, tmp_path) as (b, _):
        await confirmed(a, fake, b)  # both instances are asked to confirm at the same moment
        await until(lambda: len(introductions(fake)) == pairs, 120, "not every pair was introduced")
        await fake.quiet(1.5)
    assert set(introductions(fake).values()) == {1}
    guides = Counter(c.args["channel"] for c in fake.of("chat.postMessage") if "A few words for mentors" in c.text)
    assert len(guides) == pairs and set(guides.values()) == {1}
