"""`match` in real `python app.py` processes: the matching runs out of the request and out of the process, its
preview comes through the outbox; two coordinators asking at once get one run, on one process or two; a process
killed with kill -9 in the middle of a matching blocks nothing; others are answered while a big one runs."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.actor import Actor
from bot.pairing.worker import MatchWorker
from bot.service import Passerelle
from storage.db import make_engine, migrate
from storage.models import MatchRun, MatchRunState, Pair, PairStatus
from tests.bot.volunteers import bulk_volunteers
from tests.conftest import COORDINATOR, SIGNING_SECRET
from tests.doubles.slack_api import FakeSlack
from tests.doubles.slack_sender import SlackSender
from tests.processes import ROOT, free_port, healthy, slack_env, start_app, until

SECOND = "UCOORD002"  # another coordinator


def a_programme(database_url: str, pairs: int) -> None:
    """`pairs` mentors and mentees ready, in a programme whose messages go out at any hour (the wall clock)."""
    engine = make_engine(database_url)
    migrate(engine)
    bulk_volunteers(Passerelle(engine), datetime.now(UTC), pairs, all_hours=True)
    engine.dispose()


def runs(database_url: str) -> list[MatchRun]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(MatchRun).order_by(MatchRun.id)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def proposed(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(Pair).where(Pair.status == PairStatus.PROPOSED)).all())
    finally:
        engine.dispose()


@asynccontextmanager
async def serving(
    database_url: str, fake: FakeSlack, folder: Path, lease: float = 30
) -> AsyncIterator[tuple[int, str]]:
    """A real `python app.py` on Slack over HTTP, two coordinators; yields its process id and its address."""
    port = free_port()
    env = slack_env(
        fake,
        port,
        database_url,
        PASSERELLE_COORDINATORS=f"{COORDINATOR},{SECOND}",
        PASSERELLE_MATCH_LEASE=str(lease),
    )
    with open(folder / f"app-{port}.log", "wb") as log:
        process = await start_app(env, folder, log)
        try:
            assert await healthy(port, process), "the server never answered /healthz"
            yield process.pid, f"http://127.0.0.1:{port}"
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


def answers(fake: FakeSlack) -> list[str]:
    """What the commands' response URLs were given, oldest first."""
    return [call.text for call in fake.of("response_url")]


