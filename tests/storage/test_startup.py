"""Several instances started at the same moment on an empty database all come up, and migrate it once."""

import asyncio
import multiprocessing
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import MIGRATIONS, make_engine, migrate
from tests.conftest import PEOPLE
from tests.doubles.slack_api import FakeSlack
from tests.processes import free_port, healthy, slack_env, start_app

INSTANCES = 3
# Bounds, not expectations: three interpreters on a loaded two-core machine start slowly, a stuck one must not hang.
START_TIMEOUT = 180
STOP_TIMEOUT = 30


@dataclass
class Instance:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]


Start = Callable[[str], Awaitable[list[Instance]]]


@pytest.fixture
async def start_at_once(tmp_path: Path) -> AsyncIterator[Start]:
    """Starts INSTANCES `python app.py` on one database, back to back; kills every one of them afterwards."""
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    started: list[Instance] = []

    async def start(database_url: str) -> list[Instance]:
        ports = [free_port() for _ in range(INSTANCES)]
        for number, port in enumerate(ports):
            log = tmp_path / f"instance-{number}.log"
            with log.open("wb") as output:
                process = await start_app(slack_env(fake, port, database_url), tmp_path, output)
            started.append(Instance(process, port, log))
        return started

    yield start
    for instance in started:
        if instance.process.returncode is None:
            instance.process.kill()
    await asyncio.wait_for(asyncio.gather(*(i.process.wait() for i in started)), STOP_TIMEOUT)
    await fake.stop()


async def down(instances: list[Instance]) -> list[str]:
    """The logs of the instances that never answered GET /healthz."""
    checks = (healthy(i.port, i.process, attempts=10 * START_TIMEOUT) for i in instances)
    up = await asyncio.wait_for(asyncio.gather(*checks), START_TIMEOUT + STOP_TIMEOUT)
    return [instance.tail() for instance, ok in zip(instances, up, strict=True) if not ok]


def versions(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def head() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


async def test_three_instances_started_at_once_on_an_empty_postgresql_schema_all_come_up(
    start_at_once: Start, postgres_url: str
) -> None:
    assert await down(await start_at_once(postgres_url)) == []
    assert versions(postgres_url) == [head()]


async def test_three_instances_started_at_once_on_a_fresh_sqlite_file_all_come_up(
    start_at_once: Start, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/passerelle.db"
    assert await down(await start_at_once(url)) == []
    assert versions(url) == [head()]


def migrate_when_all_are_ready(database_url: str, barrier: Any) -> None:
    """One instance's start-up, reduced to its migration, released at the same instant as the others."""
    engine = make_engine(database_url)
    barrier.wait(timeout=START_TIMEOUT)
    migrate(engine)
    engine.dispose()


def test_migrations_started_by_several_processes_at_the_same_instant_all_succeed(database_url: str) -> None:
    # Processes, not threads: Alembic's env.py runs through a module-global context, as each instance has its own.
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(INSTANCES)
    processes = [
        spawn.Process(target=migrate_when_all_are_ready, args=(database_url, barrier)) for _ in range(INSTANCES)
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(timeout=START_TIMEOUT)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=STOP_TIMEOUT)
    assert [process.exitcode for process in processes] == [0] * INSTANCES
    assert versions(database_url) == [head()]
