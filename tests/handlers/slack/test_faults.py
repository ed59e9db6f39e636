"""Slack failing: rate limits, server errors, unknown users, inactive accounts. Nothing is lost or done twice."""

import aiohttp
from sqlmodel import Session, select

from storage.models import Conversation
from tests.conftest import SlackWorld
from tests.doubles.slack_api import Fault

ANA, GHOST = "UANA0001", "UGHOST01"


async def test_a_rate_limited_post_is_retried_after_the_delay_and_arrives_once(slack: SlackWorld) -> None:
    slack.fake.fail("chat.postMessage", Fault(status=429, retry_after=0))
    await slack.send.message(ANA, "hello")
    await slack.fake.next("chat.postMessage")  # the refused attempt
    consent = await slack.fake.next("chat.postMessage")
    assert "what I keep" in consent.text
    await slack.fake.quiet()
    assert len(slack.fake.of("chat.postMessage")) == 2


async def test_a_server_error_is_retried(slack: SlackWorld) -> None:
    slack.fake.fail("chat.postMessage", Fault(status=500))
    await slack.send.message(ANA, "hello")
    await slack.fake.next("chat.postMessage")
    assert "what I keep" in (await slack.fake.next("chat.postMessage")).text


async def test_an_unknown_user_still_gets_answers_in_the_programme_language(slack: SlackWorld) -> None:
    await slack.send.message(GHOST, "hello")
    assert "what I keep" in (await slack.fake.next("chat.postMessage")).text
    assert "users.info" in [c.method for c in slack.fake.calls]


async def test_an_inactive_account_loses_nothing_and_the_bot_keeps_serving(slack: SlackWorld) -> None:
    await slack.send.message(ANA, "hello")
    await slack.fake.next("chat.postMessage")
    slack.fake.fail("chat.postMessage", Fault(error="account_inactive"), times=2)
    await slack.send.message(ANA, "yes")
    await slack.fake.next("chat.postMessage")  # the question, refused
    await slack.fake.settle()  # the apology was refused too
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Conversation)).one().step == "role"  # the answer was kept
    await slack.send.message(ANA, "mentor")
    assert "Which topics" in (await slack.fake.next("chat.postMessage")).text
    async with aiohttp.ClientSession() as http, http.get(f"{slack.send.app_url}/healthz") as response:
        assert response.status == 200
