"""A form on Teams is a card: sent back with problems, it comes back in place with each problem under its field
and what was typed kept, as a Slack modal does, whether the client sends it as `Action.Execute` or as the older
`Action.Submit`."""

import itertools

import pytest

from tests.doubles.bot_connector import cards_of, text_of
from tests.handlers.teams.test_pairs import a_pair
from tests.handlers.teams.world import TeamsWorld

INTRO = "Your reverse-mentoring pair"
WRONG = {"day": "2026-11-01", "time": "25:00", "format": "in_person", "place": "Room 4"}


def fields(card: dict) -> dict[str, dict]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def problems_under(card: dict) -> dict[str, str]:
    """Each field's problem: the red text right after it."""
    body, found = card["body"], {}
    for element, after in itertools.pairwise(body):
        if str(element.get("type", "")).startswith("Input.") and after.get("color") == "Attention":
            found[element["id"]] = after["text"]
    return found


@pytest.mark.parametrize("submit", [False, True], ids=["execute", "submit"])
async def test_a_form_sent_back_with_problems_comes_back_in_place_with_them_under_its_fields(
    teams: TeamsWorld, submit: bool
) -> None:
    _, marc = await a_pair(teams)
    await teams.press(marc, "Book our first hour", having=INTRO)
    shown = len(teams.connector.activities(marc.teams_id))
    status, answer = await teams.press(marc, "Book", WRONG, having="Book our hour", submit=submit)
    assert status == 200
    # The older client's card is updated in the chat; Action.Execute's answer is the card that replaces it.
    card = cards_of(teams.connector.activities(marc.teams_id)[-1])[0] if submit else answer["value"]
    assert len(teams.connector.activities(marc.teams_id)) == shown, "the form is answered in place, not below"
    assert problems_under(card) == {
        "day": "That date has passed; give a date to come.",
        "time": "Write a time such as 14:30.",
    }
    kept = fields(card)
    assert kept["place"]["value"] == "Room 4" and kept["format"]["value"] == "in_person"
    assert kept["day"]["value"] == "2026-11-01"
    # Put right, the same card books the hour.
    status, _ = await teams.press(
        marc, "Book", {**WRONG, "day": "2026-12-08", "time": "10:00"}, having="Book our hour", submit=submit
    )
    assert status == 200 and "Booked! You both have the invite." in teams.pressed_shown
    for _ in range(3):  # one message a second to a conversation
        teams.clock.travel(seconds=2)
        await teams.deliver()
    assert "booked your session: 8 December 2026 at 10:00" in text_of(teams.connector.last(marc.teams_id))
