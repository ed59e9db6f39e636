"""The tick at scale: one `everything_due` over 10,000 and 100,000 live pairs, and 10,000 due messages delivered.

For each database (a fresh SQLite file; a schema of its own on PostgreSQL) and each size, N pairs in mixed states
are written in bulk (sessions booked or held, nudges and checkpoints already sent, pauses, pairs at risk), every one
to be looked at later; then one tick runs with nothing due, one with 1 % of the pairs due, one with another 10 %.
The baseline, in the same run, is the tick with nothing due on the smallest size: a tick that grows with the pairs,
not with the work due, shows in the ratio of the largest size's to it.

Delivery: 10,000 nudges, due now, are queued to 10,000 pairs by the outbox's `write`, then sent by the real worker
and Slack sender to a local Slack, unthrottled (bench/outbox.py's), at 16 in flight and at the worker's own number,
beside the same messages posted from memory at that number: each rate is given as a share of the baseline's, and
with the CPU each message cost this process (the local Slack's share, in both, included).

    python bench/tick.py [--pairs 10000,100000] [--databases sqlite,postgresql] [--messages 10000] [--quick]
"""

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, text, update
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outbox import LocalSlack, fresh, serve, straight, through_the_outbox  # bench/outbox.py, beside this file

from bot.actor import Actor
from bot.i18n import translator
from bot.lifecycle import cadence, nudges
from bot.lifecycle.cadence import Due
from bot.lifecycle.tick import everything_due
from bot.outbox import queue
from bot.outbox.worker import Worker
from bot.service import Passerelle
from storage.db import make_engine, migrate
from storage.models import (
    Address,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    MeetingStatus,
    Nudge,
    Outbox,
    Pair,
    PairStatus,
    Person,
    Programme,
    Pulse,
    Survey,
)

