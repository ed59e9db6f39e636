"""Every command, button and form the bot answers, listed once: its name, what it takes, its guard, its rule.

- A command is typed after the channel's prefix. A button may run one: its action is `/<command>`, its value the
  command's words.
- A button's action is its route's name; its value is the id the route acts on, or empty when it takes nothing.
- A form's action is its route's name, then `:` and the id it acts on when it acts on one (`ui.form_action`).
- Onboarding's buttons and menus are `onb.<step>[.<what>]`: the flow reads the step from the action.

Names are unique within commands, within buttons, and within forms.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from bot.commands import Command, command_word, help_reply
from bot.context import Ctx
from bot.guards import Guard
from bot.ids import read_id as read_id  # where the service and the tests read ids
from bot.lifecycle import booking, nudges, pulses, surveys
from bot.lifecycle import commands as lifecycle
from bot.pairing import adjust, confirm, members, preview, rematch_decision, runs
from bot.pairing import commands as pairing
from bot.programme import announce, coordinators, current
from bot.programme import settings as programme
from bot.reports import enrolment, report
from bot.topics import N_
from bot.ui import FORM_ID, Outcome
from bot.volunteers import data, not_with, pause, profile
from bot.volunteers.onboarding import flow
from storage.models import Pair

Values = dict[str, str | None]  # a form's fields by name; None for a field left empty
COMMAND_BUTTON = "/"  # the action of a button that runs a command: `/resume`
ONBOARDING = "onb."  # the prefix of every onboarding action
ANYONE, COORDINATOR = Guard.ANYONE, Guard.COORDINATOR


@dataclass(frozen=True)
class Press:
    """A button that takes nothing."""

    name: str
    run: Callable[[Ctx], Outcome]
    guard: Guard = ANYONE


@dataclass(frozen=True)
class PressOn:
    """A button whose value is the number it acts on: a page, a proposed pair."""

    name: str
    run: Callable[[Ctx, int], Outcome]
    guard: Guard = ANYONE


@dataclass(frozen=True)
class ProposalPress:
    """A preview's button about one proposed pair: its value names the pair and its members (bot/pairing/shown.py),
    and the rule gets the pair's id and those members, None from a preview posted before they were named."""

    name: str
    run: Callable[[Ctx, int, tuple[int, int] | None], Outcome]
    guard: Guard = ANYONE


@dataclass(frozen=True)
class PairPress:
    """A button of a pair's conversation; its value is the pair's id and the rule gets the pair, locked."""

    name: str
    run: Callable[[Ctx, Pair], Outcome]
    guard: ClassVar[Guard] = Guard.MEMBER


@dataclass(frozen=True)
class Submit:
    """A form that acts on nothing but its fields."""

    name: str
    run: Callable[[Ctx, Values], Outcome]
    guard: Guard = ANYONE


@dataclass(frozen=True)
class SubmitOn:
    """A form about one row (a pulse): its action carries the row's id, which the rule checks is the caller's."""

    name: str
    run: Callable[[Ctx, int, Values], Outcome]
    guard: Guard = ANYONE


@dataclass(frozen=True)
class PairSubmit:
    """A form about a pair: its action carries the pair's id, and the rule gets the pair, locked."""

    name: str
    run: Callable[[Ctx, Pair, Values], Outcome]
    guard: ClassVar[Guard] = Guard.MEMBER


@dataclass(frozen=True)
class Answers:
    """Onboarding's buttons and menus: the rule gets the whole action and every value picked."""

    name: str
    run: Callable[[Ctx, str, list[str]], Outcome]
    guard: Guard = ANYONE


Button = Press | PressOn | ProposalPress | PairPress | Answers
Form = Submit | SubmitOn | PairSubmit
Route = Command | Button | Form


def _help(ctx: Ctx, words: list[str]) -> Outcome:
    return help_reply(ctx, COMMANDS.values())


