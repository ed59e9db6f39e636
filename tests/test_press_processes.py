"""A press or a command with a real `python app.py` process killed with kill -9 as soon as Slack has its
acknowledgement: what it changed is stored by then, never lost with the process."""

import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.actor import Actor
from bot.service import Passerelle
from storage.db import make_engine, migrate
from storage.models import Enrollment, EnrollmentStatus, Meeting, MeetingStatus, Pair, Person
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, SIGNING_SECRET
from tests.doubles.slack_api import FakeSlack
from tests.doubles.slack_sender import SlackSender
from tests.processes import free_port, healthy, slack_env, start_app

MENTEE = "UE000000"  # the mentee many_volunteers makes first


@asynccontextmanager
async def serving(database_url: str, fake: FakeSlack, folder: Path) -> AsyncIterator[tuple[int, str]]:
    """A real `python app.py` on Slack over HTTP; yields its process id and its address."""
    port = free_port()
    env = slack_env(fake, port, database_url, PASSERELLE_COORDINATORS=COORDINATOR)
    process = await start_app(env, folder)
    try:
        assert await healthy(port, process), "the server never answered /healthz"
        yield process.pid, f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


def booked_the_day_after_tomorrow(database_url: str) -> None:
    """A pair announced, its introduction gone out, and a session booked by the mentee, its confirmation to send.
    A real process reads the wall clock: everything is dated from now."""
    engine = make_engine(database_url)
    migrate(engine)
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR}))
    now = datetime.now(UTC)
    many_volunteers(bot, now, 1, all_hours=True)
    coordinator = Actor("slack", "T0PASSE", COORDINATOR)
    bot.command(coordinator, "match", now)
    bot.command(coordinator, "match confirm", now)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE outbox SET state = 'sent'")
    with Session(engine) as session:
        pair = session.exec(select(Pair)).one()
    day = (now + timedelta(days=2)).astimezone(ZoneInfo("Europe/Paris")).date()
    values = {"day": day.isoformat(), "time": "14:30", "format": "video", "place": "", "odd_hour": "yes"}
    answered = bot.submitted(Actor("slack", "T0PASSE", MENTEE), f"pair.book:{pair.id}", values, now)
    assert not answered.form_errors
    engine.dispose()


def statuses(database_url: str) -> list[MeetingStatus]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        found = [m.status for m in session.exec(select(Meeting)).all()]
    engine.dispose()
    return found


async def test_a_cancellation_acknowledged_survives_a_kill_right_after_the_acknowledgement(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    booked_the_day_after_tomorrow(database_url)
    async with serving(database_url, fake, tmp_path) as (pid, url):
        confirmation = await fake.posted("booked your session", timeout=60)
        fake.slow["users.info"] = 5.0  # the person's profile is slow to come: the worst moment for a kill
        answered = await SlackSender(url, SIGNING_SECRET, fake).press(MENTEE, confirmation, "Cancel it")
        os.kill(pid, signal.SIGKILL)
    assert answered.status == 200
    assert statuses(database_url) == [MeetingStatus.CANCELLED]


def enrollment_statuses(database_url: str) -> dict[str, EnrollmentStatus]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        people = {p.id: p.user_id for p in session.exec(select(Person)).all()}
        found = {people[e.person_id]: e.status for e in session.exec(select(Enrollment)).all()}
    engine.dispose()
    return found


async def test_a_command_acknowledged_survives_a_kill_right_after_the_acknowledgement(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    booked_the_day_after_tomorrow(database_url)
    async with serving(database_url, fake, tmp_path) as (pid, url):
        await fake.posted("booked your session", timeout=60)
        fake.slow["users.info"] = 5.0  # the person's profile is slow to come: the worst moment for a kill
        answered = await SlackSender(url, SIGNING_SECRET, fake).command(MENTEE, "pause")
        os.kill(pid, signal.SIGKILL)
    assert answered.status == 200
    assert enrollment_statuses(database_url)[MENTEE] == EnrollmentStatus.PAUSED