POSTGRES = os.environ.get("PASSERELLE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
TEAM = "T0BENCH"
COORDINATORS = ("UCOORD01", "UCOORD02")
ZONES = ["Europe/Paris"] * 14 + ["Europe/London"] * 2 + ["America/New_York"] * 2 + ["Asia/Singapore", "Asia/Kolkata"]
ANSWERS: dict[str, Any] = {
    "topics": ["ai_assistants", "social_networks"],
    "levels": {"ai_assistants": 3, "social_networks": 2},
    "languages": ["fr", "en"],
    "format": "either",
    "windows": ["morning"],
}
# Tuesday 10:00 UTC: working hours in Europe, so that what is due is due now.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
CHUNK = 5000  # rows per bulk insert


@dataclass
class Figure:
    database: str
    pairs: int
    due: int
    seconds: float
    written: int
    outbox: int


@dataclass
class Seeded:
    engine: Engine
    bot: Passerelle
    first_pair: int  # pair ids run from first_pair to first_pair + pairs - 1, their states shuffled


def seed(url: str, pairs: int, rng: random.Random) -> Seeded:
    """A programme with `pairs` live pairs in mixed states, none of them due before NOW + 1 hour."""
    engine = make_engine(url)
    migrate(engine)
    bot = Passerelle(engine, coordinators=frozenset(COORDINATORS))
    for user in COORDINATORS:
        bot.command(Actor("slack", TEAM, user, name=user), "help", NOW - timedelta(days=200))
    with Session(engine) as session:
        programme = session.exec(select(Programme)).one()
        person_base = _next_id(session, Person)
        pair_base = _next_id(session, Pair)
        rows = _rows(programme, pairs, person_base, pair_base, _next_id(session, Meeting), rng)
        for table, values in rows.items():
            for start in range(0, len(values), CHUNK):
                session.execute(insert(table), values[start : start + CHUNK])
        session.commit()
    _reset_sequences(engine, [Person, Enrollment, Pair, Meeting])
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
            connection.commit()
    return Seeded(engine, bot, pair_base)


def _next_id(session: Session, model: Any) -> int:
    return int(session.exec(select(func.coalesce(func.max(model.id), 0))).one()) + 1


def _rows(
    programme: Programme, pairs: int, person_base: int, pair_base: int, meeting_base: int, rng: random.Random
) -> dict[Table, list[dict[str, Any]]]:
    """Every row of the programme's pairs, table by table, in the order they must be inserted."""
    assert programme.id is not None
    ws, pid = programme.workspace_id, programme.id
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("person", "enrollment", "pair", "meeting", "nudge")}
    out |= {"pulse": [], "survey": []}
    meeting_id = meeting_base
    for n in range(pairs):
        mentor, mentee, pair_id = person_base + 2 * n, person_base + 2 * n + 1, pair_base + n
        announced = NOW - timedelta(days=rng.uniform(2, 170), minutes=rng.randrange(1440))
        for person, role in ((mentor, "mentor"), (mentee, "mentee")):
            zone = rng.choice(ZONES)
            out["person"].append(
                {
                    "id": person,
                    "workspace_id": ws,
                    "user_id": f"U{person:09d}",
                    "display_name": f"Person {person}",
                    "platform_locale": rng.choice(("en-US", "fr-FR")),
                    "timezone": zone,
                    "is_coordinator": False,
                    "created_at": announced - timedelta(days=20),
                }
            )
            paused = rng.random() < 0.02
            out["enrollment"].append(
                {
                    "workspace_id": ws,
                    "programme_id": pid,
                    "person_id": person,
                    "role": role,
                    "status": EnrollmentStatus.PAUSED if paused else EnrollmentStatus.MATCHED,
                    "answers": ANSWERS | {"role": role, "timezone": zone, "career_stage": 1 if role == "mentor" else 5},
                    "paused_until": (NOW + timedelta(days=rng.randrange(3, 40))).date() if paused else None,
                    "paused_from": EnrollmentStatus.MATCHED if paused else None,
                    "consented_at": announced - timedelta(days=20),
                    "updated_at": announced,
                }
            )
        opens, ends = cadence.window(announced, None, None, programme.length_months)
        period = next(p for p in cadence.periods(opens, ends, programme.monthly_sessions) if p.start <= NOW < p.end)
        state = rng.random()
        at_risk = state < 0.1
        out["pair"].append(
            {
                "id": pair_id,
                "workspace_id": ws,
                "programme_id": pid,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "status": PairStatus.AT_RISK if at_risk else PairStatus.ACTIVE,
                "pinned": False,
                "score": rng.randrange(40, 100),
                "components": {},
                "objectives": ["Prompting well"],
                "created_at": announced - timedelta(days=1),
                "confirmed_at": announced,
                "next_check_at": NOW + timedelta(hours=1, minutes=rng.randrange(30 * 1440)),
                "paused_until": (NOW + timedelta(days=rng.randrange(3, 30))).date() if rng.random() < 0.05 else None,
                "snoozed_until": None,
                "mentor_seen_at": announced,
                "mentee_seen_at": announced if rng.random() < 0.7 else None,
            }
        )
        # Sessions held in earlier periods, each with its pulses; some pairs booked the next one, some held this
        # period's hour a few days ago and are waiting for its pulses; the others have nothing booked yet.
        for index in range(period.index):
            if rng.random() < 0.7:
                starts = opens + timedelta(days=30 * index + rng.randrange(3, 25), hours=rng.randrange(8, 17))
                meeting_id = _meeting(out, ws, pair_id, meeting_id, starts, MeetingStatus.HELD, mentor)
                for person in (mentor, mentee):
                    out["pulse"].append(
                        {"workspace_id": ws, "pair_id": pair_id, "meeting_id": meeting_id - 1, "person_id": person}
                    )
        if state < 0.3:
            starts = NOW + timedelta(days=rng.randrange(3, 20), hours=rng.randrange(0, 6))
            meeting_id = _meeting(out, ws, pair_id, meeting_id, starts, MeetingStatus.BOOKED, mentor)
        elif state < 0.4:
            starts = max(period.start, NOW - timedelta(days=rng.randrange(1, 10)))
            meeting_id = _meeting(out, ws, pair_id, meeting_id, starts, MeetingStatus.BOOKED, mentor)
        elif state < 0.8:
            # Nudged already this period: the book (the introduction, in the first), maybe a reminder, maybe the last.
            sent = period.start
            for kind in cadence.NUDGES[: rng.randrange(1, 4) if not at_risk else 3]:
                out["nudge"].append(
                    {"workspace_id": ws, "pair_id": pair_id, "period": period.index, "kind": kind, "sent_at": sent}
                )
                sent += timedelta(days=7)
        if (NOW - opens) > (ends - opens) / 2:
            for person in (mentor, mentee):
                out["survey"].append(
                    {
                        "workspace_id": ws,
                        "programme_id": pid,
                        "pair_id": pair_id,
                        "person_id": person,
                        "kind": "checkpoint",
                        "answers": {},
                        "sent_at": opens + (ends - opens) / 2,
                    }
                )
    models = (Person, Enrollment, Pair, Meeting, Nudge, Pulse, Survey)
    return {model.__table__: out[name] for name, model in zip(out, models, strict=True)}  # type: ignore[attr-defined]


