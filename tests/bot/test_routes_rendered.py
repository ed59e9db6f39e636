"""Every button, menu and form the core renders in its main flows names a route that takes what it carries, and
every button and form route is rendered by one of them."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import routes
from bot.commands import Command
from bot.pairing import shown as proposal_button
from bot.service import Passerelle
from bot.ui import Buttons, Choice, DateInput, Form, Message, Outcome, PersonChoice, TextInput, channel_ref
from storage.models import Pair, PairStatus, Person, Pulse, Survey
from tests.bot.dialog import MENTEE_ANSWERS, Dialog, buttons, queued
from tests.bot.test_lifecycle import deliver
from tests.bot.volunteers import many_volunteers
from tests.conftest import Clock

COORD = "UCOORD01"
NEWCOMER = "UNEW00001"


@dataclass
class Screens:
    """What the core showed, gathered from every outcome: messages (and the ones it rewrote) and forms."""

    messages: list[Message] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)

    def keep(self, outcome: Outcome) -> Outcome:
        self.messages += [r.message for r in outcome.replies if isinstance(r.message, Message)]
        self.messages += [outcome.replace] if outcome.replace else []
        self.forms += [outcome.form] if outcome.form else []
        return outcome

    def controls(self) -> list[tuple[str, str]]:
        """Every (action, value) a person can send back from a message: buttons, then menus and inputs."""
        found: list[tuple[str, str]] = []
        for shown in self.messages:
            for block in shown.blocks:
                if isinstance(block, Buttons):
                    found += [(b.action, b.value) for b in block.buttons]
                elif isinstance(block, Choice | PersonChoice | TextInput | DateInput):
                    found.append((block.action, ""))  # a menu's value is what is picked, not an id
        return found


def onboarding(bot: Passerelle, clock: Clock, screens: Screens) -> Dialog:
    """A newcomer's Home tab, then every question of onboarding, the summary, its edit menu, and the confirmation."""
    newcomer = Dialog(bot, clock.now, user=NEWCOMER)
    screens.messages.append(bot.home(newcomer.actor, clock.now))
    for answer in ("hello", *MENTEE_ANSWERS):
        newcomer.say(answer)
        screens.keep(newcomer.last)
        if answer == "oui":
            screens.messages.append(bot.home(newcomer.actor, clock.now))  # "Continue" to join
    newcomer.press("Edit")
    screens.keep(newcomer.last)
    screens.keep(bot.pressed(newcomer.actor, "onb.edit", ["site"], clock.now))
    for answer in ("Lyon", "confirm"):
        screens.keep(bot.said(newcomer.actor, answer, clock.now))
    return newcomer


def a_volunteers_screens(bot: Passerelle, clock: Clock, screens: Screens) -> None:
    """Help, profile, Home (enrolled, paused, left), the pause form, erasure, leaving, the call for volunteers."""
    ana = onboarding(bot, clock, screens).actor
    for line in ("help", "profile", "delete-my-data"):
        screens.keep(bot.command(ana, line, clock.now))
    screens.keep(bot.pressed(ana, "profile.edit", [""], clock.now))
    asked = screens.keep(bot.said(ana, "stop", clock.now))
    screens.keep(bot.pressed(ana, "onb.stop.confirm", [buttons(asked)["Yes, stop"].value], clock.now))
    screens.messages.append(bot.home(ana, clock.now))
    screens.keep(bot.pressed(ana, "pause.form", [""], clock.now))
    screens.keep(bot.command(ana, "pause", clock.now))
    screens.messages.append(bot.home(ana, clock.now))
    screens.keep(bot.command(ana, "leave", clock.now))
    screens.keep(bot.pressed(ana, "leave.cancel", [""], clock.now))
    asked = screens.keep(bot.command(ana, "leave", clock.now))
    screens.keep(bot.pressed(ana, "leave.confirm", [buttons(asked)["Yes, leave"].value], clock.now))
    screens.messages.append(bot.home(ana, clock.now))


def a_coordinators_screens(bot: Passerelle, clock: Clock, screens: Screens) -> None:
    """Help, Home with figures, program new, announce, and the matching preview over two pages."""
    claire = Dialog(bot, clock.now, user=COORD).actor
    screens.messages.append(bot.home(claire, clock.now))
    for line in ("help", "program new Cohort 2027", f"announce {channel_ref('C0GENERAL1')}", "match"):
        screens.keep(bot.command(claire, line, clock.now))
    screens.keep(bot.pressed(claire, "match.page", ["2"], clock.now))


