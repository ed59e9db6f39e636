"""Introductions per second through the outbox to a local Slack, unthrottled and throttled like Slack.

A matching of N pairs is confirmed through the core (SQLite file by default); the real delivery worker then sends
every introduction, mentor guide and notice to a minimal Slack Web API on 127.0.0.1. The baseline, in the same run,
posts the same messages straight from memory with the same client and concurrency, without the outbox: what an
introduction costs when nothing is stored, claimed or settled.

Throttled, the local Slack answers like Slack's limits: `conversations.open` at most --opens per second (Tier 3 is
about 50 a minute; scaled so that the run stays short) and one message per second in each conversation, else 429
with Retry-After.

    python bench/outbox.py [--pairs N] [--throttled-pairs N] [--opens R] [--postgres postgresql://…]
"""

import argparse
import asyncio
import hashlib
import resource
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from aiohttp import web
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.actor import Actor
from bot.outbox.codec import decode
from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.service import Passerelle
from handlers.slack.blocks import build_messages
from handlers.slack.outbox import SlackOutbox, one_client, worker_client
from storage.db import make_engine, migrate
from storage.models import Enrollment, EnrollmentStatus, Outbox, OutboxState, Person, Programme

TEAM = "T0BENCH"
COORDINATOR = "UCOORD01"
MENTOR = {
    "role": "mentor",
    "topics": ["ai_assistants"],
    "levels": {"ai_assistants": 3},
    "career_stage": 1,
    "languages": ["fr"],
    "format": "either",
    "timezone": "Europe/Paris",
    "windows": ["morning"],
    "capacity": 1,
}
MENTEE = MENTOR | {"role": "mentee", "career_stage": 5}


class LocalSlack:
    """Just the methods the worker calls; optionally as strict as Slack's rate limits."""

    def __init__(self, opens_per_second: float | None) -> None:
        self.opens_per_second = opens_per_second
        self.posted = 0
        self.limited = 0
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._last_post: dict[str, float] = {}
        self._opens: list[float] = []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
        now = time.monotonic()
        if method == "conversations.open":
            if self.opens_per_second:
                self._opens = [t for t in self._opens if now - t < 1]
                if len(self._opens) >= self.opens_per_second:
                    return self._limit()
                self._opens.append(now)
            digest = hashlib.sha256(str(args.get("users")).encode()).hexdigest()[:10].upper()
            return web.json_response({"ok": True, "channel": {"id": "G" + digest}})
        if method == "chat.postMessage":
            channel = str(args["channel"])
            if self.opens_per_second and now - self._last_post.get(channel, -10) < 1:
                return self._limit()
            self._last_post[channel] = now
            self.posted += 1
            ts = f"{time.time():.6f}"
            self.history[channel].append({"ts": ts, "metadata": args.get("metadata")})
            return web.json_response({"ok": True, "channel": channel, "ts": ts})
        if method == "conversations.history":
            return web.json_response({"ok": True, "messages": list(reversed(self.history[str(args["channel"])]))})
        return web.json_response({"ok": True})

    def _limit(self) -> web.Response:
        self.limited += 1
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})


async def serve(slack: LocalSlack) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/api/{method}", slack.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/"


def confirmed(url: str, pairs: int) -> tuple[Passerelle, float]:
    """A fresh database with `pairs` mentors and mentees, matched and confirmed; how long confirming took."""
    engine = make_engine(url)
    migrate(engine)
    bot = Passerelle(engine, coordinators=frozenset({COORDINATOR}))
    now = datetime.now(UTC)
    coordinator = Actor("slack", TEAM, COORDINATOR, name="Claire")
    bot.command(coordinator, "help", now)
    with Session(engine) as session:
        programme = session.exec(select(Programme)).one()
        for n in range(pairs):
            for user, answers in ((f"UM{n:06d}", MENTOR), (f"UE{n:06d}", MENTEE)):
                person = Person(workspace_id=programme.workspace_id, user_id=user, display_name=user, created_at=now)
                session.add(person)
                session.flush()
                assert person.id is not None and programme.id is not None
                session.add(
                    Enrollment(
                        workspace_id=programme.workspace_id,
                        programme_id=programme.id,
                        person_id=person.id,
                        role=str(answers["role"]),
                        status=EnrollmentStatus.READY,
                        answers=dict(answers),
                        consented_at=now,
                        updated_at=now,
                    )
                )
        session.commit()
    bot.command(coordinator, "match", now)
    started = time.perf_counter()
    bot.command(coordinator, "match confirm", now)
    return bot, time.perf_counter() - started


