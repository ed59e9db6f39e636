"""The coordinators' matching commands: `match [confirm | swap | forbid | unforbid | csv]`, `pair`, `unpair`,
`pairs`."""

from bot.context import Ctx, known
from bot.pairing import adjust, confirm, preview
from bot.pairing.pair import LIVE
from bot.parse import fold
from bot.people import named
from bot.replies import say, usage
from bot.ui import Outcome, Text
from storage import queries
from storage.models import PairStatus

MATCH_USAGE = (
    "match | match confirm | match swap @a @b | match forbid @mentor @mentee | match unforbid @mentor @mentee | "
    "match csv"
)
LISTED = 40


def match(ctx: Ctx, args: list[str]) -> Outcome:
    sub = fold(args[0]) if args else ""
    if not args:
        return preview.run(ctx)
    if sub in ("confirm", "confirmer") and len(args) == 1:
        return confirm.confirm(ctx)
    if sub in ("swap", "echanger"):
        return adjust.swap(ctx, args[1:])
    if sub in ("forbid", "interdire"):
        return adjust.forbid_by_name(ctx, args[1:])
    if sub in ("unforbid", "autoriser"):
        return adjust.unforbid(ctx, args[1:])
    if sub == "csv" and len(args) == 1:
        return preview.csv_file(ctx)
    return usage(ctx, MATCH_USAGE)


def pair(ctx: Ctx, args: list[str]) -> Outcome:
    return adjust.pair_by_hand(ctx, args)


def unpair(ctx: Ctx, args: list[str]) -> Outcome:
    return adjust.unpair(ctx, args)


def pairs(ctx: Ctx, args: list[str]) -> Outcome:
    """The programme's pairs, the newest first."""
    found = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *LIVE)
    if not found:
        return say(ctx.tr("No pair yet. `match` prepares a proposal."))
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for p in found for i in (p.mentor_id, p.mentee_id)])
    status = {PairStatus.ACTIVE: ctx.tr("active"), PairStatus.AT_RISK: ctx.tr("at risk")}
    requests = queries.rematch_requests_of_pairs(ctx.session, ctx.workspace_id, [known(p.id) for p in found[:LISTED]])
    # Who asked stays in the coordinators' notice; the list only says that a decision is waiting.
    waiting = {r.pair_id for r in requests if r.decided_at is None}
    asked = " · " + ctx.tr("rematch requested")
    lines = [
        f"• {named(people[p.mentor_id])} → {named(people[p.mentee_id])} · {status[p.status]}"
        + (asked if p.id in waiting else "")
        for p in found[:LISTED]
    ]
    if len(found) > LISTED:
        lines.append(ctx.tr("…and {n} more.", n=len(found) - LISTED))
    return say(Text(ctx.tr("*Pairs: {n}*", n=len(found)) + "\n" + "\n".join(lines)))
