"""Statuses change in one place each, by the transitions of their entity's life: pause and resume give back what
was, the tick too; a pair rests on its members' role and stage; no other module writes a status."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.pairing import pair as pair_status
from bot.service import Passerelle
from bot.transitions import InvalidTransition
from bot.volunteers import enrollment as enrollment_status
from storage.models import Enrollment, EnrollmentStatus, Pair, PairStatus, Person, Programme
from tests.bot.dialog import Dialog
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
BOT = Path(__file__).resolve().parents[2] / "bot"
STATUS_MODULES = {BOT / "volunteers" / "enrollment.py", BOT / "pairing" / "pair.py", BOT / "lifecycle" / "meeting.py"}
STATUS_WORDS = {s.value for s in (*EnrollmentStatus, *PairStatus)}
ROWS = ("Enrollment", "Pair")  # the tables that have a status
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


def paired(bot: Passerelle, clock: Clock) -> tuple[Dialog, Dialog]:
    """Ana (mentor) and Marc (mentee) in an active pair."""
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    return Dialog(bot, clock.now, user="UANA0001"), Dialog(bot, clock.now, user="UMARC001")


def status_of(bot: Passerelle, user: str) -> str:
    with Session(bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == user)).one()
        return session.exec(select(Enrollment).where(Enrollment.person_id == person.id)).one().status


def test_a_matched_person_who_pauses_then_resumes_is_matched_again(bot: Passerelle, clock: Clock) -> None:
    _, marc = paired(bot, clock)
    marc.command("pause")
    assert status_of(bot, "UMARC001") == "paused"
    resumed = marc.command("resume")
    assert "Your pairing goes on" in resumed and "next matching" not in resumed
    assert status_of(bot, "UMARC001") == "matched"


def test_the_tick_ends_a_pause_on_its_date_with_the_status_from_before(bot: Passerelle, clock: Clock) -> None:
    ana, _ = paired(bot, clock)
    a_volunteer(bot, "UJEAN001", clock.now, MENTEE)
    jean = Dialog(bot, clock.now, user="UJEAN001")
    ana.command("pause until 2026-12-03")
    jean.command("pause until 2026-12-03")
    bot.tick(clock.now + timedelta(days=6))
    assert (status_of(bot, "UANA0001"), status_of(bot, "UJEAN001")) == ("paused", "paused")
    bot.tick(clock.now + timedelta(days=7))
    assert (status_of(bot, "UANA0001"), status_of(bot, "UJEAN001")) == ("matched", "ready")


def test_resuming_after_the_pair_ended_during_the_pause_gives_ready(bot: Passerelle, clock: Clock) -> None:
    ana, marc = paired(bot, clock)
    marc.command("pause")
    ana.command("leave")
    ana.press("Yes, leave")
    assert status_of(bot, "UMARC001") == "paused"  # a pause is not interrupted
    assert "next matching" in marc.command("resume")
    assert status_of(bot, "UMARC001") == "ready"


def test_editing_role_or_stage_while_paired_is_refused_with_what_to_do(bot: Passerelle, clock: Clock) -> None:
    ana, _ = paired(bot, clock)
    ana.command("profile")
    ana.press("Edit my profile")
    ana.say("edit")
    for answer in ("role", "career stage"):
        refused = ana.say(answer)
        assert "it was made for your role and career stage" in refused and "`unpair`" in refused
        assert "Which answer do you want to change?" in refused
    ana.say("site")
    ana.say("Lille")
    assert "Your profile is updated" in ana.say("confirm")
    with Session(bot.engine) as session:
        answers = session.exec(select(Enrollment).where(Enrollment.role == "mentor")).one().answers
    assert (answers["site"], answers["role"]) == ("Lille", "mentor")


def test_a_role_changed_before_the_pair_was_confirmed_is_refused_at_confirmation(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    ana = Dialog(bot, clock.now, user="UANA0001")
    ana.command("profile")
    ana.press("Edit my profile")
    ana.say("edit")
    ana.say("role")
    ana.say("mentee")
    ana.say("a must")
    ana.say("nice to have")
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")  # meanwhile, Ana is paired as the mentor she was
    refused = ana.say("confirm")
    assert "Your profile is unchanged" in refused and "`unpair`" in refused
    assert status_of(bot, "UANA0001") == "matched"
    with Session(bot.engine) as session:
        assert session.exec(select(Enrollment).where(Enrollment.role == "mentor")).one().answers["role"] == "mentor"


def an_enrollment(status: EnrollmentStatus) -> Enrollment:
    return Enrollment(workspace_id=1, programme_id=1, person_id=1, status=status, consented_at=NOW, updated_at=NOW)


@pytest.mark.parametrize(
    ("status", "change"),
    [
        (EnrollmentStatus.ONBOARDING, enrollment_status.matched),
        (EnrollmentStatus.LEFT, enrollment_status.matched),
        (EnrollmentStatus.ONBOARDING, enrollment_status.leave),
        (EnrollmentStatus.LEFT, enrollment_status.leave),
    ],
)
def test_an_enrollment_refuses_a_change_its_life_does_not_allow(status: EnrollmentStatus, change: object) -> None:
    enrollment = an_enrollment(status)
    with pytest.raises(InvalidTransition, match=f"{status} cannot become"):
        change(enrollment, NOW)
    assert enrollment.status == status


@pytest.mark.parametrize("status", [EnrollmentStatus.ONBOARDING, EnrollmentStatus.LEFT])
def test_only_a_confirmed_enrollment_pauses(status: EnrollmentStatus) -> None:
    with pytest.raises(InvalidTransition):
        enrollment_status.pause(an_enrollment(status), None, NOW)


def test_a_pause_remembers_what_was_before_even_when_its_date_changes() -> None:
    enrollment = an_enrollment(EnrollmentStatus.MATCHED)
    enrollment_status.pause(enrollment, None, NOW)
    enrollment_status.pause(enrollment, None, NOW)
    assert (enrollment.status, enrollment.paused_from) == ("paused", "matched")


def a_pair(status: PairStatus) -> Pair:
    return Pair(workspace_id=1, programme_id=1, mentor_id=1, mentee_id=2, status=status, created_at=NOW)


def test_a_pair_lives_proposed_active_at_risk_ended_and_never_comes_back() -> None:
    pair = a_pair(PairStatus.PROPOSED)
    with pytest.raises(InvalidTransition):
        pair_status.end(pair, pair_status.EndReason.UNPAIRED, NOW)
    pair_status.confirm(pair, NOW)
    pair_status.flag_at_risk(pair)
    pair_status.end(pair, pair_status.EndReason.UNPAIRED, NOW)
    assert (pair.status, pair.ended_reason) == ("ended", "unpaired")
    with pytest.raises(InvalidTransition, match="ended cannot become active"):
        pair_status.confirm(pair, NOW)
    with pytest.raises(InvalidTransition, match="ended cannot become ended"):
        pair_status.end(pair, pair_status.EndReason.LEFT, NOW)
    assert pair.ended_reason == "unpaired"


def test_only_a_proposal_is_dropped(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(InvalidTransition, match="only a proposal"):
        pair_status.drop(session, [a_pair(PairStatus.ACTIVE)])


def status_writes(tree: ast.AST) -> list[int]:
    """Lines that assign a `.status`, or build an Enrollment or a Pair with one."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(n, ast.Attribute) and n.attr == "status" for n in names):
                lines.append(node.lineno)
        built = (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Enrollment", "Pair")
        )
        if built and any(k.arg == "status" for k in node.keywords):
            lines.append(node.lineno)
    return lines


