"""Small helpers to answer: a text to the caller, or a command's usage after what was wrong."""

import re

from bot.context import Ctx
from bot.i18n import Tr
from bot.recipients import CALLER, ToCaller
from bot.topics import N_
from bot.ui import Block, Outcome, Reply, Text, message

# The words of a usage line that stand for what the person types, written in their language ("CLÉ VALEUR");
# the command's own words stay as they are, since they are what is typed.
PLACEHOLDERS = {
    "KEY": N_("KEY"),
    "VALUE": N_("VALUE"),
    "NAME": N_("NAME"),
    "DATE": N_("DATE"),
    "@person": N_("@person"),
    "@mentor": N_("@mentor"),
    "@mentee": N_("@mentee"),
    "#channel": N_("#channel"),
    "until": N_("until"),  # typed too, and read in either language ("pause jusqu'au 3 mars")
    "what you would like to say": N_("what you would like to say"),
}
_PLACEHOLDER = re.compile(r"(?<![\w@#])(?:" + "|".join(map(re.escape, PLACEHOLDERS)) + r")(?![\w-])")


def usage_line(tr: Tr, line: str) -> str:
    """A usage line in the reader's language: `program set KEY VALUE` → `program set CLÉ VALEUR` in French."""
    return _PLACEHOLDER.sub(lambda m: tr(PLACEHOLDERS[m[0]]), line)


def say(*blocks: Block | str, to: ToCaller = CALLER, refresh_home: bool = False) -> Outcome:
    shown = tuple(Text(b) if isinstance(b, str) else b for b in blocks)
    return Outcome([Reply(message(*shown), to=to)], refresh_home=refresh_home)


def usage(ctx: Ctx, line: str, why: str = "") -> Outcome:
    text = ctx.tr("Usage: `{usage}`", usage=ctx.command(usage_line(ctx.tr, line)))
    return say(f"{why}\n{text}" if why else text)
