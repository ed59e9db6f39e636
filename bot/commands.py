"""The `/mentoring` commands: parsing, authorization, the nearest usage for a typo, and dispatch."""

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Ctx
from bot.i18n import Tr
from bot.pairing import commands as pairing
from bot.parse import words as split_words
from bot.programme import announce, coordinators
from bot.programme import settings as programme
from bot.reports import enrolment
from bot.topics import N_
from bot.ui import Fields, Message, Outcome, Reply, Text, message
from bot.volunteers import data, not_with, pause, profile


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    run: Callable[[Ctx, list[str]], Outcome]
    coordinators_only: bool = False


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("help", "help", N_("what you can do"), lambda ctx, args: help_reply(ctx)),
        Command("join", "join", N_("join the programme as a mentor or mentee"), profile.join),
        Command("profile", "profile", N_("see and edit your profile"), profile.profile),
        Command("pause", "pause [until DATE]", N_("take a break, until a date if you like"), pause.pause),
        Command("resume", "resume", N_("come back after a pause"), pause.resume),
        Command("leave", "leave", N_("leave the programme"), profile.leave),
        Command("export-my-data", "export-my-data", N_("get a copy of your data"), data.export),
        Command("delete-my-data", "delete-my-data", N_("erase all your data"), data.delete),
        Command("language", "language en|fr", N_("choose your language"), profile.language),
        Command(
            "not-with",
            not_with.USAGE,
            N_("people you would rather not be paired with (only you see it)"),
            not_with.not_with,
        ),
        Command(
            "program",
            programme.PROGRAM_USAGE,
            N_("show, create, list, switch or configure the programmes"),
            programme.program,
            True,
        ),
        Command(
            "announce", "announce #channel", N_("post the call for volunteers in a channel"), announce.announce, True
        ),
        Command(
            "volunteers", "volunteers", N_("count volunteers by role, topic and status"), enrolment.volunteers, True
        ),
        Command("match", pairing.MATCH_USAGE, N_("preview, adjust and confirm the pairs"), pairing.match, True),
        Command("pair", "pair @mentor @mentee", N_("pair two volunteers by hand"), pairing.pair, True),
        Command("unpair", "unpair @person", N_("undo someone's pair"), pairing.unpair, True),
        Command("pairs", "pairs", N_("list the pairs of the programme"), pairing.pairs, True),
        Command(
            "coordinators",
            "coordinators add|remove @person",
            N_("name or remove coordinators"),
            coordinators.coordinators,
            True,
        ),
    )
}
ALIASES = {
    "aide": "help",
    "rejoindre": "join",
    "profil": "profile",
    "reprendre": "resume",
    "quitter": "leave",
    "langue": "language",
    "programme": "program",
    "annoncer": "announce",
    "volontaires": "volunteers",
    "coordinateurs": "coordinators",
    "?": "help",
}


def lookup(word: str) -> Command | None:
    word = word.lower()
    return COMMANDS.get(ALIASES.get(word, word))


def run(ctx: Ctx, text: str) -> Outcome:
    """Run one command line, as typed after the channel's command prefix or to the bot."""
    words = split_words(text)
    if not words:
        return help_reply(ctx)
    command = lookup(words[0])
    if command is None:
        return unknown(ctx, words[0])
    if command.coordinators_only and not ctx.is_coordinator:
        return Outcome(
            [
                Reply(
                    message(
                        Text(
                            ctx.tr(
                                "Sorry, `{command}` is for the programme's coordinators. "
                                "Type `help` to see what you can do.",
                                command=command.name,
                            )
                        )
                    )
                )
            ]
        )
    return command.run(ctx, words[1:])


def unknown(ctx: Ctx, word: str) -> Outcome:
    names = [c.name for c in visible(ctx)] + [a for a, n in ALIASES.items() if lookup(n) in visible(ctx)]
    near = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.5)
    if not near:
        help_blocks = help_message(ctx).blocks
        return Outcome([Reply(message(Text(ctx.tr("I don't know “{word}”.", word=word[:40])), *help_blocks))])
    command = lookup(near[0])
    assert command is not None
    return Outcome(
        [
            Reply(
                message(
                    Text(
                        ctx.tr(
                            "I don't know “{word}”. Did you mean `{command}`?\nUsage: `{usage}`",
                            word=word[:40],
                            command=command.name,
                            usage=ctx.command(command.usage),
                        )
                    )
                )
            )
        ]
    )


def visible(ctx: Ctx) -> list[Command]:
    return [c for c in COMMANDS.values() if ctx.is_coordinator or not c.coordinators_only]


def help_reply(ctx: Ctx) -> Outcome:
    return Outcome([Reply(help_message(ctx))])


def help_message(ctx: Ctx) -> Message:
    tr: Tr = ctx.tr
    lines = [(f"`{c.usage}`", tr(c.summary)) for c in visible(ctx)]
    return message(
        Text(
            tr(
                "*Passerelle* runs the reverse-mentoring programme *{programme}*. Type `{command}` followed by:",
                programme=ctx.programme.name,
                command=ctx.command(""),
            )
            if ctx.command("")
            # Where commands are typed bare (Teams, the console) there is nothing to type first.
            else tr(
                "*Passerelle* runs the reverse-mentoring programme *{programme}*. Type one of these:",
                programme=ctx.programme.name,
            )
        ),
        Fields(tuple(lines)),
    )