def _meeting(
    out: dict[str, list[dict[str, Any]]], ws: int, pair_id: int, meeting_id: int, starts: datetime, status: str, by: int
) -> int:
    out["meeting"].append(
        {
            "id": meeting_id,
            "workspace_id": ws,
            "pair_id": pair_id,
            "starts_at": starts,
            "minutes": 60,
            "timezone": "Europe/Paris",
            "format": "video",
            "place": "",
            "status": status,
            "sequence": 0,
            "token": uuid.uuid4().hex,
            "booked_by": by,
            "created_at": starts - timedelta(days=10),
            "updated_at": starts - timedelta(days=10),
        }
    )
    return meeting_id + 1


def _reset_sequences(engine: Engine, models: Sequence[Any]) -> None:
    """Rows written with their ids leave PostgreSQL's sequences behind: the tick's own inserts need them on."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        for model in models:
            name = model.__tablename__
            last = f"(SELECT max(id) FROM {name})"
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {last})"))
        connection.commit()


def make_due(engine: Engine, first: int, count: int) -> None:
    """The pairs `first` … `first + count - 1` are due now, as if their next look had come a little while ago."""
    with Session(engine) as session:
        session.execute(
            update(Pair)
            .where(col(Pair.id) >= first, col(Pair.id) < first + count)
            .values(next_check_at=NOW - timedelta(minutes=5))
        )
        session.commit()


def outbox_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count(col(Outbox.id)))).one())


def tick(engine: Engine) -> tuple[float, int]:
    started = time.perf_counter()
    counts = everything_due(engine, NOW)
    return time.perf_counter() - started, sum(counts.written.values())


def measure(database: str, url: str, pairs: int) -> list[Figure]:
    """The three ticks on one fresh database of `pairs` pairs; a first tick, not counted, opens the connections."""
    seeded = seed(url, pairs, random.Random(pairs))
    tick(seeded.engine)
    figures = []
    start = seeded.first_pair
    for due in (0, pairs // 100, pairs // 10):
        make_due(seeded.engine, start, due)
        start += due
        before = outbox_rows(seeded.engine)
        seconds, written = tick(seeded.engine)
        figures.append(Figure(database, pairs, due, seconds, written, outbox_rows(seeded.engine) - before))
    seeded.engine.dispose()
    return figures


def queue_nudges(seeded: Seeded, count: int) -> float:
    """`count` nudges to as many pairs, queued by the outbox's write, then all made due now; how long writing took.

    The outbox and the pairs' known conversations are emptied first, so that each run opens every conversation."""
    with Session(seeded.engine) as session:
        session.execute(delete(Outbox))
        session.execute(delete(Address))
        programme = session.exec(select(Programme)).one()
        pairs = session.exec(select(Pair).order_by(col(Pair.id)).limit(count)).all()
        due = Due("book", NOW, period=0, until=NOW + timedelta(days=30))
        replies = [nudges.nudge(pair, programme, due, translator(programme.locale)) for pair in pairs]
        started = time.perf_counter()
        for begin in range(0, len(replies), 500):
            queue.write(session, programme, NOW, replies[begin : begin + 500])
        elapsed = time.perf_counter() - started
        session.execute(update(Outbox).values(not_before=datetime.now(UTC) - timedelta(seconds=1), expires_at=None))
        session.commit()
    if seeded.engine.dialect.name == "postgresql":
        # As after the seeding: the planner learns of the burst now, as autovacuum would tell it within a minute,
        # not while one run is measured and the next is not.
        with seeded.engine.connect() as connection:
            connection.execute(text("ANALYZE outbox"))
            connection.commit()
    return elapsed


