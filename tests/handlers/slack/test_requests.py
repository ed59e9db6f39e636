"""Requests as Slack sends them: signatures, stale timestamps, redeliveries, acknowledgements, odd payloads."""

import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlmodel import Session, select

from storage.models import Delivery, Person
from tests.conftest import SlackWorld
from tests.doubles.slack_api import Call

ANA = "UANA0001"


async def test_a_request_with_a_wrong_signature_is_refused_and_changes_nothing(slack: SlackWorld) -> None:
    body = slack.send.event_body(slack.send.message_event(ANA, "hello"))
    sent = await slack.send.post(body, "application/json", signature="v0=" + "0" * 64)
    assert sent.status == 401
    await slack.fake.quiet(0.2)
    assert slack.fake.of("chat.postMessage") == []
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Person)).all() == []


async def test_a_request_signed_more_than_five_minutes_ago_is_refused(slack: SlackWorld) -> None:
    stale = int(time.time()) - 6 * 60
    sent = await slack.send.post(
        slack.send.command_body(ANA, "help"), "application/x-www-form-urlencoded", timestamp=stale
    )
    assert sent.status == 401
    await slack.fake.quiet(0.2)
    assert slack.fake.of("response_url") == []


async def test_a_redelivered_event_is_handled_once(slack: SlackWorld) -> None:
    first = await slack.send.message(ANA, "hello", event_id="Ev0REDELIVER")
    again = await slack.send.message(ANA, "hello", event_id="Ev0REDELIVER", retry=1)
    assert (first.status, again.status) == (200, 200)
    await slack.fake.next("chat.postMessage")
    await slack.fake.quiet()
    assert len(slack.fake.of("chat.postMessage")) == 1
    with Session(slack.bot.engine) as session:
        assert [d.delivery_id for d in session.exec(select(Delivery)).all()] == ["Ev0REDELIVER"]


async def test_a_slash_command_is_acknowledged_empty_and_answered_privately_afterwards(slack: SlackWorld) -> None:
    sent = await slack.send.command(ANA, "help")
    assert (sent.status, sent.body) == (200, "")
    answer = await slack.fake.next("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert "`join`" in answer.text and "`announce #channel`" not in answer.text


async def test_the_bots_own_messages_and_edits_in_the_dm_are_ignored(slack: SlackWorld) -> None:
    event = slack.send.message_event(ANA, "a message from the bot itself")
    event["bot_id"] = "BPASSBOT"
    await slack.send.post(slack.send.event_body(event), "application/json")
    edited = slack.send.message_event(ANA, "hello")
    edited["subtype"] = "message_changed"
    sent = await slack.send.post(slack.send.event_body(edited), "application/json")
    assert sent.status == 200
    await slack.fake.quiet()
    assert slack.fake.of("chat.postMessage") == []


async def test_a_malformed_interaction_payload_gets_a_clean_refusal(slack: SlackWorld) -> None:
    sent = await slack.send.post("payload=%7Bnot-json", "application/x-www-form-urlencoded")
    assert 400 <= sent.status < 500
    sent = await slack.send.post('{"type": "event_callback", "event": []}', "application/json")
    assert sent.status < 500


async def test_a_button_from_an_old_message_gets_a_clear_answer(slack: SlackWorld) -> None:
    await slack.send.message(ANA, "hello")
    consent = await slack.fake.next("chat.postMessage")
    await slack.send.message(ANA, "no")
    assert "nothing was stored" in (await slack.fake.next("chat.postMessage")).text
    await slack.send.press(ANA, consent, "I agree, let's start")
    assert "This conversation has ended" in (await slack.fake.next("chat.postMessage")).text
    legacy = consent.args | {
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Old"},
                        "action_id": "retired_action",
                        "value": "x",
                    }
                ],
            }
        ]
    }
    await slack.send.press(ANA, Call("chat.postMessage", legacy, {}), "Old")
    assert "That button no longer works" in (await slack.fake.next("chat.postMessage")).text


async def test_the_health_check_answers(slack: SlackWorld) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{slack.send.app_url}/healthz") as response:
        assert response.status == 200 and json.loads(await response.text()) == {"status": "ok"}


async def test_an_unverifiable_timestamp_is_refused_and_nothing_is_sent_to_anyone(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """A forged body naming a response_url and a user: refused before Bolt reads it, so nobody hears anything."""
    body = slack.send.command_body(ANA, "help secret-words").replace(
        "respond", "respond-forged"
    )  # the response_url an attacker would write
    for stamp in ("not-a-number", "", "١٢٣", "-5"):
        sent = await slack.send.post(
            body, "application/x-www-form-urlencoded", headers={"X-Slack-Request-Timestamp": stamp}
        )
        assert sent.status == 401
    await slack.fake.quiet(0.2)
    assert [c for c in slack.fake.calls if c.method != "auth.test"] == []
    assert "secret-words" not in caplog.text  # nothing of an unverified body in the log


@pytest.mark.parametrize(
    "body",
    ["[1,2]", "5", "null", '{"team": 5}', '{"authorizations": 5}', '{"response_urls": [1]}', "[" * 5000 + "]" * 5000],
)
async def test_an_unsigned_body_of_any_shape_is_refused_before_it_is_parsed(slack: SlackWorld, body: str) -> None:
    sent = await slack.send.post(body, "application/json", signature="v0=" + "1" * 64)
    assert sent.status == 401 and "Traceback" not in sent.body


@pytest.mark.parametrize("view", [{"callback_id": "form:x"}, {"type": 5, "callback_id": "form:x"}])
async def test_a_signed_form_whose_view_has_no_type_gets_a_clean_refusal(
    slack: SlackWorld, view: dict[str, object]
) -> None:
    payload = {"type": "view_submission", **slack.send._interaction(ANA), "view": view}
    sent = await slack.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert 400 <= sent.status < 500 and "Traceback" not in sent.body
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Person)).all() == []
