"""Small helpers to answer: a text to the caller, or a command's usage after what was wrong."""

from bot.context import Ctx
from bot.recipients import CALLER, ToCaller
from bot.ui import Block, Outcome, Reply, Text, message


def say(*blocks: Block | str, to: ToCaller = CALLER, refresh_home: bool = False) -> Outcome:
    shown = tuple(Text(b) if isinstance(b, str) else b for b in blocks)
    return Outcome([Reply(message(*shown), to=to)], refresh_home=refresh_home)


def usage(ctx: Ctx, line: str, why: str = "") -> Outcome:
    text = ctx.tr("Usage: `{usage}`", usage=ctx.command(line))
    return say(f"{why}\n{text}" if why else text)
