"""Several programmes, one current: `program new` asks first and says what becomes of the running one,
`program list` shows them all, `program use` switches back; a pair of the previous programme goes on."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from storage.models import Enrollment, Programme
from tests.bot.dialog import Dialog
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD)


def current(bot: Passerelle) -> list[str]:
    with Session(bot.engine) as session:
        return [p.name for p in session.exec(select(Programme)).all() if p.is_current]


def running_with_a_pair(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    a_volunteer(bot, "UJEAN001", clock.now, MENTEE, languages=["de"])
    coordinator.command("match")
    coordinator.command("match confirm")


def test_program_new_asks_first_and_says_what_becomes_of_the_running_programme(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    running_with_a_pair(bot, clock, coordinator)
    asked = coordinator.command("program new Cohort 2027")
    assert "Create *Cohort 2027* and make it the current programme?" in asked
    assert "*Reverse mentoring* has 1 active pair: it goes on until it ends" in asked
    assert "1 volunteer of *Reverse mentoring* has no pair" in asked
    assert "`program use Reverse mentoring`" in asked
    assert current(bot) == ["Reverse mentoring"]  # nothing changes before the button
    assert "*Reverse mentoring* stays current" in coordinator.press("Cancel")
    coordinator.command("program new Cohort 2027")
    question = coordinator.last
    assert "Programme *Cohort 2027* created" in coordinator.press("Create Cohort 2027")
    assert current(bot) == ["Cohort 2027"]
    coordinator.last = question
    assert "exists already" in coordinator.press("Create Cohort 2027")  # a second press makes no second one
    with Session(bot.engine) as session:
        assert len(session.exec(select(Programme)).all()) == 2


def test_program_list_marks_the_current_one_and_program_use_switches_back(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    running_with_a_pair(bot, clock, coordinator)
    coordinator.command("program new Cohort 2027")
    coordinator.press("Create Cohort 2027")
    listed = coordinator.command("program list")
    assert "• *Reverse mentoring* · volunteers: 3 · active pairs: 1\n" in listed
    assert "• *Cohort 2027* · volunteers: 0 · active pairs: 0 · current" in listed
    assert "No programme is called “Pilot”" in coordinator.command("program use Pilot")
    assert "is the current programme again" in coordinator.command("program use reverse MENTORING")
    assert current(bot) == ["Reverse mentoring"]
    assert "already" in coordinator.command("program use Reverse mentoring")
    assert "Pairs: 0" in coordinator.command("match")  # the matching works on it again: the pair goes on


def test_a_pair_of_the_previous_programme_keeps_its_members_taking_part(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    running_with_a_pair(bot, clock, coordinator)
    coordinator.command("program new Cohort 2027")
    coordinator.press("Create Cohort 2027")
    marc, jean = Dialog(bot, clock.now, user="UMARC001"), Dialog(bot, clock.now, user="UJEAN001")
    shown = marc.command("profile")
    assert "Your profile in *Reverse mentoring* · status: *matched*" in shown and "not enrolled" not in shown
    assert "on pause" in marc.command("pause")
    assert "Your pairing goes on" in marc.command("resume")
    assert "You are not enrolled in *Cohort 2027*" in jean.command("profile")  # without a pair: join again
    assert "Your pair with" in marc.command("leave")
    marc.press("Yes, leave")
    with Session(bot.engine) as session:
        assert sorted(e.status for e in session.exec(select(Enrollment)).all()) == ["left", "ready", "ready"]


def test_a_programme_cannot_be_renamed_to_the_name_of_another(coordinator: Dialog) -> None:
    coordinator.command("program new Promo 2027")
    coordinator.press("Create Promo 2027")
    coordinator.command("program use Reverse mentoring")
    refused = coordinator.command("program set name promo 2027")
    assert "Another programme is called *Promo 2027* already" in refused
    assert "Reverse mentoring" in coordinator.command("program")


@pytest.mark.parametrize("typed", ["⓵", "١٢", "9" * 5000, "-1", "1e1", "nan"])
def test_a_number_setting_reads_ascii_digits_only_and_refuses_the_rest_with_its_usage(
    coordinator: Dialog, typed: str
) -> None:
    assert "whole number from 0 to" in coordinator.command(f"program set min-score {typed}")
    assert "whole number of stages from 0 to 4" in coordinator.command(f"program set min-gap {typed}")
    assert "each from 0 to 10" in coordinator.command(f"program set weights topics={typed}")
    assert "minimum score 12" in coordinator.command("program set min-score 12")
    assert "topics=0.50" in coordinator.command("program set weights topics=.5")


def test_the_cadence_and_retention_lines_read_right_for_one_and_for_none(bot: Passerelle, clock: Clock) -> None:
    coordinator = Dialog(bot, clock.now, user=COORD)
    for line in ("program set monthly 0", "program set length 1", "program set target 3-3", "program set retention 1"):
        assert "Usage" not in coordinator.command(line), line
    shown = coordinator.command("program")
    assert "60-minute sessions, quarterly; over 1 month unless an end is set; target 3 sessions" in shown
    assert "1 month after the programme's end" in shown
    coordinator.command("program set monthly 1")
    coordinator.command("program set target 1")
    assert "monthly for the first one, then quarterly; over 1 month unless an end is set; target 1 session" in (
        coordinator.command("program")
    )
    coordinator.command("program set monthly 4")
    coordinator.command("program set length 6")
    coordinator.command("program set target 4-6")
    coordinator.command("program set retention 12")
    shown = coordinator.command("program")
    assert "monthly for the first 4, then quarterly; over 6 months unless an end is set; target 4–6 sessions" in shown
    assert "12 months after the programme's end" in shown


def test_the_cadence_line_reads_right_in_french(bot: Passerelle, clock: Clock) -> None:
    coordinator = Dialog(bot, clock.now, user=COORD, locale="fr-FR")
    coordinator.command("program set monthly 1")
    coordinator.command("program set target 2-2")
    coordinator.command("program set length 1")
    shown = coordinator.command("program")
    assert (
        "séances de 60 minutes, mensuelles pour la première, puis trimestrielles\u202f; sur 1 mois sauf date de fin"
        "\u202f; objectif 2 séances" in shown
    )
    coordinator.command("program set monthly 0")
    coordinator.command("program set target 1")
    shown = coordinator.command("program")
    assert "séances de 60 minutes, trimestrielles\u202f; sur 1 mois sauf date de fin\u202f; objectif 1 séance" in shown
