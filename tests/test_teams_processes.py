"""The Teams outbox with real `python app.py` processes against the local Bot Connector: one killed with kill -9
while it delivers a matching's announcements, two sharing one database.

Teams keeps no history a bot can read (handlers/teams/outbox.py): unlike Slack's, a send cut short cannot be looked
for, so it is sent again, a rare duplicate rather than a lost message. The kill test therefore names the posts that
may come twice: those the connector held when the process died and that the database did not record as sent. Every
other announcement comes exactly once, and none is missing; the last test shows why those are few."""

import asyncio
import contextlib
import os
import signal
import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.outbox import queue
from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.service import Passerelle
from bot.working_hours import ALL_WEEK
from storage.db import make_engine, migrate
from storage.models import Outbox, OutboxState, Person, Programme
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock
from tests.doubles.bot_connector import FakeConnector, Fault, text_of
from tests.handlers.teams.world import TENANT, Someone, TeamsWorld, serve, someone
from tests.processes import (
    free_port,
    healthy,
    local_ports,
    outbox_settled,
    say_on_teams,
    start_app,
    teams_env,
    teams_message,
    until,
)

LEASE = 20  # seconds, the shortest allowed: a killed worker's messages are taken again this soon
INTRO, GUIDE = "Your reverse-mentoring pair", "A few words for mentors"
Announcement = tuple[str, str]  # (the chat it is in, INTRO or GUIDE)


@dataclass(frozen=True)
class Cast:
    coordinator: Someone
    mentors: tuple[Someone, ...]
    mentees: tuple[Someone, ...]

    @property
    def everyone(self) -> list[Someone]:
        return [self.coordinator, *self.mentors, *self.mentees]

    def expected(self) -> Counter[Announcement]:
        """Each volunteer's chat gets their pair's introduction; each mentor's, the mentors' guide too."""
        intros = [(FakeConnector.personal(p.teams_id), INTRO) for p in (*self.mentors, *self.mentees)]
        return Counter(intros + [(FakeConnector.personal(p.teams_id), GUIDE) for p in self.mentors])


def seeded(database_url: str, pairs: int) -> Cast:
    """`pairs` mentors and as many mentees in a Teams tenant's programme, whose messages go out at any hour of any
    day (a real process runs on the wall clock, whatever the time the tests run at)."""
    cast = Cast(
        someone("Claire Coordinator"),
        tuple(someone(f"Mentor {n}") for n in range(pairs)),
        tuple(someone(f"Mentee {n}") for n in range(pairs)),
    )
    engine = make_engine(database_url)
    migrate(engine)
    bot, now = Passerelle(engine), datetime.now(UTC)
    for people, answers in ((cast.mentors, MENTOR), (cast.mentees, MENTEE)):
        for person in people:
            a_volunteer(bot, person.aad_id, now, answers, workspace=("teams", TENANT))
    with Session(engine) as session:
        for programme in session.exec(select(Programme)).all():
            programme.quiet_start = programme.quiet_end = "00:00"
            programme.working_days = list(ALL_WEEK)
            session.add(programme)
        session.commit()
    engine.dispose()
    return cast


