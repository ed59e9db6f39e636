"""Matching over HTTP: volunteers onboarded, the coordinator's preview and adjustments, the confirmation and
announcement in group DMs, the charter, objectives and "not a good fit"."""

import codecs
import csv
import io
import json
import re
from typing import Any

import aiohttp
from icalendar import Calendar
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.models import Address, Pair, Person, RematchRequest
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer, many_volunteers
from tests.conftest import COORDINATOR, Clock, SlackWorld, slack_world
from tests.doubles.slack_api import Call, Fault
from tests.handlers.slack.test_commands import onboard

ANA, JEAN, MARC = "UANA0001", "UJEAN001", "UMARC001"


async def preview(slack: SlackWorld) -> Call:
    """`match`: answered at once that it runs; then the preview, posted to the coordinator's DM by the outbox (the
    outbox may deliver it before the command's answer is posted)."""
    since = len(slack.fake.calls)
    await slack.send.command(COORDINATOR, "match")
    assert "is running" in (await slack.fake.next("response_url")).text
    # However slow this machine is today.
    return await slack.fake.posted("Matching preview", channel=COORDINATOR, timeout=60, since=since)


async def test_from_onboarding_to_a_confirmed_and_announced_pair(slack: SlackWorld) -> None:
    send, fake = slack.send, slack.fake
    await onboard(slack, MARC)  # a mentee (typed answers): AI assistants and social networks
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)  # a mentor who offers them
    a_volunteer(slack.bot, JEAN, slack.clock(), MENTEE, languages=["de"])  # nobody speaks German
    preview_call = await preview(slack)
    shown = preview_call.text
    assert "Matching preview" in shown and f"<@{ANA}> → <@{MARC}>" in shown
    assert f"<@{JEAN}> — no candidate speaks a language in common" in shown
    assert fake.of("conversations.open") == []  # nothing is announced before confirmation

    await send.press(COORDINATOR, preview_call, "Pin")
    assert "pinned" in (await fake.next("chat.update")).text

    await send.command(COORDINATOR, "match csv")
    assert "The whole proposal is in the file" in (await fake.next("response_url")).text
    await fake.next("files.completeUploadExternal")
    upload = next(iter(fake.uploads.values()))
    assert upload.startswith(codecs.BOM_UTF8)  # else Excel reads the names as Windows-1252
    rows = list(csv.DictReader(io.StringIO(upload.decode("utf-8-sig"))))
    assert [
        (r["mentor"], r["mentor_name"], r["mentee"], r["mentee_name"], r["pinned"]) for r in rows if r["mentor"]
    ] == [(ANA, "Ana0001", MARC, "Marc", "yes")]
    assert [(r["unmatched"], r["unmatched_name"]) for r in rows if r["unmatched"]] == [(JEAN, "Jean001")]

    since = len(fake.calls)
    await send.command(COORDINATOR, "match confirm")
    assert "1 pair confirmed" in (await fake.next("response_url")).text
    intro = await fake.posted("Our charter", since=since)  # the outbox's, before or after the answer
    opened = [c.args["users"] for c in fake.of("conversations.open", since) if "," in c.args["users"]]
    assert [sorted(users.split(",")) for users in opened] == [sorted([ANA, MARC])]
    assert intro.args["channel"].startswith("G")
    await fake.posted("A few words for mentors", channel=ANA)
    await fake.posted("no candidate speaks a language in common", channel=JEAN)
    await fake.settle()
    with Session(slack.bot.engine) as session:
        pair = session.exec(select(Pair)).one()
        address = session.exec(select(Address).where(Address.owner == "pair", Address.owner_id == pair.id)).one()
    assert (pair.status, address.ref) == ("active", {"channel": intro.args["channel"]})

    await send.press(MARC, intro, "I commit")
    committed = await fake.next("chat.update")
    assert committed.args["channel"] == intro.args["channel"] and f"Committed: <@{MARC}>" in committed.text

    await send.press(ANA, intro, "Set our objectives")
    form = (await fake.next("views.open")).args["view"]
    values = {
        "objective1": {"objective1": {"type": "plain_text_input", "value": "Use Copilot every day"}},
        "objective2": {"objective2": {"type": "plain_text_input", "value": "Post on LinkedIn once"}},
        "objective3": {"objective3": {"type": "plain_text_input", "value": None}},
    }
    assert (await send.submit(ANA, form, values)).status == 200
    shared = await fake.posted("1. Use Copilot every day", channel=intro.args["channel"])
    assert "2. Post on LinkedIn once" in shared.text

    await book_over_slack(slack, intro)


