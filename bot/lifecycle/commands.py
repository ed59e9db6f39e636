"""The coordinators' lifecycle commands: `nudge` runs the tick now and says what it queued."""

from bot.context import Ctx
from bot.i18n import Tr
from bot.lifecycle import tick
from bot.lifecycle.cadence import NUDGES
from bot.replies import say
from bot.ui import Outcome


def nudge(ctx: Ctx, args: list[str]) -> Outcome:
    """What is due for this workspace's pairs, written now rather than at the next tick."""
    counts = tick.Counts()
    while True:
        batch = tick.run(ctx.session, ctx.now, tick.BATCH, ctx.workspace_id)
        counts.add(batch)
        if batch.pairs < tick.BATCH:
            break
    tr = ctx.tr
    parts = [_written(tr, kind, n) for kind, n in sorted(counts.written.items()) if kind in NUDGES]
    if not parts:
        return say(tr("Nothing was due: every pair has what it needs for now."))
    return say(
        tr(
            "Queued: {what}. They go out in each person's working hours.",
            what=", ".join(parts),
        )
    )


def _written(tr: Tr, kind: str, n: int) -> str:
    if kind == "book":
        return tr.plural("{n} request to book", "{n} requests to book", n)
    if kind == "reminder":
        return tr.plural("{n} reminder", "{n} reminders", n)
    return tr.plural("{n} last reminder", "{n} last reminders", n)
