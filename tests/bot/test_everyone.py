"""What every person sees, against the core: confirmations that say what really happened, dates written as people
read them, usage lines in their language, their partner on Home and in the profile, the programme's dates checked,
and a copy of everything stored about them."""

import json
from datetime import date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.actor import Actor
from bot.i18n import translator
from bot.service import Passerelle
from bot.ui import Outcome
from server import build_bot
from settings import Settings
from storage.models import Enrollment, Pair, Person, Programme
from storage.queries import keep_address
from tests.bot.dialog import Dialog, flat
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
MENTOR_ID, MENTEE_ID = "UTOM0001", "USOPHIE1"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD, slack_style=True)


def paired(bot: Passerelle, clock: Clock, coordinator: Dialog) -> int:
    """Tom mentors Sophie: matched and confirmed; the pair's id."""
    a_volunteer(bot, MENTOR_ID, clock.now, MENTOR)
    a_volunteer(bot, MENTEE_ID, clock.now, MENTEE)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    with Session(bot.engine) as session:
        pair_id = session.exec(select(Pair.id)).one()
    assert pair_id is not None
    return pair_id


def home(bot: Passerelle, user: str, now: datetime, locale: str = "en-GB") -> str:
    return flat(bot.home(Actor("slack", "T0PASSE", user, name=user.title(), locale=locale), now))


# Dates


@pytest.mark.parametrize(
    ("locale", "day", "written"),
    [
        ("en", date(2027, 2, 1), "1 February 2027"),
        ("en", date(2027, 2, 11), "11 February 2027"),
        ("fr", date(2027, 2, 1), "1er février 2027"),
        ("fr", date(2027, 2, 11), "11 février 2027"),
        ("fr", datetime(2026, 8, 1, 23, 0), "1er août 2026"),
    ],
)
def test_a_date_is_written_in_words_in_the_readers_language(locale: str, day: date, written: str) -> None:
    assert translator(locale).day(day) == written


def test_pause_profile_home_and_programme_write_dates_in_french_words(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, MENTEE_ID, clock.now, MENTEE)
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, locale="fr-FR")
    assert "Vous êtes en pause jusqu'au 1er février 2027" in sophie.command("pause until 2027-02-01")
    assert "en pause jusqu'au 1er février 2027" in sophie.command("profile")
    assert "2027-02-01" not in sophie.text
    assert "en pause jusqu'au 1er février 2027" in home(bot, MENTEE_ID, clock.now, "fr-FR")
    coordinator.command("program set start 2027-01-11")
    coordinator.command("program set end 2027-06-01")
    coordinator.command("language fr")
    assert "Dates: 11 janvier 2027 → 1er juin 2027" in coordinator.command("program")
    coordinator.command("language en")
    assert "Dates: 11 January 2027 → 1 June 2027" in coordinator.command("program")


# Usage lines


def test_usage_lines_name_what_to_type_in_the_readers_language(bot: Passerelle, coordinator: Dialog) -> None:
    coordinator.command("language fr")
    assert "Usage\u202f: `program set CLÉ VALEUR`" in coordinator.command("program set name")
    assert "Usage\u202f: `program new NOM`" in coordinator.command("program new")
    assert "`announce #canal`" in coordinator.command("announce")
    assert "`coordinators add|remove @personne`" in coordinator.command("coordinators add ana")
    assert "`pair @mentor @mentoré`" in coordinator.command("help")
    assert "Usage\u202f: `pause [jusqu'au DATE]`" in coordinator.command("paus")  # the nearest command of a typo
    assert "Changez avec `program use NOM`\u202f; lancez-en un autre avec `program new NOM`." in coordinator.command(
        "program list"
    )
    coordinator.command("language en")
    assert "Usage: `program set KEY VALUE`" in coordinator.command("program set name")
    assert "`coordinators add|remove @person`" in coordinator.command("coordinators add ana")


# Confirmations


