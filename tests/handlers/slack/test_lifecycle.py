"""The pair lifecycle over HTTP with the Slack double: reminders under faults, and a pulse answered in Slack."""

import json
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.models import Address, Pair, Person, Pulse
from tests.bot.volunteers import many_volunteers
from tests.conftest import Clock, SlackWorld, slack_world
from tests.doubles.slack_api import Fault
from tests.handlers.slack.test_outbox import confirm, delivered

PAIRS = 12
CLOSED = "UM000003"  # a mentor whose account was closed after the introductions


@pytest.fixture
async def world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    async with slack_world(engine, clock, timeout=1) as found:
        yield found


def channel_of(world: SlackWorld, mentor: str) -> str:
    """The group conversation of that mentor's pair."""
    with Session(world.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == mentor)).one()
        pair = session.exec(select(Pair).where(Pair.mentor_id == person.id)).one()
        address = session.exec(select(Address).where(Address.owner == "pair", Address.owner_id == pair.id)).one()
    return str(address.ref["channel"])


def reminders(world: SlackWorld) -> Counter[str]:
    return world.fake.held("nothing is booked yet")


async def test_faults_during_the_reminders_lose_none_and_send_none_twice(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), PAIRS)
    await confirm(world)
    await delivered(world)
    fake = world.fake
    closed = channel_of(world, CLOSED)
    fake.fail("chat.postMessage", Fault(status=429, retry_after=20), times=3)
    fake.fail("chat.postMessage", Fault(status=500), times=4)
    fake.fail("chat.postMessage", Fault(error="account_inactive", only=closed), times=5)  # a mentor who left
    fake.fail("chat.postMessage", Fault(delay=3, accepted=True))  # posted, but the answer never came in time
    fake.fail("chat.postMessage", Fault(delay=3))  # a hang; nothing posted
    world.clock.travel(days=7)  # five working days later, within working hours: nothing is booked
    await world.fake.quiet(0.2)
    world.bot.tick(world.clock())
    world.bot.tick(world.clock())  # a second tick, at the same moment, writes nothing more
    await delivered(world, hours=12)
    seen = reminders(world)
    assert len(seen) == PAIRS - 1 and set(seen.values()) == {1}
    notices = [c for c in fake.of("chat.postMessage") if "I could not deliver" in c.text]
    assert len(notices) == 1 and f"<@{CLOSED}>" in notices[0].text  # the one that could not go is told, once
    assert fake.of("conversations.history"), "the reminder lost in the hang was looked for before sending again"


async def test_a_pulse_reaches_each_member_privately_and_is_answered_in_a_slack_form(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 1)
    await confirm(world)
    await delivered(world)
    world.clock.travel(days=7)
    world.bot.tick(world.clock())
    reminder = await world.fake.posted("nothing is booked yet")
    with Session(world.bot.engine) as session:
        pair = session.exec(select(Pair)).one()
        mentee = session.get(Person, pair.mentee_id)
        assert mentee is not None
    await world.send.press(mentee.user_id, reminder, "We already met")
    await world.fake.next("response_url")
    world.clock.travel(minutes=2)
    world.bot.tick(world.clock())
    question = await world.fake.posted("How was your session", channel=mentee.user_id)
    assert question.args["channel"] != reminder.args["channel"]  # in their direct messages, not the pair's
    await world.send.press(mentee.user_id, question, "It happened: answer (1 minute)")
    form = (await world.fake.next("views.open")).args["view"]
    values = {
        "rating": {"rating": {"type": "static_select", "selected_option": {"value": "5"}}},
        "progress": {"progress": {"type": "static_select", "selected_option": {"value": "4"}}},
        "comment": {"comment": {"type": "plain_text_input", "value": "Loved the prompts"}},
        "fit": {"fit": {"type": "static_select", "selected_option": {"value": "good"}}},
    }
    answered = await world.send.submit(mentee.user_id, form, values)
    assert answered.status == 200 and "errors" not in answered.body
    await world.fake.quiet(0.3)
    with Session(world.bot.engine) as session:
        pulse = session.exec(select(Pulse).where(Pulse.person_id == mentee.id)).one()
    assert (pulse.rating, pulse.progress, pulse.fit, pulse.comment) == (5, 4, "good", "Loved the prompts")
    posted = [json.dumps(c.args) for c in world.fake.of("chat.postMessage")]
    assert not any("Loved the prompts" in text for text in posted)  # the answer is shown to nobody
