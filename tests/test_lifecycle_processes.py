"""The tick with real `python app.py` processes: one killed with kill -9 while it delivers the reminders it wrote,
then started again; two on one PostgreSQL database ticking at once. Every reminder arrives exactly once."""

import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actor import Actor
from bot.outbox.worker import Worker
from bot.service import Passerelle
from storage.db import make_engine, migrate
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR
from tests.doubles.slack_api import FakeSlack, Fault
from tests.processes import free_port, healthy, slack_env, start_app
from tests.test_outbox_processes import LEASE, until

# Three times what a worker keeps in flight, so that the kill falls in the middle: the reminders go in rounds.
PAIRS = 3 * Worker.CONCURRENCY


@asynccontextmanager
async def ticking(database_url: str, fake: FakeSlack, folder: Path) -> AsyncIterator[int]:
    """A real `python app.py` whose tick runs every half second; yields its process id."""
    port = free_port()
    extra = {"PASSERELLE_COORDINATORS": COORDINATOR, "PASSERELLE_OUTBOX_LEASE": str(LEASE)}
    env = slack_env(fake, port, database_url, PASSERELLE_TICK_SECONDS="0.5", **extra)
    process = await start_app(env, folder)
    try:
        assert await healthy(port, process), "the server never answered /healthz"
        yield process.pid
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


def announced_eight_days_ago(database_url: str) -> None:
    """Pairs announced eight days ago, their introductions delivered: five working days have passed, nothing
    booked, so the next tick owes each pair a reminder."""
    engine = make_engine(database_url)
    migrate(engine)
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR}))
    then = datetime.now(UTC) - timedelta(days=8)
    many_volunteers(bot, then, PAIRS, all_hours=True)
    coordinator = Actor("slack", "T0PASSE", COORDINATOR)
    bot.command(coordinator, "match", then)
    bot.command(coordinator, "match confirm", then)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE outbox SET state = 'sent'")  # the introductions went out back then
    engine.dispose()


def reminders(fake: FakeSlack) -> Counter[str]:
    return fake.held("nothing is booked yet")


async def test_a_process_killed_while_it_delivers_the_reminders_leaves_each_sent_exactly_once(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    announced_eight_days_ago(database_url)
    fake.slow["chat.postMessage"] = 1.0  # each post takes a second: the kill comes with many still to go
    async with ticking(database_url, fake, tmp_path) as pid:
        await until(lambda: len(reminders(fake)) >= 4, 60, "four reminders were not posted")
        fake.fail("chat.postMessage", Fault(accepted=True, delay=3))  # taken by Slack; the process dies first
        await until(lambda: not fake.faults["chat.postMessage"], 30, "no reminder was posted after the fault")
        os.kill(pid, signal.SIGKILL)
    before = len(reminders(fake))
    assert 4 <= before < PAIRS
    async with ticking(database_url, fake, tmp_path):
        await until(lambda: len(reminders(fake)) == PAIRS, 120, "not every pair got its reminder")
        await fake.quiet(LEASE / 2)
    assert set(reminders(fake).values()) == {1}


@pytest.mark.postgres
async def test_two_processes_ticking_on_one_database_send_each_reminder_once(
    postgres_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    announced_eight_days_ago(postgres_url)
    fake.slow["chat.postMessage"] = 0.05
    async with ticking(postgres_url, fake, tmp_path), ticking(postgres_url, fake, tmp_path):
        await until(lambda: len(reminders(fake)) == PAIRS, 120, "not every pair got its reminder")
        await fake.quiet(1.5)
    assert set(reminders(fake).values()) == {1}
