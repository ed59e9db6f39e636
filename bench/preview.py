"""How the bot holds up while a coordinator's matching preview is computed: the real app (`python app.py`, Slack
over HTTP, on SQLite) with a programme of SIZE ready volunteers loaded in bulk; a coordinator types `match`, and
until the preview reaches Slack other people's signed `/mentoring status` keep coming, four at a time.

Printed: the seconds until the preview was delivered, the others' acknowledgements (median, worst) and how many
of them failed (an HTTP error, no answer, a "something went wrong", or "database is locked" in the app's log);
then when each acknowledgement over 1 s was asked, and the app's own account of the run's steps (read, matched,
written), to tell which step slowed the others.

    python bench/preview.py [SIZE ...]     (default 10000 40000)
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import insert
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.actor import Actor  # noqa: E402  (after the path is set)
from bot.service import Passerelle  # noqa: E402
from bot.topics import DEFAULT_TOPICS  # noqa: E402
from bot.working_hours import ALL_WEEK  # noqa: E402
from storage.db import make_engine, migrate  # noqa: E402
from storage.models import Enrollment, Person, Programme  # noqa: E402

SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
COORDINATOR = "UBCOORD01"
CONCURRENCY = 4  # others' requests in flight at once
PREVIEW = "Matching preview"
FAILED = "something went wrong"


class SlackDouble:
    """Just enough of Slack: every method answers ok; posts and response URLs are kept with when they came."""

    def __init__(self) -> None:
        self.posted: list[tuple[float, str]] = []
        self.responses: list[str] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields = await _fields(request)
        if method == "chat.postMessage":
            self.posted.append((time.perf_counter(), str(fields.get("text", "")) + str(fields.get("blocks", ""))))
        body: dict[str, Any] = {"ok": True, "channel": "D0BENCH", "ts": f"{time.time():.6f}", "messages": []}
        if method == "auth.test":
            body |= {"team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT", "team": "bench", "url": "https://b/"}
        if method == "users.info":
            body["user"] = {"id": "U", "name": "bench", "tz": "Europe/Paris", "locale": "en-GB", "profile": {}}
        return web.json_response(body)

    async def _respond(self, request: web.Request) -> web.Response:
        fields = await _fields(request)
        self.responses.append(str(fields.get("text", "")) + str(fields.get("blocks", "")))
        return web.json_response({"ok": True})


async def _fields(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if request.content_type == "application/json":
        try:
            found: dict[str, Any] = await request.json()
            return found
        except ValueError:
            return {}
    return {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}


def load(database: str, size: int, seed: int = 7) -> None:
    """`size` volunteers, half mentors and half mentees, ready, with varied answers: one statement per table."""
    engine = make_engine(database)
    migrate(engine)
    now = datetime.now(UTC)
    Passerelle(engine).home(Actor("slack", TEAM, COORDINATOR), now)  # the workspace and its programme
    rng = random.Random(seed)
    with Session(engine) as session:
        programme = session.exec(select(Programme)).one()
        programme.quiet_start = programme.quiet_end = "00:00"  # the preview may go out at any hour
        programme.working_days = list(ALL_WEEK)
        workspace_id, programme_id = programme.workspace_id, programme.id
        users = [f"UV{n:07d}" for n in range(size)]
        session.execute(
            insert(Person),
            [
                {"workspace_id": workspace_id, "user_id": u, "display_name": f"V {u}", "is_coordinator": False}
                | {"created_at": now}
                for u in users
            ],
        )
        ids = dict(session.exec(select(Person.user_id, Person.id).where(Person.workspace_id == workspace_id)).all())
        rows = []
        for n, user in enumerate(users):
            mentor = n % 2 == 0
            topics = rng.sample(list(DEFAULT_TOPICS), rng.randint(1, 3))
            answers = {
                "role": "mentor" if mentor else "mentee",
                "topics": topics,
                "levels": {t: rng.randint(1, 3) for t in topics},
                "career_stage": rng.randint(1, 3) if mentor else rng.randint(3, 5),
                "department": f"dept{rng.randrange(12):02d}",
                "manager": "",
                "languages": [c for c, share in (("fr", 0.8), ("en", 0.7)) if rng.random() < share] or ["fr"],
                "site": f"site{rng.randrange(8)}",
                "format": rng.choice(["either", "either", "video", "in_person"]),
                "timezone": "Europe/Paris",
                "windows": sorted(set(rng.choices(["morning", "lunch", "afternoon"], k=rng.randint(1, 3)))),
                "style_plan": rng.choice(["structured", "free"]),
                "style_learning": rng.choice(["hands_on", "discussion"]),
                "capacity": rng.choice([1, 1, 1, 2]),
            }
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "programme_id": programme_id,
                    "person_id": ids[user],
                    "role": answers["role"],
                    "status": "ready",
                    "answers": answers,
                    "consented_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Enrollment), rows)
        session.commit()
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def command(user: str, text: str, respond: str) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentoring",
            "text": text,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": respond,
            "trigger_id": "1.2.3",
        }
    )


async def post(session: aiohttp.ClientSession, port: int, body: str) -> tuple[float, bool]:
    """A signed request; its acknowledgement's seconds, and whether it failed (an HTTP error, no answer, or
    "something went wrong" in the answer the acknowledgement carries)."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body) or "",
    }
    began = time.perf_counter()
    try:
        async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response:
            answer = await response.text()
            return time.perf_counter() - began, response.status != 200 or FAILED in answer
    except (aiohttp.ClientError, TimeoutError):
        return time.perf_counter() - began, True


