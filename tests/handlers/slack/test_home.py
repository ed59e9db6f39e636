"""The Home tab over HTTP: a newcomer's Join, a volunteer's buttons and pause form, a coordinator's figures."""

import json

from sqlmodel import Session, select

from bot.ui import Outcome
from storage.models import Enrollment, Person
from tests.conftest import COORDINATOR, SlackWorld
from tests.handlers.slack.test_commands import onboard

ANA, MARC = "UANA0001", "UMARC001"


async def test_a_newcomer_sees_join_and_joining_from_home_opens_the_conversation(slack: SlackWorld) -> None:
    await slack.send.home_opened(MARC)
    home = await slack.fake.next("views.publish")
    assert home.args["user_id"] == MARC and "Join the programme" in home.text
    assert "Enrolment" not in home.text
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Person)).all() == []  # looking stores nothing
    await slack.send.press(MARC, home, "Join the programme")
    consent = await slack.fake.next("chat.postMessage")
    assert consent.args["channel"] == MARC and "what I keep and who sees it" in consent.text


async def test_a_coordinator_sees_the_enrolment_figures(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.home_opened(COORDINATOR)
    home = await slack.fake.next("views.publish")
    assert "Enrolment" in home.text and "*Mentees taking part*\n1" in home.text
    assert "*Proposed, awaiting confirmation*\n0" in home.text


async def test_a_volunteer_pauses_from_home_with_a_form_that_refuses_a_past_date(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.home_opened(ANA)
    home = await slack.fake.next("views.publish")
    assert "You take part as *Mentee*" in home.text
    await slack.send.press(ANA, home, "Pause")
    form = await slack.fake.next("views.open")
    view = form.args["view"]
    assert view["type"] == "modal" and view["callback_id"] == "form:pause"

    refused = await slack.send.submit(
        ANA, view, {"until": {"until": {"type": "datepicker", "selected_date": "2026-01-01"}}}
    )
    assert refused.status == 200
    assert json.loads(refused.body) == {
        "response_action": "errors",
        "errors": {"until": "That date has passed; give a date to come."},
    }
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Enrollment)).one().status == "ready"

    accepted = await slack.send.submit(
        ANA, view, {"until": {"until": {"type": "datepicker", "selected_date": "2027-02-01"}}}
    )
    assert (accepted.status, accepted.body) == (200, "")
    assert "on pause until 1 February 2027" in (await slack.fake.next("chat.postMessage")).text
    refreshed = await slack.fake.next("views.publish")
    assert "Resume" in refreshed.text
    with Session(slack.bot.engine) as session:
        assert str(session.exec(select(Enrollment)).one().paused_until) == "2027-02-01"


async def test_the_home_buttons_run_the_commands_they_name(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.command(ANA, "pause")
    await slack.fake.next("response_url")
    home = await slack.fake.next("views.publish")
    await slack.send.press(ANA, home, "Resume")
    assert "Welcome back" in (await slack.fake.next("chat.postMessage")).text


async def test_a_form_whose_rule_fails_still_answers_slack_with_the_error_in_the_form(slack: SlackWorld) -> None:
    await onboard(slack, ANA)
    await slack.send.home_opened(ANA)
    home = await slack.fake.next("views.publish")
    await slack.send.press(ANA, home, "Pause")
    view = (await slack.fake.next("views.open")).args["view"]

    def broken(*args: object) -> Outcome:
        raise RuntimeError("the database went away")

    slack.bot.submitted = broken  # type: ignore[method-assign]
    answer = await slack.send.submit(ANA, view, {"until": {"until": {"type": "datepicker", "selected_date": None}}})
    assert answer.status == 200
    shown = json.loads(answer.body)
    assert shown["response_action"] == "errors" and "something went wrong on my side" in shown["errors"]["until"]