ROUTES: tuple[Route, ...] = (
    # Everyone's commands, in the order help shows them.
    Command("help", "help", N_("what you can do"), _help, aliases=("aide", "?")),
    Command("join", "join", N_("join the programme as a mentor or mentee"), profile.join, aliases=("rejoindre",)),
    Command("profile", "profile", N_("see and edit your profile"), profile.profile, aliases=("profil",)),
    Command("pause", "pause [until DATE]", N_("take a break, until a date if you like"), pause.pause),
    Command("resume", "resume", N_("come back after a pause"), pause.resume, aliases=("reprendre",)),
    Command("leave", "leave", N_("leave the programme"), profile.leave, aliases=("quitter",)),
    Command("export-my-data", "export-my-data", N_("get a copy of your data"), data.export),
    Command("delete-my-data", "delete-my-data", N_("erase all your data"), data.delete),
    Command("book", "book", N_("book your pair's next hour"), lifecycle.book, aliases=("reserver",)),
    Command(
        "status",
        "status",
        N_("your pair, your objectives, your next session"),
        lifecycle.status,
        aliases=("etat", "statut"),
    ),
    Command(
        "concern",
        "concern [what you would like to say]",
        N_("raise a private concern with the coordinators"),
        lifecycle.concern,
        aliases=("souci",),
    ),
    Command("language", "language en|fr", N_("choose your language"), profile.language, aliases=("langue",)),
    Command(
        "not-with",
        not_with.USAGE,
        N_("people you would rather not be paired with (only you see it)"),
        not_with.not_with,
    ),
    # The coordinators' commands.
    Command(
        "program",
        programme.PROGRAM_USAGE,
        N_("show, create, list, switch or configure the programmes"),
        programme.program,
        COORDINATOR,
        ("programme",),
    ),
    Command(
        "announce",
        "announce #channel",
        N_("post the call for volunteers in a channel"),
        announce.announce,
        COORDINATOR,
        ("annoncer",),
        ("announce", N_("the call for volunteers, to pass on in a channel post or an e-mail")),
    ),
    Command(
        "volunteers",
        "volunteers",
        N_("count volunteers by role, topic and status"),
        enrolment.volunteers,
        COORDINATOR,
        ("volontaires",),
    ),
    Command("report", "report", N_("the programme's figures and a chart"), report.report, COORDINATOR, ("rapport",)),
    Command("export", "export", N_("pairs and sessions as a CSV file"), report.export, COORDINATOR, ("exporter",)),
    Command("match", pairing.MATCH_USAGE, N_("preview, adjust and confirm the pairs"), pairing.match, COORDINATOR),
    Command("pair", "pair @mentor @mentee", N_("pair two volunteers by hand"), pairing.pair, COORDINATOR),
    Command("unpair", "unpair @person", N_("undo someone's pair"), pairing.unpair, COORDINATOR),
    Command("pairs", "pairs", N_("list the pairs of the programme"), pairing.pairs, COORDINATOR, ("binomes",)),
    Command("nudge", "nudge", N_("send now the reminders that are due"), lifecycle.nudge, COORDINATOR, ("relancer",)),
    Command(
        "coordinators",
        "coordinators add|remove @person",
        N_("name or remove coordinators"),
        coordinators.coordinators,
        COORDINATOR,
        ("coordinateurs",),
    ),
    # A volunteer's buttons: the Home tab, the profile, the call for volunteers, erasure.
    Press("join", flow.start),
    Press("profile.edit", flow.edit),
    Press("pause.form", pause.pause_form),
    Press("data.delete", lambda ctx: data.delete(ctx, [])),
    Press("data.delete.confirm", data.confirm_delete),
    Press("data.delete.cancel", data.cancel_delete),
    Answers(ONBOARDING, flow.on_press),
    # The coordinators' buttons: a new programme, the matching preview.
    Press("program.new.cancel", current.cancel_new, COORDINATOR),
    PressOn("match.page", preview.page, COORDINATOR),
    Press("match.run", runs.start_again, COORDINATOR),
    Press("match.csv", preview.csv_file, COORDINATOR),
    Press("match.confirm", confirm.confirm, COORDINATOR),
    ProposalPress("match.pin", adjust.pin, COORDINATOR),
    ProposalPress("match.forbid", adjust.forbid, COORDINATOR),
    # A pair's own conversation: its two members only.
    PairPress("pair.commit", members.commit),
    PairPress("pair.objectives", members.objectives_form),
    PairPress("pair.book", booking.form),
    PairPress("pair.cancel", booking.cancel),
    PairPress("pair.points", booking.points_form),
    PairPress("pair.rematch", members.not_a_fit),
    PairPress("pair.rematch.confirm", members.not_a_fit_confirmed),
    PairPress("pair.rematch.cancel", members.keep),
    PairPress("pair.snooze.3d", nudges.snooze_3_days),
    PairPress("pair.snooze.1w", nudges.snooze_a_week),
    PairPress("pair.met", nudges.met),
    PairPress("pair.pause", nudges.pause_form),
    PairPress("pair.stay", nudges.stay),
    # Forms.
    Submit("pause", pause.pause_submitted),
    Submit("concern", lifecycle.concern_submitted),
    PairSubmit("pair.objectives", members.objectives_submitted),
    PairSubmit("pair.pause", nudges.pause_submitted),
    PairSubmit("pair.book", booking.submitted),
    PairSubmit("pair.points", booking.points_submitted),
    # A member's own pulse, from their direct messages: the rule checks it is theirs.
    PressOn("pulse.open", pulses.open_form),
    PressOn("pulse.postponed", pulses.postponed),
    PressOn("pulse.cancelled", pulses.cancelled),
    SubmitOn("pulse", pulses.submitted),
    PressOn("survey.open", surveys.open_form),
    SubmitOn("survey", surveys.submitted),
    # Leaving, once asked: Yes carries the enrollment, or the newest pair named (see profile.leave).
    PressOn("leave.confirm", profile.leave_confirmed),
    PressOn("leave.confirm.pair", profile.leave_pair_confirmed),
    Press("leave.cancel", profile.stay),
    # A coordinator's answer to a rematch request, from their notice.
    PressOn("rematch.end", rematch_decision.end, COORDINATOR),
    PressOn("rematch.keep", rematch_decision.keep, COORDINATOR),
)

