"""The outbox over HTTP with the Slack double misbehaving: every introduction arrives once, the lost are told."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.models import Commitment, Outbox, OutboxState, Pair
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, Clock, SlackWorld, slack_world
from tests.doubles.slack_api import FakeSlack, Fault

PAIRS = 50


@pytest.fixture
async def world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    """The Slack stack on SQLite and on PostgreSQL; the worker gives up on a call after 1 second."""
    async with slack_world(engine, clock, timeout=1) as found:
        yield found


def introductions(fake: FakeSlack) -> Counter[str]:
    return fake.held("Your reverse-mentoring pair")


def unsettled(engine: Engine) -> int:
    """Messages still waiting to be sent, or failures the coordinators have not been told of yet."""
    with Session(engine) as session:
        waiting = (OutboxState.PENDING, OutboxState.SENDING)
        failed = (OutboxState.UNDELIVERABLE, OutboxState.DEAD)
        return len(
            session.exec(
                select(Outbox).where(
                    col(Outbox.state).in_(waiting) | (col(Outbox.state).in_(failed) & col(Outbox.reported).is_(False))
                )
            ).all()
        )


async def delivered(world: SlackWorld, hours: int = 6) -> None:
    """Let the worker work, moving the clock a minute at a time, until nothing waits in the outbox."""
    for _ in range(hours * 60):
        await world.fake.quiet(0.1)
        if not unsettled(world.bot.engine):
            return
        world.clock.travel(minutes=1)
    pytest.fail(f"{unsettled(world.bot.engine)} messages still waiting after {hours} hours")


async def confirm(world: SlackWorld) -> str:
    await world.send.command(COORDINATOR, "match")
    await world.fake.next("response_url")
    await world.send.command(COORDINATOR, "match confirm")
    return (await world.fake.next("response_url")).text


async def test_faults_during_fifty_introductions_lose_nothing_and_send_nothing_twice(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), PAIRS)
    fake = world.fake
    inactive = "UM000007"  # a mentor whose account was closed
    for method in ("conversations.open", "chat.postMessage"):
        fake.fail(method, Fault(error="account_inactive", only=inactive), times=5)
    fake.fail("chat.postMessage", Fault(status=429, retry_after=20), times=3)
    fake.fail("chat.postMessage", Fault(status=500), times=4)  # more than any SDK would retry
    fake.fail("chat.postMessage", Fault(error="ratelimited"), times=3)  # Slack's own words, with HTTP 200
    fake.fail("conversations.open", Fault(status=503), times=2)
    fake.fail("chat.postMessage", Fault(delay=3, accepted=True))  # posted, but the answer never came in time
    fake.fail("chat.postMessage", Fault(delay=3))  # a hang; nothing posted
    answer = await confirm(world)
    assert f"{PAIRS} pairs confirmed; their introductions are on their way" in answer
    await delivered(world)
    seen = introductions(fake)
    assert len(seen) == PAIRS - 1 and set(seen.values()) == {1}
    # What each mentor's DM holds, not where the calls went: a guide sent again after a hang goes to the DM's own
    # id, the first try to the mentor's.
    guides = fake.held("A few words for mentors")
    assert len([c for c in guides if inactive[1:] not in c]) == PAIRS - 1 and set(guides.values()) == {1}
    notices = [c for c in fake.of("chat.postMessage") if "I could not deliver" in c.text]
    assert {c.args["channel"] for c in notices} <= {COORDINATOR, "D" + COORDINATOR[1:]}  # their DM
    told = [line for c in notices for line in c.text.splitlines() if line.startswith("•")]
    # Each message that could not be delivered is told once: the pair's introduction and the mentor's guide.
    assert len(told) == 2 and all(line.endswith(": their account is deactivated") for line in told)
    assert sorted(line.startswith(f"• <@{inactive}> – <@UE") for line in told) == [False, True]
    assert f"• <@{inactive}>: their account is deactivated" in told
    assert fake.of("conversations.history"), "the answer lost in the hang was looked for before sending again"


async def test_two_confirmations_at_once_introduce_every_pair_once(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 10)
    await world.send.command(COORDINATOR, "match")
    await world.fake.next("response_url")
    await asyncio.gather(*(world.send.command(COORDINATOR, "match confirm") for _ in range(2)))
    answers = [(await world.fake.next("response_url")).text for _ in range(2)]
    assert any("10 pairs confirmed" in text for text in answers)
    await delivered(world)
    assert set(introductions(world.fake).values()) == {1} and len(introductions(world.fake)) == 10
    guides = [c for c in world.fake.of("chat.postMessage") if "A few words for mentors" in c.text]
    assert len(guides) == 10
    with Session(world.bot.engine) as session:
        assert len(session.exec(select(Pair).where(Pair.status == "active")).all()) == 10


async def test_delivery_is_unthrottled_when_slack_is_fast(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 5)
    await confirm(world)
    await world.fake.posted("Your reverse-mentoring pair")
    await world.fake.quiet()
    assert len(introductions(world.fake)) == 5 and unsettled(world.bot.engine) == 0  # no clock moved: nothing waited


async def test_once_slack_says_to_wait_nothing_asks_it_again_before_the_time(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 5)
    world.fake.fail("conversations.open", Fault(status=429, retry_after=30))
    await confirm(world)
    await world.fake.quiet()
    asked = len(world.fake.of("conversations.open"))
    assert asked <= world.worker.concurrency  # only what was already in flight when Slack answered 429
    world.clock.travel(seconds=10)
    await world.fake.quiet()
    assert len(world.fake.of("conversations.open")) == asked  # the others wait, without asking Slack meanwhile
    assert len(introductions(world.fake)) == asked - 1
    world.clock.travel(seconds=34)
    await delivered(world)
    assert len(introductions(world.fake)) == 5 and set(introductions(world.fake).values()) == {1}


async def test_both_members_committing_at_once_are_both_recorded_and_both_shown(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 1)
    await confirm(world)
    intro = await world.fake.posted("Our charter")
    await world.fake.settle()
    sent = await asyncio.gather(*(world.send.press(user, intro, "I commit") for user in ("UM000000", "UE000000")))
    assert [s.status for s in sent] == [200, 200]
    updates = [await world.fake.next("chat.update") for _ in range(2)]
    with Session(world.bot.engine) as session:
        assert len(session.exec(select(Commitment)).all()) == 2
    # Whoever pressed second waited for the first: the message as it stands shows both.
    assert any("Committed: <@UM000000>, <@UE000000>" in update.text for update in updates)
