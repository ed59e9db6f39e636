"""Two people acting at the same moment, on SQLite and PostgreSQL, each going through the core as a channel would:
threads that meet inside their transactions, so that without a lock both would read the same state."""

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.actor import Actor
from bot.service import Passerelle
from bot.ui import Outcome
from storage.models import Commitment, Pair, Person, RematchRequest
from tests.bot.dialog import flat, neutral, queued, slackish
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer, many_volunteers
from tests.conftest import Clock

COORD = "UCOORD01"
PAIRS = 4
WAIT = 0.5  # seconds a thread holding a lock waits for a partner that the lock keeps out
T = TypeVar("T")
met = threading.local()  # each thread's barrier, until it first reads the pairs


@pytest.fixture
def bot(engine: Engine) -> Iterator[Passerelle]:
    """Each thread of `at_once` stops before its first read of the pairs until its partner gets there too; a
    partner blocked by a lock never does, and the thread goes on after WAIT."""

    def before(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        barrier = getattr(met, "barrier", None)
        if barrier is not None and "FROM pair" in statement:
            met.barrier = None
            with suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=WAIT)

    event.listen(engine, "before_cursor_execute", before)
    yield Passerelle(engine, coordinators=frozenset({COORD, "UCOORD02"}))
    event.remove(engine, "before_cursor_execute", before)


def actor(user: str) -> Actor:
    return Actor("slack", "T0PASSE", user)


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run the calls in threads started together, met two by two inside their transactions; their results in
    order, or the first error raised."""
    start = threading.Barrier(len(calls))
    partners = [threading.Barrier(2) for _ in range(0, len(calls), 2)]
    results: list[T | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], T]) -> None:
        met.barrier = partners[index // 2]
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [r for r in results if r is not None]


def pairs(bot: Passerelle) -> list[Pair]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Pair).order_by(Pair.id)).all())  # type: ignore[arg-type]


def test_two_confirmations_at_once_confirm_and_introduce_each_pair_once(bot: Passerelle, clock: Clock) -> None:
    many_volunteers(bot, clock.now, PAIRS)
    bot.command(actor(COORD), "match", clock.now)
    outcomes = at_once(
        *(lambda user=user: bot.command(actor(user), "match confirm", clock.now) for user in (COORD, "UCOORD02"))
    )
    sent = queued(bot)
    introductions = [q for q in sent if q.key.startswith("intro:pair:")]
    assert len(introductions) == PAIRS and len({q.to for q in introductions}) == PAIRS
    guides = [q for q in sent if "A few words for mentors" in q.text]
    assert len(guides) == PAIRS
    answers = sorted(flat(o.replies[0].message).split(";")[0] for o in outcomes)
    assert answers == [f"{PAIRS} pairs confirmed", "There is no proposal to confirm. Type `match` to prepare one."]
    assert [p.status for p in pairs(bot)] == ["active"] * PAIRS


def test_both_members_committing_at_once_are_both_recorded_and_shown(bot: Passerelle, clock: Clock) -> None:
    many_volunteers(bot, clock.now, PAIRS)
    bot.command(actor(COORD), "match", clock.now)
    bot.command(actor(COORD), "match confirm", clock.now)
    with Session(bot.engine) as session:
        users = {p.id: p.user_id for p in session.exec(select(Person)).all()}
    presses = [(pair, users[member]) for pair in pairs(bot) for member in (pair.mentor_id, pair.mentee_id)]
    outcomes: list[Outcome] = at_once(
        *(
            lambda pair=pair, user=user: bot.pressed(actor(user), "pair.commit", [str(pair.id)], clock.now)
            for pair, user in presses
        )
    )
    with Session(bot.engine) as session:
        assert len(session.exec(select(Commitment)).all()) == 2 * PAIRS
    for pair in pairs(bot):
        both = f"Committed: <@{users[pair.mentor_id]}>, <@{users[pair.mentee_id]}>"
        shown = [slackish(flat(o.replace)) for o in outcomes if o.replace and f"pair.commit:{pair.id}" in _buttons(o)]
        assert len(shown) == 2 and any(both in text for text in shown)  # the one who pressed second sees both


def _buttons(outcome: Outcome) -> set[str]:
    assert outcome.replace is not None
    return {f"{b.action}:{b.value}" for block in outcome.replace.blocks for b in getattr(block, "buttons", ())}


def test_two_pairings_of_one_mentee_at_once_make_one_pair(bot: Passerelle, clock: Clock) -> None:
    for mentor in ("UTOM0001", "UPAUL001"):
        a_volunteer(bot, mentor, clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    outcomes = at_once(
        *(
            lambda user=user, mentor=mentor: bot.command(
                actor(user), neutral(f"pair <@{mentor}> <@USOPHIE1>"), clock.now
            )
            for user, mentor in ((COORD, "UTOM0001"), ("UCOORD02", "UPAUL001"))
        )
    )
    refused = [o for o in outcomes if "is in the pinned pair" in flat(o.replies[0].message)]
    assert len(refused) == 1
    assert len(pairs(bot)) == 1
    bot.command(actor(COORD), "match confirm", clock.now)
    assert [p.status for p in pairs(bot)] == ["active"]


def test_two_coordinators_ending_a_pair_at_once_end_it_once(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    bot.command(actor(COORD), "match", clock.now)
    bot.command(actor(COORD), "match confirm", clock.now)
    [pair] = pairs(bot)
    bot.pressed(actor("USOPHIE1"), "pair.rematch.confirm", [str(pair.id)], clock.now)
    with Session(bot.engine) as session:
        [request] = session.exec(select(RematchRequest)).all()
    before = len(queued(bot))
    outcomes = at_once(
        *(
            lambda user=user: bot.pressed(actor(user), "rematch.end", [str(request.id)], clock.now)
            for user in (COORD, "UCOORD02")
        )
    )
    ended = [o for o in outcomes if o.replace is not None]
    late = [flat(o.replies[0].message) for o in outcomes if o.replace is None]
    assert len(ended) == 1 and len(late) == 1 and "This pair has already ended" in late[0]
    told = [q for q in queued(bot)[before:] if q.key.startswith(f"ended:pair:{pair.id}:person:")]
    assert sorted(q.to for q in told) == [("USOPHIE1",), ("UTOM0001",)]
    assert [p.status for p in pairs(bot)] == ["ended"]
