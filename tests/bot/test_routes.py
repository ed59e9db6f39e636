"""The route table, table-driven: every guard keeps the wrong person out politely, every id-taking route refuses a
value that is not its id, and every button and form the core renders names a route that takes what it carries."""

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot import routes
from bot.actor import Actor
from bot.commands import Command
from bot.guards import Guard
from bot.service import Passerelle
from bot.ui import Outcome, channel_ref, form_action, mention
from storage.models import Commitment, Forbidden, Outbox, Pair, PairStatus, Person, Programme
from tests.bot.dialog import flat
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer, many_volunteers
from tests.conftest import Clock

COORD = "UCOORD01"
STRANGER = "USTRANGE1"  # enrolled, in no pair: nobody speaks her language
NOBODY = "UNOBODY01"  # never talked to the bot
ELSEWHERE = ("slack", "T0OTHER")
COORDINATORS_ONLY = "for the programme's coordinators"
FOR_MEMBERS = "These buttons are for the two members of this pair."
ENDED = "This pairing has ended."
NO_BUTTON = "That button no longer works."
NO_FORM = "That form no longer works."
# Values an id-taking route must refuse: missing, empty, not a number, not a positive integer, past a 32-bit id.
NOT_IDS = [None, "", "abc", "0", "-1", "1.5", " 1", "1e3", "0x10", "٣", "2147483648", "1" * 30]


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


def actor(user: str, workspace: tuple[str, str] = ("slack", "T0PASSE")) -> Actor:
    return Actor(*workspace, user, name=user.title())


def text(outcome: Outcome) -> str:
    return "\n".join(flat(r.message) for r in outcome.replies if not callable(r.message))


def snapshot(bot: Passerelle) -> tuple[object, ...]:
    """What a refused input must leave as it was."""
    with Session(bot.engine) as session:
        return (
            sorted((p.id, p.status, p.pinned, tuple(p.objectives)) for p in session.exec(select(Pair)).all()),
            sorted((p.name, p.is_current) for p in session.exec(select(Programme)).all()),
            sorted(p.user_id for p in session.exec(select(Person)).all() if p.is_coordinator),
            *(session.exec(select(func.count()).select_from(t)).one() for t in (Commitment, Forbidden, Outbox)),
        )


@dataclass
class Pairs:
    """Three pairs confirmed in the main workspace, the third ended since, and one pair in another workspace."""

    live: Pair
    other: Pair
    ended: Pair
    elsewhere: Pair
    users: dict[int, str]

    def member(self, pair: Pair) -> str:
        return self.users[pair.mentee_id]


def three_pairs(bot: Passerelle, clock: Clock) -> Pairs:
    many_volunteers(bot, clock.now, 3)
    a_volunteer(bot, STRANGER, clock.now, MENTEE, languages=["de"])
    a_volunteer(bot, "UM900000", clock.now, MENTOR, workspace=ELSEWHERE)
    a_volunteer(bot, "UE900000", clock.now, MENTEE, workspace=ELSEWHERE)
    for workspace in (("slack", "T0PASSE"), ELSEWHERE):
        bot.command(actor(COORD, workspace), "match", clock.now)
        bot.command(actor(COORD, workspace), "match confirm", clock.now)
    with Session(bot.engine) as session:
        pairs = sorted(session.exec(select(Pair)).all(), key=lambda p: p.id or 0)
        users = {p.id or 0: p.user_id for p in session.exec(select(Person)).all()}
    live, other, ended, elsewhere = pairs
    assert elsewhere.workspace_id != live.workspace_id and {p.status for p in pairs} == {PairStatus.ACTIVE}
    bot.command(actor(COORD), f"unpair {mention(users[ended.mentor_id])}", clock.now)
    return Pairs(live, other, ended, elsewhere, users)


# -- the coordinator guard ---------------------------------------------------------------------------------------

COORDINATOR_COMMANDS = [c for c in routes.COMMANDS.values() if c.guard is Guard.COORDINATOR]
COORDINATOR_BUTTONS = [b for b in routes.BUTTONS.values() if b.guard is Guard.COORDINATOR]
# What a coordinator would type after each command's name, so that a refusal is seen to change nothing.
ARGUMENTS = {
    "program": "new Cohort 2027",
    "announce": channel_ref("C0GENERAL1"),
    "match": "confirm",
    "pair": f"{mention('UM000000')} {mention('UE000001')}",
    "unpair": mention("UM000000"),
    "coordinators": f"add {mention(STRANGER)}",
}