def status_words(tree: ast.AST) -> list[int]:
    """Lines that compare a `.status` with a status spelled as a string."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "status" for side in sides):
                words = [c for side in sides for c in ast.walk(side) if isinstance(c, ast.Constant)]
                lines += [node.lineno for c in words if c.value in STATUS_WORDS]
    return lines


def test_no_module_but_the_status_modules_writes_a_status_or_spells_one() -> None:
    written, spelled = [], []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        spelled += [f"{path.name}:{line}" for line in status_words(tree)]
        if path not in STATUS_MODULES:
            written += [f"{path.name}:{line}" for line in status_writes(tree)]
    assert (written, spelled) == ([], [])


def test_the_current_programme_is_the_one_marked_so(bot: Passerelle, clock: Clock) -> None:
    Dialog(bot, clock.now, user=COORD).command("help")
    with Session(bot.engine) as session:
        assert [p.is_current for p in session.exec(select(Programme)).all()] == [True]


def test_a_pause_until_a_day_said_in_words_ends_on_that_day(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UJEAN001", clock.now, MENTEE)
    jean = Dialog(bot, clock.now, user="UJEAN001")
    assert "Usage" not in jean.command("pause until in 2 weeks")
    assert status_of(bot, "UJEAN001") == "paused"
    bot.tick(clock.now + timedelta(days=13))
    assert status_of(bot, "UJEAN001") == "paused"
    bot.tick(clock.now + timedelta(days=14))
    assert status_of(bot, "UJEAN001") == "ready"