COMMANDS: dict[str, Command] = {r.name: r for r in ROUTES if isinstance(r, Command)}
ALIASES: dict[str, Command] = {alias: c for c in COMMANDS.values() for alias in c.aliases}
BUTTONS: dict[str, Button] = {
    r.name: r for r in ROUTES if isinstance(r, Press | PressOn | ProposalPress | PairPress | Answers)
}
FORMS: dict[str, Form] = {r.name: r for r in ROUTES if isinstance(r, Submit | SubmitOn | PairSubmit)}


def command(word: str) -> Command | None:
    """The command a typed word names, in any case, with or without accents, by its name or an alias."""
    word = command_word(word)
    return COMMANDS.get(word) or ALIASES.get(word)


def button(action: str) -> Command | Button | None:
    """The route a pressed button names: a command for `/<command>`, onboarding's for `onb.…`, or its own."""
    if action.startswith(COMMAND_BUTTON):
        return command(action.removeprefix(COMMAND_BUTTON))
    return BUTTONS.get(ONBOARDING if action.startswith(ONBOARDING) else action)


def form(action: str) -> tuple[Form, str | None] | None:
    """The route a submitted form names, and what its action carries after `:` (None when nothing follows)."""
    name, separated, value = action.partition(FORM_ID)
    if not separated and name.startswith("objectives."):  # the objectives form as opened before the route table
        name, separated, value = "pair.objectives", FORM_ID, name.removeprefix("objectives.")
    route = FORMS.get(name)
    return (route, value if separated else None) if route else None


def renamed(action: str, values: list[str]) -> tuple[str, list[str]]:
    """A button of a message posted before the route table, under its name of today.

    `cmd` carried a command line as its value: it is that command's button."""
    if action == "cmd" and values:
        name, _, words = values[0].strip().partition(" ")
        return COMMAND_BUTTON + name, [words]
    return action, values
