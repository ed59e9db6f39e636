"""Real `python app.py` processes for the tests: their environment, a free port, starting one, waiting for it."""

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import IO

import aiohttp

from tests.conftest import SIGNING_SECRET
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
