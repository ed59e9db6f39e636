"""A pair's sessions over HTTP with the Slack double: the confirmation's links whole however long the invite, a
session moved from one time to another, a concern that names people."""

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from bot.lifecycle.invite import LINK_LENGTH
from storage.models import Pair, Person
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, SlackWorld
from tests.doubles.slack_api import Call
from tests.handlers.slack.test_outbox import confirm, delivered

# Three objectives of the longest kind, accented: percent-encoded, each accent takes six or nine characters of a
# link, and the three links in one text were more than a Slack section holds.
OBJECTIVES = [("Café’été — " * 20)[:200]] * 3


def form_values(day: str, at: str) -> dict[str, dict[str, Any]]:
    return {
        "day": {"day": {"type": "datepicker", "selected_date": day}},
        "time": {"time": {"type": "plain_text_input", "value": at}},
        "format": {"format": {"type": "static_select", "selected_option": {"value": "video"}}},
        "place": {"place": {"type": "plain_text_input", "value": ""}},
        "odd_hour": {"odd_hour": {"type": "checkboxes", "selected_options": []}},
    }


async def introduced(slack: SlackWorld) -> tuple[Call, str]:
    """One pair announced in Slack, with long objectives; its introduction and its mentee."""
    many_volunteers(slack.bot, slack.clock(), 1)
    await confirm(slack)
    await delivered(slack)
    with Session(slack.bot.engine) as session:
        pair = session.exec(select(Pair)).one()
        pair.objectives = OBJECTIVES
        session.add(pair)
        session.commit()
        mentee = session.get(Person, pair.mentee_id)
        assert mentee is not None
    return await slack.fake.posted("Book our first hour"), mentee.user_id


async def booked(slack: SlackWorld, user: str, message: Call, label: str, day: str, at: str) -> None:
    await slack.send.press(user, message, label)
    form = (await slack.fake.next("views.open")).args["view"]
    answered = await slack.send.submit(user, form, form_values(day, at))
    assert answered.status == 200 and "errors" not in answered.body


async def test_each_link_of_the_confirmation_comes_whole_in_a_block_of_its_own(slack: SlackWorld) -> None:
    intro, mentee = await introduced(slack)
    await booked(slack, mentee, intro, "Book our first hour", "2026-12-08", "10:00")
    confirmation = await slack.fake.posted("booked your session", channel=intro.args["channel"])
    sections = [b["text"]["text"] for b in confirmation.blocks if b["type"] == "section"]
    links = [s for s in sections if s.startswith("<") and "|Add to" in s]
    assert [s.rsplit("|", 1)[1] for s in links] == [
        "Add to my calendar (.ics)>",
        "Add to Google Calendar>",
        "Add to Outlook>",
    ]
    outlook = re.fullmatch(r"<([^|<>]+)\|Add to Outlook>", links[2])
    assert outlook is not None and len(outlook[1]) <= LINK_LENGTH
    body = parse_qs(urlsplit(outlook[1]).query)["body"][0]
    assert body.endswith("…") and "Café’été" in body  # shortened, not cut off mid-address
    assert parse_qs(urlsplit(outlook[1]).query)["enddt"] == ["2026-12-08T11:00:00+01:00"]


async def test_a_session_moved_says_from_when_to_when(slack: SlackWorld) -> None:
    intro, mentee = await introduced(slack)
    await booked(slack, mentee, intro, "Book our first hour", "2026-12-08", "10:00")
    confirmation = await slack.fake.posted("booked your session", channel=intro.args["channel"])
    await booked(slack, mentee, confirmation, "Move it", "2026-12-09", "15:00")
    moved = await slack.fake.posted("moved your session", channel=intro.args["channel"])
    assert "from 8 December 2026 at 10:00 to 9 December 2026 at 15:00" in moved.text


async def test_a_concern_naming_someone_shows_the_coordinators_a_mention_not_an_id(slack: SlackWorld) -> None:
    _, mentee = await introduced(slack)
    mentor = "UM000000"
    sent = await slack.send.command(mentee, f"concern <@{mentor}|um000000> cancels at the last minute")
    assert sent.status == 200
    assert "only they read it" in (await slack.fake.next("response_url")).text
    told = await slack.fake.posted("A private concern", channel=COORDINATOR)
    assert f"<@{mentor}> cancels at the last minute" in told.text
    assert "[@" not in json.dumps(told.args)