async def test_the_matching_runs_apart_and_its_preview_comes_through_the_outbox(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    a_programme(database_url, 20)
    async with serving(database_url, fake, tmp_path) as (_, url):
        sent = await SlackSender(url, SIGNING_SECRET, fake).command(COORDINATOR, "match")
        assert sent.status == 200
        preview = await fake.posted("Matching preview", channel=COORDINATOR, timeout=60)
        assert "*Pairs*\n20 " in preview.text
    assert any("The matching of 40 volunteers is running" in text for text in answers(fake))
    [run] = runs(database_url)
    assert run.state == MatchRunState.DONE and run.seconds is not None and run.attempts == 1
    assert proposed(database_url) == 20


def test_the_matchings_process_imports_the_core_and_nothing_of_the_server() -> None:
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.pairing.apart; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiohttp', 'slack_bolt', 'slack_sdk', "
            "'botbuilder', 'apscheduler', 'handlers', 'server', 'app'}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "[]"


async def test_two_coordinators_asking_at_once_on_two_processes_get_one_run_and_both_its_preview(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    a_programme(database_url, 300)
    async with (
        serving(database_url, fake, tmp_path) as (_, first),
        serving(database_url, fake, tmp_path) as (_, second),
    ):
        sent = await asyncio.gather(
            SlackSender(first, SIGNING_SECRET, fake).command(COORDINATOR, "match"),
            SlackSender(second, SIGNING_SECRET, fake).command(SECOND, "match"),
        )
        assert [s.status for s in sent] == [200, 200]
        for coordinator in (COORDINATOR, SECOND):
            await fake.posted("Matching preview", channel=coordinator, timeout=120)
    said = answers(fake)
    assert sum("is running" in text for text in said) == 1
    assert sum("A matching is already running" in text for text in said) == 1
    [run] = runs(database_url)
    assert run.state == MatchRunState.DONE and len(run.watchers) == 2
    assert proposed(database_url) == 300


async def a_match_running(database_url: str, fake: FakeSlack, url: str) -> None:
    """The coordinator's `match`, once its run is claimed and computing."""
    assert (await SlackSender(url, SIGNING_SECRET, fake).command(COORDINATOR, "match")).status == 200
    await until(lambda: [r.state for r in runs(database_url)] == [MatchRunState.RUNNING], 60, "the run started")


def exited(pid: int) -> bool:
    """The process has ended (a zombie until its parent waits for it counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_a_process_stopped_by_sigterm_hands_its_matching_back_and_another_makes_it_at_once(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    a_programme(database_url, 4000)
    # Claims that last ten minutes: the next process could take the run over only that late, had it not been
    # handed back.
    async with serving(database_url, fake, tmp_path, lease=600) as (pid, url):
        await a_match_running(database_url, fake, url)
        os.kill(pid, signal.SIGTERM)  # as a service manager stops it
        await until(lambda: exited(pid), 60, "the process ended")
    assert [(r.state, r.attempts) for r in runs(database_url)] == [(MatchRunState.QUEUED, 0)]
    async with serving(database_url, fake, tmp_path, lease=600):
        await fake.posted("Matching preview", channel=COORDINATOR, timeout=180)
    assert [(r.state, r.attempts) for r in runs(database_url)] == [(MatchRunState.DONE, 1)]
    assert proposed(database_url) == 4000


async def test_a_process_killed_in_the_middle_of_a_matching_blocks_nothing_and_the_run_is_taken_over(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    a_programme(database_url, 800)
    async with serving(database_url, fake, tmp_path, lease=2) as (pid, url):
        await a_match_running(database_url, fake, url)
        os.kill(pid, signal.SIGKILL)
    async with serving(database_url, fake, tmp_path, lease=2) as (_, url):
        # Asked again meanwhile: the same run, which the new process takes over once the dead one's claim ends.
        assert (await SlackSender(url, SIGNING_SECRET, fake).command(SECOND, "match")).status == 200
        for coordinator in (COORDINATOR, SECOND):
            await fake.posted("Matching preview", channel=coordinator, timeout=180)
    [run] = runs(database_url)
    assert run.state == MatchRunState.DONE and run.attempts == 2
    assert proposed(database_url) == 800


async def test_while_a_big_matching_runs_everyone_else_is_answered_without_database_errors(
    database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    a_programme(database_url, 800)
    async with serving(database_url, fake, tmp_path) as (_, url):
        sender = SlackSender(url, SIGNING_SECRET, fake)
        assert (await sender.command(COORDINATOR, "match")).status == 200
        await until(lambda: [r.state for r in runs(database_url)] == [MatchRunState.RUNNING], 60, "the run started")
        statuses = []
        while runs(database_url)[0].state == MatchRunState.RUNNING:
            sent = await asyncio.gather(*(sender.command(f"UE{n:06d}", "status") for n in range(4)))
            statuses += [s.status for s in sent]
        await fake.posted("Matching preview", channel=COORDINATOR, timeout=60)
        await fake.quiet(0.5)
    assert statuses and set(statuses) == {200}
    replies = answers(fake)
    assert len(replies) == 1 + len(statuses), "each command got its answer"
    assert not any("went wrong" in text for text in replies)
    logged = b"".join(path.read_bytes() for path in tmp_path.glob("app-*.log"))
    assert b"database is locked" not in logged and b"Traceback" not in logged


async def test_the_worker_takes_the_next_run_as_soon_as_one_ends_not_at_its_next_renewal(database_url: str) -> None:
    """A claim renewed every twenty minutes: a worker that waited for the renewal to see its run end would keep the
    preview's notice and the next run waiting as long."""
    a_programme(database_url, 5)
    engine = make_engine(database_url)
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR}))
    bot.matcher = lambda now: None  # the worker below makes the runs
    ended = asyncio.Event()
    worker = MatchWorker(engine, lambda: datetime.now(UTC), lease=timedelta(hours=1), done=ended.set)
    stop = asyncio.Event()
    working = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(2):  # `match`, then Run again once the first has ended
            ended.clear()
            await asyncio.to_thread(bot.command, Actor("slack", "T0PASSE", COORDINATOR), "match", datetime.now(UTC))
            worker.wake()
            await asyncio.wait_for(ended.wait(), timeout=120)  # however slow this machine is; 20 min if it waited
    finally:
        stop.set()
        await working
        engine.dispose()
    assert [(r.state, r.attempts) for r in runs(database_url)] == [(MatchRunState.DONE, 1)] * 2
    assert proposed(database_url) == 5
