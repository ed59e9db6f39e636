"""What people write never reaches the log: not on a request that works, not on one that fails, at any level."""

import asyncio
import logging

import pytest

from tests.conftest import SlackWorld
from tests.doubles.slack_api import Fault
from tests.handlers.slack.test_commands import onboard

ANA = "UANA0001"
SECRET = "zanzibar-Quokka-7781"  # a word nothing else in a run would write


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG, Bolt's and slack_sdk's included: more than production ever logs."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_a_secret_typed_in_a_message_a_command_or_a_form_is_never_logged(
    slack: SlackWorld, everything: pytest.LogCaptureFixture
) -> None:
    await onboard(slack, ANA)
    # Paths that work: a message, a command the bot answers by repeating the word, a form refused.
    await slack.send.message(ANA, f"my secret is {SECRET}")
    await slack.fake.next("chat.postMessage")
    await slack.send.command(ANA, SECRET)
    assert SECRET in (await slack.fake.next("response_url")).text
    await slack.send.home_opened(ANA)
    home = await slack.fake.next("views.publish")
    await slack.send.press(ANA, home, "Pause")
    view = (await slack.fake.next("views.open")).args["view"]
    note = {"note": {"note": {"type": "plain_text_input", "value": SECRET}}}
    refused = await slack.send.submit(ANA, view, {"until": {"until": {"type": "datepicker", "selected_date": SECRET}}})
    assert refused.status == 200
    # Paths that fail: Slack refuses what the bot sends after the acknowledgement.
    slack.fake.fail("chat.postMessage", Fault(status=500), times=3)
    await slack.send.message(ANA, f"again {SECRET}")
    slack.fake.fail("views.publish", Fault(error="internal_error"), times=3)
    slack.fake.fail("chat.postMessage", Fault(error="internal_error"), times=6)
    date = {"until": {"until": {"type": "datepicker", "selected_date": "2027-02-01"}}}
    accepted = await slack.send.submit(ANA, view, date | note)
    assert accepted.status == 200
    for _ in range(1000):  # the failing path was taken, and logged, once Slack's retries are over
        if everything.text.count("a Slack listener failed") >= 2:
            break
        await asyncio.sleep(0.01)
    await slack.fake.quiet()
    assert everything.text.count("a Slack listener failed") >= 2
    assert SECRET not in everything.text