async def book_over_slack(slack: SlackWorld, intro: Call) -> None:
    """Book our first hour: the modal, an error shown in it, the confirmation in the pair's conversation with its
    invite, and the calendar file over HTTP behind its token."""
    send, fake = slack.send, slack.fake
    await send.press(MARC, intro, "Book our first hour")
    form = (await fake.next("views.open")).args["view"]
    assert form["callback_id"] == f"form:pair.book:{intro_pair(slack).id}"

    def values(day: str, at: str) -> dict[str, dict[str, Any]]:
        return {
            "day": {"day": {"type": "datepicker", "selected_date": day}},
            "time": {"time": {"type": "plain_text_input", "value": at}},
            "format": {"format": {"type": "static_select", "selected_option": {"value": "in_person"}}},
            "place": {"place": {"type": "plain_text_input", "value": "Room 4.2, Lyon"}},
            "odd_hour": {"odd_hour": {"type": "checkboxes", "selected_options": []}},
        }

    refused = await send.submit(MARC, form, values("2026-11-01", "10:00"))
    shown = json.loads(refused.body)
    assert refused.status == 200 and shown["response_action"] == "errors" and "passed" in shown["errors"]["day"]
    accepted = await send.submit(MARC, form, values("2026-12-08", "10:00"))
    assert accepted.status == 200 and "errors" not in accepted.body
    confirmation = await fake.posted("booked your session", channel=intro.args["channel"])
    assert "8 December 2026 at 10:00" in confirmation.text and "Room 4.2, Lyon" in confirmation.text
    links = re.findall(r"<([^|<>]+)\|", json.dumps(confirmation.args["blocks"]))
    ics = next(link for link in links if link.endswith(".ics"))
    token = ics.rsplit("/", 1)[1].removesuffix(".ics")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{send.app_url}/calendar/{token}.ics") as served:
            assert served.status == 200 and served.content_type == "text/calendar"
            [event] = Calendar.from_ical(await served.read()).walk("VEVENT")
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        async with http.get(f"{send.app_url}/calendar/{forged}.ics") as wrong:
            assert wrong.status == 404
    assert str(event["LOCATION"]) == "Room 4.2, Lyon" and str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert any("google.com" in link for link in links) and any("outlook.office.com" in link for link in links)


def intro_pair(slack: SlackWorld) -> Pair:
    with Session(slack.bot.engine) as session:
        return session.exec(select(Pair)).one()


async def test_not_a_good_fit_is_a_private_request_that_a_coordinator_ends(engine: Engine, clock: Clock) -> None:
    async with slack_world(engine, clock) as slack:
        send, fake = slack.send, slack.fake
        a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
        a_volunteer(slack.bot, MARC, slack.clock(), MENTEE)
        await preview(slack)
        await send.command(COORDINATOR, "match confirm")
        await fake.next("response_url")
        intro = await fake.posted("Our charter")
        await fake.settle()
        await send.press(MARC, intro, "Not a good fit")
        question = await fake.next("response_url")
        assert question.args["response_type"] == "ephemeral" and "Ask them?" in question.text
        await send.press(MARC, question, "Yes, ask for a new partner")
        assert "Your request is with the coordinators" in (await fake.next("response_url")).text
        notice = await fake.posted("Rematch request", channel=COORDINATOR)
        assert f"<@{MARC}> says the pair <@{ANA}> → <@{MARC}> is not a good fit" in notice.text
        await fake.quiet()
        assert not [c for c in fake.of("chat.postMessage") if "has ended" in c.text]  # nothing ends yet

        await send.press(COORDINATOR, notice, "End the pair")
        decided = await fake.next("chat.update")
        assert "You ended this pair" in decided.text and "End the pair" not in str(decided.args["blocks"])
        for member in (ANA, MARC):
            told = await fake.posted("has ended", channel=member)
            assert "another partner would suit you both better" in told.text and "asked" not in told.text
        await send.press(COORDINATOR, notice, "End the pair")  # the coordinator's DM: the answer is posted there
        await fake.posted("This pair has already ended", channel=COORDINATOR)
        with Session(slack.bot.engine) as session:
            assert session.exec(select(RematchRequest)).one().outcome == "ended"
            assert session.exec(select(Pair)).one().status == "ended"
        again = (await preview(slack)).text
        assert "Pairs*\n0" in again and "ruled out by a past pair" in again  # never proposed again


