"""What a command is, the help that lists the ones the caller may type, and the nearest usage for a typo.

The commands themselves are listed in bot.routes, with every button and form."""

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.context import Ctx
from bot.guards import Guard
from bot.i18n import Tr
from bot.parse import fold
from bot.recipients import WITHOUT_CHANNELS
from bot.replies import usage_line
from bot.ui import Fields, Message, Outcome, Reply, Text, message


@dataclass(frozen=True)
class Command:
    """A command: typed after the channel's prefix, or pressed as a button named after it, the value its words."""

    name: str
    usage: str
    summary: str
    run: Callable[[Ctx, list[str]], Outcome]
    guard: Guard = Guard.ANYONE
    aliases: tuple[str, ...] = ()  # other words for it, French ones mostly
    # Its usage and summary where the bot posts in no channel (`recipients.WITHOUT_CHANNELS`), if they differ.
    without_channels: tuple[str, str] | None = None


def command_word(word: str) -> str:
    """A typed command word as the commands are named: in lower case, without accents (French is typed with them,
    `état`, or without), nor the punctuation a sentence ends with (`status?`). `?` alone is a word of its own."""
    folded = re.sub(r"[!?.…,;:]+$", "", fold(word.lstrip("/")))
    return folded or word.strip()


def visible(ctx: Ctx, commands: Iterable[Command]) -> list[Command]:
    """The commands the caller's guard lets through; help shows no other."""
    return [c for c in commands if c.guard is not Guard.COORDINATOR or ctx.is_coordinator]


def nearest(ctx: Ctx, word: str, commands: Iterable[Command], cutoff: float = 0.5) -> Command | None:
    """The command the caller may type whose name or alias is nearest to `word`, if one is near enough."""
    words = {name: c for c in visible(ctx, commands) for name in (c.name, *c.aliases)}
    near = difflib.get_close_matches(command_word(word), list(words), n=1, cutoff=cutoff)
    return words[near[0]] if near else None


def unknown(ctx: Ctx, word: str, commands: Iterable[Command]) -> Outcome:
    """The usage of the nearest command the caller may type, or the help when nothing is near."""
    command = nearest(ctx, word, commands)
    if command is None:
        help_blocks = help_message(ctx, visible(ctx, commands)).blocks
        return Outcome([Reply(message(Text(ctx.tr("I don't know “{word}”.", word=word[:40])), *help_blocks))])
    return Outcome(
        [
            Reply(
                message(
                    Text(
                        ctx.tr(
                            "I don't know “{word}”. Did you mean `{command}`?\nUsage: `{usage}`",
                            word=word[:40],
                            command=command.name,
                            usage=ctx.command(usage_line(ctx.tr, command.usage)),
                        )
                    )
                )
            )
        ]
    )


def help_reply(ctx: Ctx, commands: Iterable[Command]) -> Outcome:
    return Outcome([Reply(help_message(ctx, visible(ctx, commands)))])


def help_message(ctx: Ctx, shown: Iterable[Command]) -> Message:
    tr: Tr = ctx.tr
    apart = ctx.workspace.platform in WITHOUT_CHANNELS
    lines = [
        (f"`{usage_line(tr, usage)}`", tr(summary))
        for c in shown
        for usage, summary in [c.without_channels if apart and c.without_channels else (c.usage, c.summary)]
    ]
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