def waiting(bot: Passerelle) -> bool:
    """Whether a message is still to be sent: looked for, not counted, so that watching costs the worker little."""
    with Session(bot.engine) as session:
        states = (OutboxState.PENDING, OutboxState.SENDING)
        return session.exec(select(Outbox.id).where(col(Outbox.state).in_(states)).limit(1)).first() is not None


async def through_the_outbox(bot: Passerelle, api_url: str, concurrency: int = Worker.CONCURRENCY) -> tuple[int, float]:
    client = worker_client("xoxb-bench", api_url)
    worker = Worker(
        bot.engine,
        {"slack": SlackOutbox(one_client(client), lambda: datetime.now(UTC))},
        lambda: datetime.now(UTC),
        Policy(),
        concurrency=concurrency,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    started = time.perf_counter()
    # Counted in a thread, as the worker reads the database: a query on the event loop would stall its sends.
    while await asyncio.to_thread(waiting, bot):
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    with Session(bot.engine) as session:
        sent = len(session.exec(select(Outbox.id).where(Outbox.state == OutboxState.SENT)).all())
    return sent, elapsed


async def straight(bot: Passerelle, api_url: str, concurrency: int = Worker.CONCURRENCY) -> float:
    """The baseline: the same messages, posted from memory with the same client, nothing stored; its calls share
    one session and its open connections, as the worker's do."""
    client = worker_client("xoxb-bench", api_url)
    client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
    with Session(bot.engine) as session:
        rows = session.exec(select(Outbox)).all()
        messages = [(row.recipient, decode(row.message)) for row in rows]
    turns = asyncio.Semaphore(concurrency)

    async def post(recipient: dict[str, Any], n: int, message: Any) -> None:
        async with turns:
            channel = f"D{n:08d}"
            if recipient.get("kind") == "pair":
                opened = await client.conversations_open(users=f"UM{n:06d},UE{n:06d}")
                channel = opened["channel"]["id"]
            for text, blocks in build_messages(message):
                await client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    started = time.perf_counter()
    await asyncio.gather(*(post(recipient, n, message) for n, (recipient, message) in enumerate(messages)))
    elapsed = time.perf_counter() - started
    await client.session.close()
    return elapsed


@contextmanager
def fresh(database: str | None, folder: str) -> Iterator[str]:
    """An empty database: a new SQLite file, or a schema of its own on the PostgreSQL server given."""
    if not database:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def run(pairs: int, database: str | None, throttled: bool, opens: float) -> None:
    slack = LocalSlack(opens if throttled else None)
    runner, api_url = await serve(slack)
    with tempfile.TemporaryDirectory() as folder, fresh(database, folder) as url:
        bot, confirm_seconds = await asyncio.to_thread(confirmed, url, pairs)
        sent, elapsed = await through_the_outbox(bot, api_url)
        limited = slack.limited
        baseline = None if throttled else await straight(bot, api_url)
        bot.engine.dispose()
    await runner.cleanup()
    mode = f"throttled ({opens:g} opens/s, 1 msg/s per conversation)" if throttled else "unthrottled"
    print(f"{mode}: {pairs} pairs, {sent} messages (introductions, guides, notices)")
    print(f"  confirm transaction (pairs + outbox rows): {confirm_seconds:.2f} s")
    print(f"  through the outbox: {elapsed:.2f} s, {sent / elapsed:.1f} messages/s, {pairs / elapsed:.1f} intros/s")
    if throttled:
        print(f"  429s answered by the local Slack: {limited}; lower bound at {opens:g} opens/s: {pairs / opens:.1f} s")
    if baseline is not None:
        print(f"  baseline, straight from memory: {baseline:.2f} s, {sent / baseline:.1f} messages/s")
        print(f"  ratio outbox / baseline (time): {elapsed / baseline:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL, to run there (default: a fresh SQLite file)")
    parser.add_argument("--opens", type=float, default=10, help="conversations.open per second when throttled")
    parser.add_argument("--throttled-pairs", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.pairs, args.postgres, throttled=False, opens=args.opens))
    asyncio.run(run(args.throttled_pairs, args.postgres, throttled=True, opens=args.opens))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