def test_removing_from_not_with_someone_never_listed_says_so_and_changes_nothing(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, MENTEE_ID, clock.now, MENTEE)
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, slack_style=True)
    sophie.command("not-with <@UMARC001>")
    answer = sophie.command("not-with remove <@UNINA001>")
    assert "<@UNINA001> was not on your list; nothing changed." in answer and "off your list" not in answer
    assert "never be paired with: <@UMARC001>" in sophie.command("not-with")
    assert "<@UMARC001> is off your list." in sophie.command("not-with remove <@UMARC001>")
    assert "Your list is empty" in sophie.command("not-with")
    sophie.locale = "fr-FR"
    assert "<@UNINA001> ne figurait pas sur votre liste\u202f; rien n'a changé." in sophie.command(
        "not-with remove <@UNINA001>"
    )


def test_removing_or_adding_a_coordinator_says_what_really_changed(bot: Passerelle, coordinator: Dialog) -> None:
    answer = coordinator.command("coordinators remove <@UNINA001>")
    assert "<@UNINA001> is not a coordinator; nothing changed." in answer and "no longer" not in answer
    with Session(bot.engine) as session:  # nobody the bot had never seen is stored for it
        assert session.exec(select(Person).where(Person.user_id == "UNINA001")).first() is None
    assert "<@UANA0001> is now a coordinator." in coordinator.command("coordinators add <@UANA0001>")
    assert "<@UANA0001> is a coordinator already; nothing changed." in coordinator.command(
        "coordinators add <@UANA0001>"
    )
    assert "<@UANA0001> is no longer a coordinator." in coordinator.command("coordinators remove <@UANA0001>")
    assert "<@UANA0001> is not a coordinator; nothing changed." in coordinator.command(
        "coordinators remove <@UANA0001>"
    )


def test_a_founder_named_in_the_setting_is_told_so(bot: Passerelle, coordinator: Dialog) -> None:
    answer = coordinator.command(f"coordinators remove <@{COORD}>")
    assert "is named in PASSERELLE_COORDINATORS and stays a coordinator" in answer


def test_the_coordinator_passerelle_starts_with_without_the_setting_is_not_said_to_be_named_in_it(
    tmp_path: object, clock: Clock
) -> None:
    # As app.py starts the console with PASSERELLE_COORDINATORS unset: a coordinator of its own.
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/console.db")
    bot = build_bot(settings, frozenset({"UCLAIRE"}))
    claire = Dialog(bot, clock.now, user="UCLAIRE", slack_style=True)
    answer = claire.command("coordinators remove <@UCLAIRE>")
    assert "PASSERELLE_COORDINATORS is not set" in answer and "is named in" not in answer
    assert "is the coordinator Passerelle starts with" in answer
    bot.engine.dispose()
    # The same, with the setting naming her.
    url = f"sqlite:///{tmp_path}/slack.db"
    settings = Settings(_env_file=None, database_url=url, passerelle_coordinators="UCLAIRE")
    bot = build_bot(settings)
    claire = Dialog(bot, clock.now, user="UCLAIRE", slack_style=True)
    assert "is named in PASSERELLE_COORDINATORS" in claire.command("coordinators remove <@UCLAIRE>")
    bot.engine.dispose()


# Partner on Home and in the profile


def test_home_and_profile_show_the_partner_and_how_the_pair_stands(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, MENTOR_ID, clock.now, MENTOR)
    a_volunteer(bot, MENTEE_ID, clock.now, MENTEE)
    coordinator.command("match")
    # A proposal is the coordinators' draft: its members see nothing of it yet.
    assert "Your mentor" not in home(bot, MENTEE_ID, clock.now)
    coordinator.command("match confirm")
    tom = Dialog(bot, clock.now, user=MENTOR_ID, slack_style=True)
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, slack_style=True, locale="fr-FR")
    assert f"Your mentee: <@{MENTEE_ID}> · active since 26 November 2026" in tom.command("profile")
    assert "Your mentee: ⟦@USOPHIE1|Usophie1⟧ · active since 26 November 2026" in home(bot, MENTOR_ID, clock.now)
    assert f"Votre mentor: <@{MENTOR_ID}> · actif depuis le 26 novembre 2026" in sophie.command("profil")
    assert "Votre mentor: ⟦@UTOM0001|Utom0001⟧ · actif depuis le 26 novembre 2026" in home(
        bot, MENTEE_ID, clock.now, "fr-FR"
    )
    with Session(bot.engine) as session:
        pair = session.exec(select(Pair)).one()
        pair.status = "at_risk"
        session.add(pair)
        session.commit()
    assert "Your mentee: ⟦@USOPHIE1|Usophie1⟧ · at risk: nothing booked after the reminders" in home(
        bot, MENTOR_ID, clock.now
    )
    coordinator.command(f"unpair <@{MENTEE_ID}>")
    assert "Your mentee" not in tom.command("profile") and "Your mentee" not in home(bot, MENTOR_ID, clock.now)