def test_every_coordinator_command_has_words_to_try() -> None:
    assert set(ARGUMENTS) <= {c.name for c in COORDINATOR_COMMANDS}
    assert {"program", "match", "pairs", "coordinators"} <= {c.name for c in COORDINATOR_COMMANDS}


@pytest.mark.parametrize("command", COORDINATOR_COMMANDS, ids=lambda c: c.name)
def test_a_volunteer_typing_a_coordinators_command_is_refused_by_name(
    bot: Passerelle, clock: Clock, command: Command
) -> None:
    many_volunteers(bot, clock.now, 2)
    bot.command(actor(COORD), "match", clock.now)
    before = snapshot(bot)
    for word in (command.name, *command.aliases):
        for line in (word, f"{word} {ARGUMENTS.get(command.name, '')}"):
            for how in (bot.command, bot.said):
                refused = text(how(actor("UM000000"), line, clock.now))
                assert f"Sorry, `{command.name}` is for the programme's coordinators." in refused, line
            pressed = bot.pressed(actor(STRANGER), f"/{word}", [ARGUMENTS.get(command.name, "")], clock.now)
            assert f"Sorry, `{command.name}` is for the programme's coordinators." in text(pressed), line
    assert snapshot(bot) == before
    assert COORDINATORS_ONLY not in text(bot.command(actor(COORD), command.name, clock.now))


@pytest.mark.parametrize("route", COORDINATOR_BUTTONS, ids=lambda b: b.name)
def test_a_volunteer_pressing_a_coordinators_button_is_refused(
    bot: Passerelle, clock: Clock, route: routes.Button
) -> None:
    many_volunteers(bot, clock.now, 2)
    bot.command(actor(COORD), "match", clock.now)
    with Session(bot.engine) as session:
        proposed = str(session.exec(select(Pair.id)).first())
    before = snapshot(bot)
    for user in ("UM000000", STRANGER, NOBODY):
        refused = text(bot.pressed(actor(user), route.name, [proposed], clock.now))
        assert "Sorry, this is for the programme's coordinators." in refused, user
    assert snapshot(bot) == before
    assert COORDINATORS_ONLY not in text(bot.pressed(actor(COORD), route.name, [proposed], clock.now))


# -- the member guard ----------------------------------------------------------------------------------------------

MEMBER_ROUTES = [r for r in routes.ROUTES if r.guard is Guard.MEMBER]


def act(bot: Passerelle, user: str, route: routes.Route, value: str | None, clock: Clock) -> Outcome:
    """The route pressed, or its form submitted, carrying `value` as every button and form carries an id."""
    if isinstance(route, routes.PairSubmit | routes.Submit):
        action = route.name if value is None else f"{route.name}:{value}"
        return bot.submitted(actor(user), action, {"objective1": "Learn prompts"}, clock.now)
    return bot.pressed(actor(user), route.name, [] if value is None else [value], clock.now)


def test_the_member_routes_are_the_pairs_buttons_and_form() -> None:
    assert {r.name for r in MEMBER_ROUTES} == {
        "pair.commit",
        "pair.objectives",
        "pair.book",
        "pair.rematch",
        "pair.rematch.confirm",
        "pair.rematch.cancel",
        "pair.snooze.3d",
        "pair.snooze.1w",
        "pair.met",
        "pair.pause",
        "pair.stay",
        "pair.cancel",
        "pair.points",
    }
    assert sum(isinstance(r, routes.PairSubmit) for r in MEMBER_ROUTES) == 4


@pytest.mark.parametrize("route", MEMBER_ROUTES, ids=lambda r: f"{type(r).__name__}:{r.name}")
def test_only_the_two_members_of_a_live_pair_pass_its_guard(bot: Passerelle, clock: Clock, route: routes.Route) -> None:
    pairs = three_pairs(bot, clock)
    before = snapshot(bot)
    live = str(pairs.live.id)
    for user in (STRANGER, NOBODY, COORD, pairs.member(pairs.other), pairs.users[pairs.other.mentor_id]):
        assert FOR_MEMBERS in text(act(bot, user, route, live, clock)), user
    for user in (pairs.member(pairs.ended), pairs.users[pairs.ended.mentor_id]):
        assert text(act(bot, user, route, str(pairs.ended.id), clock)) == ENDED
    assert text(act(bot, pairs.member(pairs.live), route, str(pairs.elsewhere.id), clock)) == ENDED
    assert snapshot(bot) == before
    passed = act(bot, pairs.member(pairs.live), route, live, clock)
    assert FOR_MEMBERS not in text(passed) and ENDED not in text(passed)