def a_pairs_screens(bot: Passerelle, clock: Clock, screens: Screens) -> None:
    """The confirmation, the introductions and guides it queues, and what the members' buttons answer."""
    screens.keep(bot.pressed(Dialog(bot, clock.now, user=COORD).actor, "match.confirm", [""], clock.now))
    with Session(bot.engine) as session:
        pair = session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).first()
        assert pair is not None
        member = session.get(Person, pair.mentee_id)
        assert member is not None
    for name in ("pair.commit", "pair.objectives", "pair.book", "pair.rematch", "pair.rematch.confirm"):
        screens.keep(bot.pressed(Dialog(bot, clock.now, user=member.user_id).actor, name, [str(pair.id)], clock.now))
    # Nothing booked: a reminder, a last one, the next period's nudge, each delivered; and on the next working day,
    # the mentor who answered none is asked.
    for days in (7, 14, 35):
        bot.tick(clock.now + timedelta(days=days))
        deliver(bot, clock.now + timedelta(days=days))
    later = clock.now + timedelta(days=36)
    bot.tick(later)
    for name in ("pair.pause", "pair.snooze.3d", "pair.stay", "pair.met"):
        screens.keep(bot.pressed(Dialog(bot, later, user=member.user_id).actor, name, [str(pair.id)], later))
    # A session booked: its confirmation, the talking points asked of the mentor two days before, and their form.
    day = (later + timedelta(days=5)).date().isoformat()
    booked = {"day": day, "time": "14:00", "format": "video", "place": "", "odd_hour": None}
    screens.keep(bot.submitted(Dialog(bot, later, user=member.user_id).actor, f"pair.book:{pair.id}", booked, later))
    bot.tick(later + timedelta(days=4))
    with Session(bot.engine) as session:
        mentor = session.get(Person, pair.mentor_id)
        assert mentor is not None
    asking = later + timedelta(days=4, hours=1)
    screens.keep(bot.pressed(Dialog(bot, asking, user=mentor.user_id).actor, "pair.points", [str(pair.id)], asking))
    # The session over: each member's pulse, and its form.
    after = later + timedelta(days=6)
    bot.tick(after)
    with Session(bot.engine) as session:
        pulse = session.exec(select(Pulse).where(Pulse.person_id == member.id)).first()
        assert pulse is not None
    screens.keep(bot.pressed(Dialog(bot, after, user=member.user_id).actor, "pulse.open", [str(pulse.id)], after))
    for line in ("status", "concern", "book"):
        screens.keep(bot.command(Dialog(bot, after, user=member.user_id).actor, line, after))
    # Mid-programme and its end: the checkpoint and the survey, and the survey's form.
    for months in (3, 6):
        bot.tick(clock.now + timedelta(days=31 * months))
    end = clock.now + timedelta(days=190)
    with Session(bot.engine) as session:
        survey = session.exec(select(Survey).where(Survey.person_id == member.id, Survey.kind == "end")).first()
        assert survey is not None
    screens.keep(bot.pressed(Dialog(bot, end, user=member.user_id).actor, "survey.open", [str(survey.id)], end))
    screens.messages += [q.message for q in queued(bot)]
    screens.keep(bot.command(Dialog(bot, clock.now, user=member.user_id).actor, "leave", clock.now))


def every_screen(engine: Engine, clock: Clock) -> Screens:
    screens = Screens()
    bot = Passerelle(engine, coordinators=frozenset({COORD}))
    a_volunteers_screens(bot, clock, screens)
    many_volunteers(bot, clock.now, 12)  # more than a page of proposed pairs
    a_coordinators_screens(bot, clock, screens)
    a_pairs_screens(bot, clock, screens)
    return screens


def takes(route: routes.Route, value: str) -> bool:
    """Whether a button's value is what its route takes: nothing, an id, a command's words, an answer."""
    match route:
        case routes.Press():
            return value == ""
        case routes.PressOn() | routes.PairPress():
            return routes.read_id(value) is not None
        case routes.ProposalPress():
            found = proposal_button.read(value)
            return found is not None and found[1] is not None  # the members it shows, named
        case _:
            return isinstance(route, Command | routes.Answers)


def test_every_control_the_core_renders_names_a_route_that_takes_its_value(sqlite_engine: Engine, clock: Clock) -> None:
    screens = every_screen(sqlite_engine, clock)
    controls = screens.controls()
    assert len(controls) > 50
    for action, value in controls:
        route = routes.button(action)
        assert route is not None, action
        assert takes(route, value), (action, value)
    rendered = {route.name for action, _ in controls if (route := routes.button(action)) is not None}
    assert rendered >= set(routes.BUTTONS)  # and every button route is rendered somewhere
    assert {"resume", "leave", "program"} <= rendered  # the buttons that run a command


def test_every_form_the_core_renders_names_a_form_route(sqlite_engine: Engine, clock: Clock) -> None:
    forms = every_screen(sqlite_engine, clock).forms
    found = [routes.form(f.action) for f in forms]
    assert all(found), [f.action for f in forms]
    assert {route.name for route, _ in filter(None, found)} == set(routes.FORMS)
    for route, value in filter(None, found):
        if isinstance(route, routes.PairSubmit | routes.SubmitOn):
            assert value is not None and routes.read_id(value) is not None
        else:
            assert value is None