# The programme's dates


def test_an_end_date_in_the_past_is_refused_and_changes_nothing(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    refused = coordinator.command("program set end 2026-11-01")  # the clock is on 26 November 2026
    assert "That end date has passed; give a date to come." in refused and "Usage: `program set KEY VALUE`" in refused
    coordinator.command("program set start 2027-01-11")
    assert "The end must come after the start." in coordinator.command("program set end 2027-01-04")
    assert "Dates: 11 January 2027 → 1 June 2027" in coordinator.command("program set end 2027-06-01")
    assert "The end must come after the start." in coordinator.command("program set start 2027-07-01")
    with Session(bot.engine) as session:
        programme = session.exec(select(Programme)).one()
    assert (programme.start_date, programme.end_date) == (date(2027, 1, 11), date(2027, 6, 1))


def test_a_start_in_the_past_is_kept_with_a_warning_only_while_no_pair_is_confirmed(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    # A coordinator records when the programme really began: that is allowed. With nobody paired yet for it, she
    # is told so; once pairs are confirmed, a past start is simply history.
    shown = coordinator.command("program set start 2026-11-02")
    assert "Dates: 2 November 2026 → not set" in shown
    assert "That start date has passed and no pair is confirmed yet: `match` prepares them." in shown
    paired(bot, clock, coordinator)
    shown = coordinator.command("program set start 2026-11-03")
    assert "Dates: 3 November 2026 → not set" in shown and "no pair is confirmed yet" not in shown
    coordinator.command("program set start 2027-01-11")
    assert "no pair is confirmed yet" not in coordinator.text  # a start to come needs no warning


# The copy of one's data


def exported(outcome: Outcome) -> dict[str, object]:
    [document] = outcome.files
    assert document.name == "passerelle-my-data-2026-11-26.json"
    data: dict[str, object] = json.loads(document.content)
    return data


def test_the_copy_holds_pairs_commitments_objectives_not_with_and_programmes_readable_and_as_json(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair_id = paired(bot, clock, coordinator)
    actor = Actor("slack", "T0PASSE", MENTEE_ID, name="Sophie", locale="en-GB")
    bot.pressed(actor, "pair.commit", [str(pair_id)], clock.now)
    bot.submitted(actor, f"pair.objectives:{pair_id}", {"objective1": "Use Copilot every day"}, clock.now)
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, slack_style=True)
    sophie.command("not-with <@UMARC001>")
    a_volunteer(bot, "UMARC001", clock.now, MENTOR)  # now the bot knows Marc's name
    shown = sophie.command("export-my-data")
    assert "Here is everything Passerelle stores about you, on 26 November 2026." in shown
    assert "passerelle-my-data-2026-11-26.json" in shown
    # Labels and words, not internal codes.
    assert "Role: Mentee" in shown and "Languages: French" in shown and "Format: By video" in shown
    assert "ai_assistants" not in shown and "mentee" not in shown.replace("Mentee", "")
    assert "*Your mentor: <@UTOM0001>* · Reverse mentoring" in shown
    assert "Status: active since 26 November 2026" in shown
    assert "Your commitment to the charter: given on 26 November 2026" in shown
    assert "Your objectives:\n1. Use Copilot every day" in shown
    assert "never to be paired with (only you see this): <@UMARC001>" in shown
    assert "Coordinator: no" in shown and "Reverse mentoring: not set → not set" in shown
    data = exported(sophie.last)
    [pair] = data["pairs"]  # type: ignore[misc]
    assert pair["partner"] == {"user_id": MENTOR_ID, "name": "Tom0001"}
    assert (pair["status"], pair["you_are"], pair["objectives"]) == ("active", "mentee", ["Use Copilot every day"])
    assert pair["committed_to_the_charter_at"].startswith("2026-11-26")
    [enrollment] = data["enrollments"]  # type: ignore[misc]
    assert enrollment["answers"]["topics"] == ["ai_assistants"]
    assert enrollment["not_with"] == [{"user_id": "UMARC001", "name": "Marc001"}]
    assert data["programmes"] == [{"name": "Reverse mentoring", "start": None, "end": None}]
    assert data["person"]["user_id"] == MENTEE_ID and data["person"]["coordinator"] is False  # type: ignore[index]
    assert "address" not in data and "Where Passerelle writes to you" not in shown
    with Session(bot.engine) as session:  # the bot has written to her on its own: it knows her direct chat
        person = session.exec(select(Person).where(Person.user_id == MENTEE_ID)).one()
        assert person.id is not None
        keep_address(session, person.workspace_id, "person", person.id, {"channel": "DSOPHIE1"}, clock.now)
        session.commit()
    shown = sophie.command("export-my-data")
    assert "Passerelle remembers your direct conversation with it, to write to you there." in shown
    assert exported(sophie.last)["address"]["ref"] == {"channel": "DSOPHIE1"}  # type: ignore[index]


def test_the_copy_is_written_in_the_persons_language_with_french_dates(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair_id = paired(bot, clock, coordinator)
    coordinator.command(f"unpair <@{MENTEE_ID}>")
    with Session(bot.engine) as session:
        enrollment = session.exec(select(Enrollment).join(Person).where(Person.user_id == MENTEE_ID)).one()
        enrollment.answers = {**enrollment.answers, "format": "in_person"}
        session.add(enrollment)
        session.commit()
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, locale="fr-FR", slack_style=True)
    shown = sophie.command("export-my-data")
    assert "Voici tout ce que Passerelle conserve à votre sujet, au 26 novembre 2026." in shown
    assert "Rôle: Mentoré" in shown and "Format: En présentiel" in shown
    assert "Statut: terminé le 26 novembre 2026" in shown
    assert "Pourquoi il a pris fin: défait par un coordinateur" in shown
    assert "Langue: celle de votre plateforme (fr-FR)" in shown
    data = exported(sophie.last)
    assert [p["status"] for p in data["pairs"]] == ["ended"]  # type: ignore[union-attr, index]
    assert pair_id and [f.title for f in sophie.last.files] == ["Vos données dans Passerelle"]


def test_a_coordinator_and_someone_still_joining_find_it_in_their_copy(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    shown = coordinator.command("export-my-data")
    assert "Coordinator: yes" in shown and "Your pairs" not in shown
    ana = Dialog(bot, clock.now, user="UANA0001")
    ana.say("hello")
    ana.say("yes")
    ana.say("mentor")
    shown = ana.command("export-my-data")
    assert "You are answering the questions to join *Reverse mentoring*; your answers so far:" in shown
    assert "Role: Mentor" in shown
    data = exported(ana.last)
    assert data["onboarding_in_progress"]["answers"]["role"] == "mentor"  # type: ignore[index]


def test_the_copy_holds_the_persons_rematch_requests_and_what_was_decided(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair_id = paired(bot, clock, coordinator)
    actor = Actor("slack", "T0PASSE", MENTEE_ID, name="Sophie", locale="en-GB")
    bot.pressed(actor, "pair.rematch", [str(pair_id)], clock.now)
    bot.pressed(actor, "pair.rematch.confirm", [str(pair_id)], clock.now)
    sophie = Dialog(bot, clock.now, user=MENTEE_ID, slack_style=True)
    shown = sophie.command("export-my-data")
    assert "Your requests to end a pair (not a good fit)" in shown
    assert "Asked on 26 November 2026: <@UTOM0001> · awaiting a coordinator" in shown
    [request] = exported(sophie.last)["rematch_requests"]  # type: ignore[misc]
    assert request["partner"] == {"user_id": MENTOR_ID, "name": "Tom0001"} and request["outcome"] is None
    tom = Dialog(bot, clock.now, user=MENTOR_ID, slack_style=True)
    tom.command("export-my-data")
    assert "rematch_requests" not in exported(tom.last)  # he did not ask; who asked stays private