# -- values that are not what the route takes ---------------------------------------------------------------------

ID_ROUTES = [
    r
    for r in routes.ROUTES
    if isinstance(r, routes.PressOn | routes.ProposalPress | routes.PairPress | routes.PairSubmit)
]


@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda r: f"{type(r).__name__}:{r.name}")
def test_an_id_taking_route_refuses_a_value_that_is_not_an_id(
    bot: Passerelle, clock: Clock, route: routes.Route
) -> None:
    pairs = three_pairs(bot, clock)
    bot.command(actor(COORD), "match", clock.now)
    user = COORD if route.guard is Guard.COORDINATOR else pairs.member(pairs.live)
    refusal = NO_FORM if isinstance(route, routes.PairSubmit) else NO_BUTTON
    before = snapshot(bot)
    for value in NOT_IDS:
        assert refusal in text(act(bot, user, route, value, clock)), repr(value)
    assert snapshot(bot) == before


@pytest.mark.parametrize("route", ["match.pin", "match.forbid"])
def test_a_proposal_button_refuses_the_id_of_a_pair_of_another_workspace_or_not_proposed(
    bot: Passerelle, clock: Clock, route: str
) -> None:
    pairs = three_pairs(bot, clock)
    before = snapshot(bot)
    for pair in (pairs.elsewhere, pairs.live, pairs.ended):
        refused = text(bot.pressed(actor(COORD), route, [str(pair.id)], clock.now))
        assert "That pair is no longer in the proposal." in refused
    assert snapshot(bot) == before


def test_a_form_that_acts_on_nothing_refuses_an_id_and_an_unknown_form_is_refused(
    bot: Passerelle, clock: Clock
) -> None:
    many_volunteers(bot, clock.now, 1)
    for action in ("pause:3", "pause:", "objectives", "retired.form", ""):
        assert NO_FORM in text(bot.submitted(actor("UM000000"), action, {"until": None}, clock.now)), action
    for action in ("retired_action", "cmd", "/no-such-command", "onb", "match", ""):
        assert NO_BUTTON in text(bot.pressed(actor("UM000000"), action, ["1"], clock.now)), action


# -- names of messages posted before the route table ----------------------------------------------------------------


def test_buttons_and_forms_posted_before_the_route_table_still_work_and_are_still_guarded(
    bot: Passerelle, clock: Clock
) -> None:
    pairs = three_pairs(bot, clock)
    member = pairs.member(pairs.live)
    bot.command(actor(member), "pause", clock.now)
    assert "Welcome back" in text(bot.pressed(actor(member), "cmd", ["resume"], clock.now))
    line = "program new --confirmed Cohort 2027"
    assert "Sorry, `program` is for the programme's coordinators." in text(
        bot.pressed(actor(member), "cmd", [line], clock.now)
    )
    assert "Programme *Cohort 2027* created" in text(bot.pressed(actor(COORD), "cmd", [line], clock.now))
    assert NO_BUTTON in text(bot.pressed(actor(member), "cmd", ["no-such-command"], clock.now))
    saved = bot.submitted(actor(member), f"objectives.{pairs.live.id}", {"objective1": "Learn prompts"}, clock.now)
    assert not saved.form_errors
    refused = bot.submitted(actor(STRANGER), f"objectives.{pairs.live.id}", {"objective1": "x"}, clock.now)
    assert FOR_MEMBERS in text(refused)
    with Session(bot.engine) as session:
        assert session.get(Pair, pairs.live.id).objectives == ["Learn prompts"]  # type: ignore[union-attr]


# -- the table itself ------------------------------------------------------------------------------------------------


def test_every_route_is_listed_once_and_no_alias_shadows_a_command() -> None:
    assert len(routes.ROUTES) == len(routes.COMMANDS) + len(routes.BUTTONS) + len(routes.FORMS)
    assert not set(routes.ALIASES) & set(routes.COMMANDS)
    aliases = [a for c in routes.COMMANDS.values() for a in c.aliases]
    assert len(aliases) == len(set(aliases))
    assert all(r.guard in Guard for r in routes.ROUTES)


def test_an_id_is_read_strictly() -> None:
    assert [routes.read_id(v) for v in ("1", "42", "2147483647")] == [1, 42, 2147483647]
    assert [routes.read_id(v) for v in NOT_IDS if v is not None] == [None] * (len(NOT_IDS) - 1)
    assert routes.form(form_action("pair.objectives", 42)) == (routes.FORMS["pair.objectives"], "42")
    assert routes.form(form_action("pause")) == (routes.FORMS["pause"], None)