async def _measure(size: int) -> dict[str, Any]:
    slack = SlackDouble()
    await slack.start()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        began = time.perf_counter()
        load(database, size)
        loaded = time.perf_counter() - began
        port = free_port()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"http://127.0.0.1:{slack.port}/api/",
            "DATABASE_URL": database,
            "PORT": str(port),
            "PASSERELLE_COORDINATORS": COORDINATOR,
        }
        log = Path(folder) / "app.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "app.py"), env=_env(env), cwd=folder, stdout=output, stderr=output
            )
            try:
                figures = await _drive(slack, port, loaded)
                for _ in range(50):  # the app logs how long each step of the matching took, once it ended
                    if "matching run " in log.read_text(errors="replace"):
                        break
                    await asyncio.sleep(0.1)
            finally:
                process.kill()
                await process.wait()
        logged = log.read_text(errors="replace")
        locked = logged.count("database is locked")
        figures["phases"] = [
            line.split("matching run ", 1)[1] for line in logged.splitlines() if "matching run " in line
        ]
    await slack.stop()
    figures["errors"] += locked
    return figures


def _env(settings: dict[str, str]) -> dict[str, str]:
    """Nothing of the bench's own environment decides what the app serves: only `settings` do."""
    ours = ("SLACK_", "PASSERELLE_", "DATABASE_", "MICROSOFT_", "MICROSOFTAPP")
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)} | settings


async def _drive(slack: SlackDouble, port: int, loaded: float) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _ in range(600):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        respond = f"http://127.0.0.1:{slack.port}/respond/"
        began = time.perf_counter()
        ack, failed = await post(session, port, command(COORDINATOR, "match", respond + "coordinator"))
        acks: list[float] = []
        slow: list[tuple[float, float]] = []  # when (seconds after `match`) an ack over 1 s was asked, and its time
        errors = int(failed)
        n = 0

        async def others() -> None:
            nonlocal n, errors
            while not any(PREVIEW in text for _, text in slack.posted):
                n += 1
                sent = time.perf_counter() - began
                seconds, failed = await post(
                    session, port, command(f"UV{(2 * n + 1) % 1000:07d}", "status", f"{respond}r{n}")
                )
                acks.append(seconds)
                if seconds > 1:
                    slow.append((sent, seconds))
                errors += int(failed)

        await asyncio.wait_for(asyncio.gather(*(others() for _ in range(CONCURRENCY))), timeout=1800)
        delivered = next(at for at, text in slack.posted if PREVIEW in text) - began
    errors += sum(FAILED in text for text in slack.responses)  # an answer that came later, by its response URL
    return {
        "loaded_seconds": loaded,
        "coordinator_ack": ack,
        "preview_seconds": delivered,
        "others": float(len(acks)),
        "others_ack_median": statistics.median(acks) if acks else 0.0,
        "others_ack_worst": max(acks, default=0.0),
        "others_ack_over_1s": float(sum(a > 1 for a in acks)),
        "errors": float(errors),
        "slow": slow,
    }


def measure(size: int) -> dict[str, Any]:
    """The figures of one run at `size` volunteers (see the module's docstring)."""
    return asyncio.run(_measure(size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 40_000])
    for size in parser.parse_args().sizes:
        r = measure(size)
        print(
            f"{size} volunteers (loaded in {r['loaded_seconds']:.1f} s): preview delivered after "
            f"{r['preview_seconds']:.1f} s; the coordinator's ack {r['coordinator_ack'] * 1000:.0f} ms; "
            f"{r['others']:.0f} others' requests meanwhile, ack median {r['others_ack_median'] * 1000:.0f} ms, "
            f"worst {r['others_ack_worst'] * 1000:.0f} ms, {r['others_ack_over_1s']:.0f} over 1 s; "
            f"{r['errors']:.0f} errors"
        )
        for sent, seconds in r["slow"]:
            print(f"  an ack asked {sent:.1f} s after `match` took {seconds * 1000:.0f} ms")
        for phase in r["phases"]:
            print(f"  the app: matching run {phase}")


if __name__ == "__main__":
    main()
