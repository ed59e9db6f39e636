"""Real `python app.py` processes for the tests: their environment, a free port, starting one, waiting for it."""

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

import aiohttp
import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Outbox, OutboxState
from tests.conftest import SIGNING_SECRET
from tests.doubles.bot_connector import FakeConnector
from tests.doubles.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without any setting of ours, plus `extra`."""
    ours = ("SLACK_", "PASSERELLE_", "DATABASE_", "MICROSOFT")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)}
    return env | extra


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def slack_env(fake: FakeSlack, port: int, database_url: str, **extra: str) -> dict[str, str]:
    """Slack over HTTP against the double, on `port`, with `database_url`."""
    return clean_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PORT=str(port),
        DATABASE_URL=database_url,
        **extra,
    )


def teams_env(port: int, database_url: str, **extra: str) -> dict[str, str]:
    """Teams at `POST /api/messages` on `port`, with `database_url`, authentication off (`MICROSOFT_APP_ID` present
    and empty). Authentication on would need the bot's login and OpenID endpoints pointed at the local token issuer
    (tests/doubles/teams_identity.py), and those are no setting: only an `Identity` built in-process has them. The
    Bot Connector needs no setting either: each activity names it, as its serviceUrl."""
    return clean_env(MICROSOFT_APP_ID="", PORT=str(port), DATABASE_URL=database_url, **extra)


class TeamsUser(Protocol):
    """Who writes in a 1:1 chat with the bot (tests/handlers/teams/world.py's Someone)."""

    @property
    def teams_id(self) -> str: ...
    @property
    def aad_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def locale(self) -> str: ...
    @property
    def timezone(self) -> str: ...


def teams_message(service_url: str, tenant: str, person: TeamsUser, text: str) -> dict[str, Any]:
    """A message typed in the person's 1:1 chat, shaped as Teams posts it (as tests/handlers/teams/world.py has it,
    for a process rather than a server in the test's own)."""
    chat = FakeConnector.personal(person.teams_id)
    return {
        "type": "message",
        "id": f"1:{uuid.uuid4().hex}",
        "timestamp": "2026-11-26T14:30:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad_id},
        "recipient": {"id": "28:passerelle-bot", "name": "Passerelle"},
        "conversation": {"id": chat, "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        "locale": person.locale,
        "localTimezone": person.timezone,
        "text": text,
    }


async def say_on_teams(session: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> None:
    """Posts the activity to a process's `/api/messages`; it answers once the turn is over (its replies sent)."""
    async with session.post(f"{url}/api/messages", json=activity) as response:
        assert response.status == 200, f"/api/messages answered {response.status}: {await response.text()}"


async def start_app(
    env: dict[str, str], folder: Path, output: IO[bytes] | int | None = None
) -> asyncio.subprocess.Process:
    target = asyncio.subprocess.DEVNULL if output is None else output
    return await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), cwd=folder, env=env, stdout=target, stderr=target
    )


async def healthy(port: int, process: asyncio.subprocess.Process | None = None, attempts: int = 1800) -> bool:
    """Polls `GET /healthz` until it answers 200 (True), the process exits, or the attempts run out (False)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        for _ in range(attempts):
            if process is not None and process.returncode is not None:
                return False
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return True
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    return False


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of a process's open sockets (Linux's /proc): which process a connection a double
    received came from, while the process keeps it open."""
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:  # the process is gone
        return set()
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except FileNotFoundError:
            return set()
        for fields in (line.split() for line in lines):
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def outbox_settled(database_url: str) -> bool:
    """Every outbox row was sent: nothing waits, nothing is held by a lease."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(Outbox).where(Outbox.state != OutboxState.SENT)).first() is None
    finally:
        engine.dispose()


async def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait for `condition`, failing the test with `what` after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{what} within {seconds} s")
        await asyncio.sleep(0.05)
