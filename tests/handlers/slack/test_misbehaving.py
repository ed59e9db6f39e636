"""What an attacker's and a misbehaving Slack's tryout found: each is refused or survived cleanly, nothing is lost."""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.models import Outbox, OutboxState, Pair, PairStatus, Person, Programme
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, Clock, SlackWorld, slack_world
from tests.doubles.slack_api import Fault
from tests.handlers.slack.test_forged import block_actions, button, post_payload, quiet_log, view_submission
from tests.handlers.slack.test_outbox import confirm, delivered, introductions

ANA = "UANA0001"


@pytest.fixture
async def world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    async with slack_world(engine, clock, timeout=1) as found:
        yield found


def people(world: SlackWorld) -> list[str]:
    with Session(world.bot.engine) as session:
        return [p.user_id for p in session.exec(select(Person)).all()]


# Unsigned requests that used to crash the verification itself.


@pytest.mark.parametrize(
    ("stamp", "signature"),
    [
        (None, "v0=\u00e9"),  # a signature that is not ASCII: comparing it raised TypeError
        ("9" * 4301, "v0=00"),  # a timestamp int() refuses to read
        ("9" * 13, "v0=00"),
    ],
    ids=["non-ascii-signature", "4301-digits", "13-digits"],
)
async def test_an_unsigned_request_that_broke_verification_gets_401_and_no_traceback(
    world: SlackWorld, caplog: pytest.LogCaptureFixture, stamp: str | None, signature: str
) -> None:
    caplog.set_level(logging.DEBUG)
    timestamp = int(stamp) if stamp and len(stamp) < 4000 else None
    sent = await world.send.post(
        "x",
        "application/x-www-form-urlencoded",
        timestamp=timestamp if timestamp is not None else int(time.time()),
        signature=signature,
        headers={"X-Slack-Request-Timestamp": stamp} if stamp else None,
    )
    assert sent.status == 401
    assert "Traceback" not in caplog.text and world.fake.calls == []


