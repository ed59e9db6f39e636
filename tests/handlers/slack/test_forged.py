"""Signed requests whose values are forged: out of range, too long, of the wrong type. Each is refused cleanly."""

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.models import Person, Workspace
from tests.conftest import COORDINATOR, Clock, SlackWorld, slack_world

ANA = "UANA0001"
NO_LONGER = "no longer works"
TRIGGERS = itertools.count(1)  # each press its own, as Slack gives them


@pytest.fixture
async def world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    async with slack_world(engine, clock) as world:
        yield world


def rows(world: SlackWorld) -> tuple[list[str], list[str]]:
    with Session(world.bot.engine) as session:
        people = [p.user_id for p in session.exec(select(Person)).all()]
        workspaces = [w.external_id for w in session.exec(select(Workspace)).all()]
    return people, workspaces


def interaction(world: SlackWorld, user: Any = ANA, team: Any = None) -> dict[str, Any]:
    team = world.fake.team_id if team is None else team
    return {
        "team": {"id": team, "domain": "passerelle-test"},
        "user": {"id": user, "username": "ana", "name": "ana", "team_id": team},
        "api_app_id": "A0PASSE",
        "token": "legacy",
        "trigger_id": f"{next(TRIGGERS)}.t",
    }


def block_actions(world: SlackWorld, actions: Any, **who: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        **interaction(world, **who),
        "actions": actions,
        "container": {"type": "message", "message_ts": "1764000000.000001", "channel_id": "DANA0001"},
        "channel": {"id": "DANA0001", "name": "directmessage"},
        "response_url": world.fake.response_url("forged"),
        "is_enterprise_install": False,
    }


def button(action_id: Any, value: Any) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "block_id": "b1",
        "type": "button",
        "text": {"type": "plain_text", "text": "Go"},
        "value": value,
        "action_ts": "1764000000.000002",
    }


def view_submission(world: SlackWorld, callback_id: Any, values: Any, metadata: Any = "", **who: Any) -> dict[str, Any]:
    return {
        "type": "view_submission",
        **interaction(world, **who),
        "view": {
            "id": "VMODAL01",
            "team_id": world.fake.team_id,
            "type": "modal",
            "callback_id": callback_id,
            "title": {"type": "plain_text", "text": "Form"},
            "state": {"values": values},
            "private_metadata": metadata,
            "hash": "1.h",
        },
        "is_enterprise_install": False,
    }


async def post_payload(world: SlackWorld, payload: dict[str, Any]) -> tuple[int, str]:
    sent = await world.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    return sent.status, sent.body


async def answered(world: SlackWorld, *expected: str) -> str:
    """What the person was told, in a DM or through the response_url, once it holds one of `expected`."""
    for _ in range(1000):
        told = " ".join(c.text for c in world.fake.calls if c.method in ("chat.postMessage", "response_url"))
        if any(e in told for e in expected):
            return told
        await asyncio.sleep(0.01)
    return told


def quiet_log(caplog: pytest.LogCaptureFixture) -> bool:
    """One line at most, and no traceback."""
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    return len(loud) <= 1 and not any(r.exc_info for r in loud) and "Traceback" not in caplog.text


# Values a forged button may carry where the route expects an id: each must read as a retired button.
FORGED_VALUES = [
    "9" * 5000,
    "9" * 20,
    "2147483648",
    "0",
    "-1",
    "⓵",
    "١٢",
    "1\x00",
    " 1",
    5,
    None,
    ["1"],
    {"id": 1},
]


@pytest.mark.parametrize("action_id", ["pair.commit", "match.page"])
@pytest.mark.parametrize("value", FORGED_VALUES, ids=repr)
async def test_a_forged_button_value_reads_as_a_button_that_no_longer_works(
    world: SlackWorld, action_id: str, value: Any
) -> None:
    status, _ = await post_payload(world, block_actions(world, [button(action_id, value)]))
    assert status == 200
    coordinators_only = "for the programme's coordinators"
    text = await answered(world, NO_LONGER, coordinators_only)
    assert NO_LONGER in text or coordinators_only in text
    assert rows(world) == ([ANA], [world.fake.team_id])  # the person who pressed, and nothing else


@pytest.mark.parametrize(
    "actions",
    [[], None, 5, "x", [5], [button(5, "1")], [button(None, "1")], [button("a" * 5000, "1")], [{"type": "button"}]],
    ids=repr,
)
async def test_a_forged_list_of_actions_gets_the_generic_answer(world: SlackWorld, actions: Any) -> None:
    status, body = await post_payload(world, block_actions(world, actions))
    assert status < 500 and "Traceback" not in body
    if status == 200:
        assert NO_LONGER in await answered(world, NO_LONGER)
    assert rows(world)[0] in ([], [ANA])  # the person who pressed, if anyone