def cpu() -> float:
    """Seconds of CPU this process has used, in every thread: the local Slack's share is in it, as in the baseline's."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def deliver(database: str, url: str, count: int, concurrencies: Sequence[int]) -> None:
    """The same `count` nudges sent by the worker at each concurrency, then from memory at the application's.

    The local Slack runs in this process and costs CPU for each call, in both measures: the CPU per message of
    each, side by side, shows what the outbox itself costs beside it."""
    seeded = seed(url, count, random.Random(count))
    slack = LocalSlack(None)
    runner, api_url = await serve(slack)
    measured: list[tuple[int, int, float, float]] = []
    try:
        for concurrency in concurrencies:
            written = queue_nudges(seeded, count)
            before = cpu()
            sent, elapsed = await through_the_outbox(seeded.bot, api_url, concurrency)
            measured.append((concurrency, sent, elapsed, cpu() - before))
            if concurrency == concurrencies[0]:
                print(f"delivery on {database}: {count} nudges queued by queue.write in {written:.2f} s")
        before = cpu()
        baseline = await straight(seeded.bot, api_url, Worker.CONCURRENCY)
        baseline_cpu = cpu() - before
    finally:
        await runner.cleanup()
        seeded.engine.dispose()
    for concurrency, sent, elapsed, used in measured:
        rate = sent / elapsed
        print(
            f"  worker, {concurrency} in flight: {sent} sent to the local Slack, unthrottled, in {elapsed:.2f} s: "
            f"{rate:.0f} messages/s, {rate * baseline / count:.2f} of the baseline's rate, "
            f"CPU {used / sent * 1000:.2f} ms a message; goal over 500 messages/s: {'met' if rate > 500 else 'NOT met'}"
        )
    print(
        f"  baseline, the same messages straight from memory, {Worker.CONCURRENCY} in flight: {baseline:.2f} s, "
        f"{count / baseline:.0f}/s, CPU {baseline_cpu / count * 1000:.2f} ms a message"
    )


@contextmanager
def database_url(database: str, folder: str) -> Iterator[str]:
    with fresh(POSTGRES if database == "postgresql" else None, folder) as url:
        yield url


def report(figures: list[Figure]) -> None:
    print(f"{'database':<12}{'pairs':>8}{'due':>8}{'seconds':>10}{'written':>9}{'outbox':>8}{'ms/due pair':>13}")
    for f in figures:
        per = f"{f.seconds / f.due * 1000:.2f}" if f.due else "-"
        print(f"{f.database:<12}{f.pairs:>8}{f.due:>8}{f.seconds:>10.3f}{f.written:>9}{f.outbox:>8}{per:>13}")
    for database in dict.fromkeys(f.database for f in figures):
        idle = {f.pairs: f.seconds for f in figures if f.database == database and f.due == 0}
        small, large = min(idle), max(idle)
        if small != large:
            print(f"{database}: nothing due at {large} / nothing due at {small}: {idle[large] / idle[small]:.2f}")
        slowest = max(f.seconds for f in figures if f.database == database and f.pairs == large)
        print(
            f"{database}: slowest tick at {large} pairs {slowest:.2f} s; goal under 1 s: "
            f"{'met' if slowest < 1 else 'NOT met'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--messages", type=int, default=10000, help="due messages to deliver")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--only", choices=("tick", "delivery"), help="one of the two measures")
    args = parser.parse_args()
    sizes = [100, 1000] if args.quick else [int(s) for s in args.pairs.split(",")]
    messages = 100 if args.quick else args.messages
    databases = args.databases.split(",")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        for database in databases if args.only != "delivery" else ():
            for size in sizes:
                with database_url(database, folder) as url:
                    figures += measure(database, url, size)
                if database == "sqlite":
                    Path(folder, "bench.db").unlink()
        if figures:
            report(figures)
        for database in databases if args.only != "tick" else ():
            with database_url(database, folder) as url:
                asyncio.run(deliver(database, url, messages, (16,) if args.quick else (16, Worker.CONCURRENCY)))
            if database == "sqlite":
                Path(folder, "bench.db").unlink()
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