async def test_only_coordinators_see_the_preview_and_press_its_buttons(slack: SlackWorld) -> None:
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
    a_volunteer(slack.bot, JEAN, slack.clock(), MENTEE)
    shown = await preview(slack)
    assert "Matching preview" in shown.text
    await slack.send.command(ANA, "match")
    assert "for the programme's coordinators" in (await slack.fake.next("response_url")).text
    await slack.send.press(ANA, shown, "Confirm these pairs")
    assert "for the programme's coordinators" in (await slack.fake.next("chat.postMessage")).text
    with Session(slack.bot.engine) as session:
        assert session.exec(select(Pair)).one().status == "proposed"
        assert session.exec(select(Person).where(Person.user_id == ANA)).one() is not None


async def test_hundreds_of_pairs_stay_within_slacks_limits_page_by_page(slack: SlackWorld) -> None:
    many_volunteers(slack.bot, slack.clock(), 250)
    first = await preview(slack)
    assert "*Pairs*\n250" in first.text and "Page 1 of 25" in first.text
    assert len(first.args["blocks"]) <= 50  # Slack's limit for a message; the fake checks every block too
    await slack.send.press(COORDINATOR, first, "Next")
    second = await slack.fake.next("chat.update")  # the preview came to the DM: its page is replaced there
    assert "Page 2 of 25" in second.text
    assert "*11.*" in second.text


async def test_a_pair_that_cannot_be_reached_does_not_keep_the_others_from_hearing(slack: SlackWorld) -> None:
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
    a_volunteer(slack.bot, MARC, slack.clock(), MENTEE)
    a_volunteer(slack.bot, "UMENTOR2", slack.clock(), MENTOR, topics=["dei"], levels={"dei": 3})
    a_volunteer(slack.bot, JEAN, slack.clock(), MENTEE, topics=["dei"], levels={"dei": 3})
    await preview(slack)
    slack.fake.fail("conversations.open", Fault(error="user_disabled"))
    slack.fake.fail("conversations.open", Fault(status=429, retry_after=30))
    await slack.send.command(COORDINATOR, "match confirm")
    assert "2 pairs confirmed" in (await slack.fake.next("response_url")).text
    await slack.fake.quiet()
    assert [c for c in slack.fake.of("chat.postMessage") if c.args["channel"].startswith("G")] == []
    slack.clock.travel(seconds=31)  # the rate limit is waited out, never sooner than Slack asked
    await slack.fake.quiet()
    slack.clock.travel(minutes=1)  # failures are gathered for a minute, then told together
    told = await slack.fake.posted("I could not deliver 1 message", channel=COORDINATOR)
    assert "their account is deactivated" in told.text
    introduced = await slack.fake.posted("Our charter")
    await slack.fake.quiet()
    assert [c for c in slack.fake.of("chat.postMessage") if c.args["channel"].startswith("G")] == [introduced]
    assert sum("A few words for mentors" in c.text for c in slack.fake.of("chat.postMessage")) == 2


async def test_forbid_over_slack_says_what_it_did_and_its_undo_button_lifts_it(slack: SlackWorld) -> None:
    a_volunteer(slack.bot, ANA, slack.clock(), MENTOR)
    a_volunteer(slack.bot, MARC, slack.clock(), MENTEE)
    await slack.send.press(COORDINATOR, await preview(slack), "Forbid")
    forbidden = await slack.fake.next("chat.update")  # the preview's page, in the DM, says what was done
    assert f"Forbidden: <@{ANA}> → <@{MARC}> will not be proposed again" in forbidden.text
    assert "is running" in forbidden.text
    again = await slack.fake.posted("Forbidden pairs (1)", channel=COORDINATOR)  # the new preview says it too
    assert f"*Forbidden pairs (1)*\n• <@{ANA}> → <@{MARC}>" in again.text
    await slack.send.press(COORDINATOR, forbidden, "Undo")
    await slack.fake.quiet()
    assert any(f"<@{ANA}> → <@{MARC}> is no longer forbidden" in c.text for c in slack.fake.calls[-6:])
    made_again = [c for c in slack.fake.of("chat.postMessage") if "Matching preview" in c.text][-1]
    assert "*Pairs*\n1" in made_again.text and "Forbidden pairs" not in made_again.text