@asynccontextmanager
async def app_process(
    database_url: str, cast: Cast, folder: Path, name: str
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """A real `python app.py` serving Teams; yields its URL and process. Its log is `name`.log in `folder`."""
    port = free_port()
    env = teams_env(
        port, database_url, PASSERELLE_COORDINATORS=cast.coordinator.aad_id, PASSERELLE_OUTBOX_LEASE=str(LEASE)
    )
    with open(folder / f"{name}.log", "wb") as log:
        process = await start_app(env, folder, log)
        try:
            assert await healthy(port, process), f"the server never answered /healthz (see {log.name})"
            yield f"http://127.0.0.1:{port}", process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def joined(url: str, connector: FakeConnector, cast: Cast) -> None:
    """Everyone has the app and opens it once: the process keeps where to write to them, a conversation reference
    whose serviceUrl is the connector."""
    for person in cast.everyone:
        connector.add_member(person.teams_id, person.name, person.upn, person.aad_id, TENANT)
    gate = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as session:

        async def opens(person: Someone) -> None:
            async with gate:
                await say_on_teams(session, url, teams_message(connector.url, TENANT, person, "status"))

        await asyncio.gather(*(opens(person) for person in cast.everyone))


async def confirmed(connector: FakeConnector, cast: Cast, url: str, *more: str) -> list[str]:
    """`match`, then `match confirm` typed to every process given at the same moment; what the coordinator read."""
    coordinator = cast.coordinator
    async with aiohttp.ClientSession() as session:
        await say_on_teams(session, url, teams_message(connector.url, TENANT, coordinator, "match"))
        # The matching runs apart; its preview comes to the coordinator's chat through the outbox.
        await until(
            lambda: any("Matching preview" in text_of(a) for a in connector.activities(coordinator.teams_id)),
            60,
            "the preview did not come",
        )
        before = len(connector.activities(coordinator.teams_id))
        # Typed twice, not one activity delivered twice: Teams' retry of an activity (its id again) is done once.
        confirms = [(u, teams_message(connector.url, TENANT, coordinator, "match confirm")) for u in (url, *more)]
        await asyncio.gather(*(say_on_teams(session, u, activity) for u, activity in confirms))
    return [text_of(activity) for activity in connector.activities(coordinator.teams_id)[before:]]


def announcements(connector: FakeConnector) -> Counter[Announcement]:
    """Every announcement the connector holds, by chat and kind, counted."""
    return Counter(
        (chat, kind)
        for chat, shown in connector.held.items()
        for activity in shown
        for kind in (INTRO, GUIDE)
        if kind in text_of(activity)
    )


def unsent(database_url: str, cast: Cast) -> set[Announcement]:
    """The announcements the database does not record as sent (`intro:pair:P:to:PERSON`, `guide:person:PERSON:…`)."""
    by_aad = {person.aad_id: person for person in cast.everyone}
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            chats = {
                person.id: FakeConnector.personal(by_aad[person.user_id].teams_id)
                for person in session.exec(select(Person)).all()
                if person.user_id in by_aad
            }
            rows = session.exec(select(Outbox).where(Outbox.state != OutboxState.SENT)).all()
    finally:
        engine.dispose()
    found: set[Announcement] = set()
    for row in rows:
        if row.key.startswith("intro:pair:"):
            found.add((chats[int(row.key.rsplit(":to:", 1)[1])], INTRO))
        elif row.key.startswith("guide:person:"):
            found.add((chats[int(row.key.split(":")[2])], GUIDE))
    return found


def recorded(database_url: str) -> int:
    """How many outbox rows are recorded as sent."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(Outbox.id).where(Outbox.state == OutboxState.SENT)).all())
    finally:
        engine.dispose()


def delivered(database_url: str, connector: FakeConnector, expected: Counter[Announcement]) -> bool:
    """Every announcement expected is in its chat, and the outbox is settled: nothing waits, none is leased."""
    return set(announcements(connector)) >= set(expected) and outbox_settled(database_url)


@asynccontextmanager
async def ports_of(processes: dict[str, int]) -> AsyncIterator[dict[int, str]]:
    """Which process (by name) had each local TCP port open, looked at every 20 ms meanwhile: a post the
    connector holds for its pace (0.1 s) is seen open on its caller's side, so the connector's record of the
    caller's port (`Call.peer`) names the process that posted it."""
    owners: dict[int, str] = {}

    async def look() -> None:
        while True:
            for name, pid in processes.items():
                owners.update(dict.fromkeys(local_ports(pid), name))
            await asyncio.sleep(0.02)

    looking = asyncio.create_task(look())
    try:
        yield owners
    finally:
        looking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await looking


async def test_a_process_killed_mid_way_leaves_every_announcement_sent_and_repeats_only_what_teams_took_unrecorded(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    pairs = 32  # 96 announcements, three times what a worker keeps in flight, so that the kill falls mid-way
    cast = seeded(database_url, pairs)
    expected = cast.expected()
    async with app_process(database_url, cast, tmp_path, "killed") as (url, process):
        await joined(url, connector, cast)
        connector.pace = 0.1  # a slow Teams: the kill falls in the middle of the announcements
        assert any(f"{pairs} pairs confirmed" in answer for answer in await confirmed(connector, cast, url))
        # Some rows recorded as sent, so that the second process is seen not to send them again.
        await until(lambda: recorded(database_url) >= 10, 60, "ten announcements were not recorded as sent")
        # Teams takes the next post, and the process dies before it hears back.
        connector.fail(Fault(accepted=True, delay=2 * LEASE), method="POST")
        await until(lambda: not connector.faults_left, 30, "nothing was posted after the fault")
        os.kill(process.pid, signal.SIGKILL)
        await process.wait()
    await connector.quiet(0.3)  # a post the process had sent in full before it died is held by now
    held = announcements(connector)
    assert held.total() < expected.total() and set(held.values()) == {1}
    # What Teams holds and the database does not record as sent: the only posts a second process may repeat.
    # The post taken as the process died is one of them; so is any other then in flight, or answered while its
    # transaction was recording it (each Teams send is recorded at once: see the last test).
    repeatable = set(held) & unsent(database_url, cast)
    assert repeatable, "the post Teams took as the process died is recorded as sent"
    connector.pace = 0
    async with app_process(database_url, cast, tmp_path, "second"):
        # What the killed process had in flight waits for its lease to run out, then is sent again.
        await until(lambda: delivered(database_url, connector, expected), 120, "not every announcement came")
        await connector.quiet(1)
    assert announcements(connector) == expected + Counter(repeatable)


async def test_two_processes_on_one_database_deliver_one_teams_outbox_without_duplicates_or_gaps(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    pairs = 30
    cast = seeded(database_url, pairs)
    expected = cast.expected()
    async with (
        app_process(database_url, cast, tmp_path, "a") as (a, first),
        app_process(database_url, cast, tmp_path, "b") as (b, second),
    ):
        await joined(a, connector, cast)
        connector.pace = 0.1  # the announcements take long enough for both workers to take their share
        async with ports_of({"a": first.pid, "b": second.pid}) as owners:
            answers = await confirmed(connector, cast, a, b)  # both processes are asked to confirm at once
            await until(lambda: delivered(database_url, connector, expected), 120, "not every announcement came")
            await connector.quiet(1)
    assert announcements(connector) == expected
    posters = {owners.get(call.peer or 0) for call in connector.calls if INTRO in text_of(call.activity or {})}
    assert posters >= {"a", "b"}, "one process delivered alone: the test shows nothing of two sharing the outbox"
    assert len(answers) == 2
    assert sum(f"{pairs} pairs confirmed" in answer for answer in answers) == 1
    assert sum("There is no proposal to confirm" in answer for answer in answers) == 1


async def test_what_teams_took_is_recorded_at_once_not_left_for_the_next_round(
    sqlite_engine: Engine, connector: FakeConnector, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the kill test's window is what was in flight and little more: the worker records what Slack took with
    its next round (a crash in between leaves it to be looked for on Slack), but Teams cannot be looked in, so
    each post Teams answered is recorded at once. Here the rounds that would record are stuck (a busy database),
    and every introduction is recorded all the same. In-process: only the worker's timing is at stake."""
    stuck = threading.Event()
    settle_and_claim = queue.settle_and_claim

    def busy(engine: Engine, settled: Any, *rest: Any) -> Any:
        if settled:  # a round with sends to record does not end before the test does
            stuck.wait(30)
        return settle_and_claim(engine, settled, *rest)

    monkeypatch.setattr(queue, "settle_and_claim", busy)
    coordinator = someone("Claire Coordinator")
    bot = Passerelle(sqlite_engine, coordinators=frozenset({coordinator.aad_id}), locale="en")
    runner, channel, url = await serve(bot, connector, clock)
    try:
        async with aiohttp.ClientSession() as session:
            world = TeamsWorld(bot, connector, channel, url, clock, session)
            people = [someone("Jean Mentor"), someone("Marc Mentee")]
            for person, answers in zip(people, (MENTOR, MENTEE), strict=True):
                a_volunteer(bot, person.aad_id, clock(), answers, workspace=("teams", TENANT))
            for person in (coordinator, *people):
                world.join(person)
                await world.say(person, "status")
            await world.say(coordinator, "match")
            await world.say(coordinator, "match confirm")
        worker = Worker(sqlite_engine, {"teams": channel.outbox}, clock, Policy(spacing=timedelta(0)), idle=0.05)
        stop = asyncio.Event()
        delivering = asyncio.create_task(worker.run(stop))
        try:
            await until(lambda: intros_recorded(sqlite_engine) == 2, 30, "the introductions were not recorded")
        finally:
            stuck.set()
            stop.set()
            await delivering
    finally:
        await runner.cleanup()
    intros = Counter({shown: n for shown, n in announcements(connector).items() if shown[1] == INTRO})
    assert intros == Counter({(world.chat(person), INTRO): 1 for person in people})


def intros_recorded(engine: Engine) -> int:
    with Session(engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.state == OutboxState.SENT)).all()
        return sum(row.key.startswith("intro:pair:") for row in rows)