# A user or team id no platform would send: empty, over the column width, with a NUL, not a string.
FORGED_IDS = ["", "U" * 65, "U" * 101, "UANA\x00", "UANA\n", " ", 7, None, ["UANA0001"], {"id": "UANA0001"}]


@pytest.mark.parametrize("user", FORGED_IDS, ids=repr)
async def test_a_press_from_a_forged_user_id_stores_no_one_and_fails_no_request(
    world: SlackWorld, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = await post_payload(world, block_actions(world, [button("join", "")], user=user))
    assert (status, body) == (400, "unexpected payload")
    assert quiet_log(caplog)
    await world.fake.quiet(0.2)
    assert rows(world) == ([], [])


@pytest.mark.parametrize("team", [t for t in FORGED_IDS if t not in ("", None)], ids=repr)
async def test_a_press_from_a_forged_team_id_stores_no_workspace(
    world: SlackWorld, team: Any, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = await post_payload(world, block_actions(world, [button("join", "")], team=team))
    assert (status, body) == (400, "unexpected payload")
    assert quiet_log(caplog)
    await world.fake.quiet(0.2)
    assert rows(world) == ([], [])


@pytest.mark.parametrize("user", FORGED_IDS, ids=repr)
async def test_a_message_from_a_forged_user_id_stores_no_one(
    world: SlackWorld, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    event = world.send.message_event(ANA, "hello")
    event["user"] = user
    sent = await world.send.post(world.send.event_body(event), "application/json")
    assert sent.status == 400 and quiet_log(caplog)
    await world.fake.quiet(0.2)
    assert rows(world) == ([], [])


@pytest.mark.parametrize("text", [5, None, ["hello"], {"text": "hello"}], ids=repr)
async def test_a_message_whose_text_is_not_text_is_read_as_empty(world: SlackWorld, text: Any) -> None:
    event = world.send.message_event(ANA, "hello")
    event["text"] = text
    sent = await world.send.post(world.send.event_body(event), "application/json")
    assert sent.status == 200
    # The bot answers an empty message as it answers any other: with the start of the conversation.
    assert "what I keep and who sees it" in await answered(world, "what I keep")


@pytest.mark.parametrize("user", ["", "U" * 65, "UANA\x00", "UANA\x7f"], ids=repr)
async def test_a_command_from_a_forged_user_id_stores_no_one(
    world: SlackWorld, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await world.send.post(world.send.command_body(user, "help"), "application/x-www-form-urlencoded")
    assert sent.status == 400 and quiet_log(caplog)
    await world.fake.quiet(0.2)
    assert rows(world) == ([], [])


@pytest.mark.parametrize("callback_id", [5, None, "", "form:", "form:" + "x" * 5000, "form:pause:1", "form:nothing"])
async def test_a_forged_form_callback_is_refused_without_a_failure(
    world: SlackWorld, callback_id: Any, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = await post_payload(world, view_submission(world, callback_id, {}))
    assert (status, body) == (200, "")
    assert "That form no longer works" in await answered(world, "That form no longer works")
    assert quiet_log(caplog) and rows(world) == ([ANA], [world.fake.team_id])


@pytest.mark.parametrize(
    "values",
    [
        5,
        None,
        [],
        {"until": 5},
        {"until": {"until": 5}},
        {"until": {"until": {"type": "datepicker", "selected_date": 20270301}}},
        {"until": {"until": {"type": "datepicker", "selected_date": "2027-03-01\x00"}}},
        {"until": {"until": {"type": "datepicker", "selected_date": "9" * 5000}}},
        {"objective1": {"objective1": {"type": "plain_text_input", "value": ["x"]}}},
    ],
    ids=repr,
)
@pytest.mark.parametrize("callback_id", ["form:pause", "form:pair.objectives:" + "9" * 20, "form:pair.objectives:1"])
async def test_wrong_types_inside_a_forms_values_are_refused_without_a_failure(
    world: SlackWorld, callback_id: str, values: Any
) -> None:
    status, body = await post_payload(world, view_submission(world, callback_id, values, metadata="\x00" * 3000))
    assert status == 200 and "Traceback" not in body
    if body:
        assert "errors" in json.loads(body) or NO_LONGER in body


@pytest.mark.parametrize("metadata", [5, None, ["x"], "{not json", "\x00" * 3000])
async def test_junk_private_metadata_is_ignored(world: SlackWorld, metadata: Any) -> None:
    status, body = await post_payload(world, view_submission(world, "form:pause", {}, metadata=metadata))
    assert status == 200 and "Traceback" not in body


@pytest.mark.parametrize("typed", ["<@" + "U" * 101 + ">", "<@" + "U" * 65 + "|ana>", "@" + "U1" * 40])
async def test_a_mention_of_an_id_too_long_for_its_column_names_nobody(world: SlackWorld, typed: str) -> None:
    await world.send.command(COORDINATOR, f"coordinators add {typed}")
    assert "Mention the person with @" in (await world.fake.next("response_url")).text
    assert rows(world)[0] == [COORDINATOR]