@pytest.mark.parametrize("depth", [10_000, 100_000])
async def test_signed_json_nested_thousands_deep_gets_400(
    world: SlackWorld, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    sent = await world.send.post('{"a":' * depth + "1" + "}" * depth, "application/json")
    assert sent.status == 400 and quiet_log(caplog)
    sent = await world.send.post(urlencode({"payload": "[" * depth}), "application/x-www-form-urlencoded")
    assert sent.status == 400 and quiet_log(caplog)


# Signed but forged ids and texts.


@pytest.mark.parametrize("user", ["5", "7", "None", "<@U2>", "u_lower", "U"])
async def test_a_command_from_an_id_no_slack_client_sends_stores_no_one(world: SlackWorld, user: str) -> None:
    sent = await world.send.command(user, "help")
    assert sent.status == 400 and people(world) == []
    assert world.fake.calls == []


@pytest.mark.parametrize("event_id", ["Ev\x00x", "E" * 5000, 7])
async def test_an_event_id_that_could_not_be_stored_is_refused(world: SlackWorld, event_id: object) -> None:
    body = json.loads(world.send.event_body(world.send.message_event(ANA, "hello")))
    body["event_id"] = event_id
    sent = await world.send.post(json.dumps(body), "application/json")
    assert sent.status == 400 and people(world) == []


async def test_control_characters_typed_are_not_stored_or_repeated(world: SlackWorld) -> None:
    await world.send.command(COORDINATOR, "program set name \x00Mentorat\x07 2027")
    await world.fake.next("response_url")
    with Session(world.bot.engine) as session:
        assert [p.name for p in session.exec(select(Programme)).all()] == ["Mentorat 2027"]


# A misbehaving Slack.


async def test_an_answer_that_is_not_json_is_survived_and_the_next_message_is_answered(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    world.fake.fail("chat.postMessage", Fault(raw="<html>oops</html>"))
    await world.send.message(ANA, "hello")
    await world.fake.next("chat.postMessage")
    await world.fake.settle()
    assert "Task exception was never retrieved" not in caplog.text and "AttributeError" not in caplog.text
    await world.send.message(ANA, "yes")
    assert "role" in (await world.fake.next("chat.postMessage")).text


async def test_a_conversation_opened_without_its_id_never_sends_a_pairs_message_to_one_member(
    world: SlackWorld,
) -> None:
    many_volunteers(world.bot, world.clock(), 1)
    world.fake.fail("conversations.open", Fault(raw='{"ok": true}'), times=3)
    assert "1 pair confirmed" in await confirm(world)
    await delivered(world)
    with Session(world.bot.engine) as session:
        pair = session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).one()
        members = {p.id: p.user_id for p in session.exec(select(Person)).all()}
    (intro,) = [c for c in world.fake.of("chat.postMessage") if "Your reverse-mentoring pair" in c.text]
    assert intro.args["channel"] not in (members[pair.mentor_id], members[pair.mentee_id])
    assert sum(introductions(world.fake).values()) == 1


async def test_a_token_slack_refuses_holds_the_message_instead_of_giving_it_up(world: SlackWorld) -> None:
    many_volunteers(world.bot, world.clock(), 1)
    world.fake.fail("chat.postMessage", Fault(error="invalid_auth"), times=2)
    await confirm(world)
    await world.fake.quiet(0.5)
    with Session(world.bot.engine) as session:
        states = {row.state for row in session.exec(select(Outbox)).all()}
    assert OutboxState.UNDELIVERABLE not in states
    await delivered(world)
    assert sum(introductions(world.fake).values()) == 1
    assert not [c for c in world.fake.of("chat.postMessage") if "I could not deliver" in c.text]


async def test_a_form_is_answered_in_time_while_slack_is_slow_to_say_who_sent_it(world: SlackWorld) -> None:
    world.fake.fail("users.info", Fault(delay=6), times=3)
    started = time.monotonic()
    payload = view_submission(world, "form:pause", {"until": {"until": {"type": "datepicker", "selected_date": ""}}})
    status, _ = await post_payload(world, payload)
    # Bolt answers 404 to a request it could not acknowledge within its 3 seconds.
    assert status == 200
    assert time.monotonic() - started < 3


# Logs.


async def test_a_command_no_listener_takes_is_logged_without_its_words(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = world.send.command_body(ANA, "MY-PRIVATE-TEXT").replace("%2Fmentoring", "%2Fother")
    sent = await world.send.post(body, "application/x-www-form-urlencoded")
    assert sent.status in (200, 404)
    await asyncio.sleep(0.1)
    assert "MY-PRIVATE-TEXT" not in caplog.text and "Suggestion" not in caplog.text


async def test_a_press_or_a_command_replayed_is_done_once(world: SlackWorld) -> None:
    payload = block_actions(world, [button("join", "")])
    answers = await asyncio.gather(*(post_payload(world, payload) for _ in range(5)))
    assert {status for status, _ in answers} == {200}
    await world.fake.settle()
    assert people(world).count(ANA) == 1
    welcomes = [c for c in world.fake.of("chat.postMessage") if c.args.get("channel") == ANA]
    assert len(welcomes) == 1, [c.text[:40] for c in welcomes]
    body = world.send.command_body(COORDINATOR, "program set name Mentorat")
    for _ in range(3):
        assert (await world.send.post(body, "application/x-www-form-urlencoded")).status == 200
    await world.fake.settle()
    assert len([c for c in world.fake.of("response_url") if "Mentorat" in c.text]) == 1


@pytest.mark.parametrize("tokens", ["x", {"oauth": "U1", "bot": []}, None])
async def test_a_tokens_revoked_event_of_another_shape_revokes_nothing(
    world: SlackWorld, caplog: pytest.LogCaptureFixture, tokens: object
) -> None:
    sent = await world.send.post(
        world.send.event_body({"type": "tokens_revoked", "tokens": tokens, "event_ts": "1764000000.000100"}),
        "application/json",
    )
    assert sent.status == 200
    await world.fake.settle()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no listener failed"
    await world.send.message(ANA, "hello")
    assert "what I keep" in (await world.fake.next("chat.postMessage")).text
