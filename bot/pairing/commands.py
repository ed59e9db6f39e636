"""The coordinators' matching commands: `match [confirm | swap | forbid | unforbid | csv]`, `pair`, `unpair`,
`pairs`."""

from bot.context import Ctx, known
from bot.lifecycle.health import Standing, health_name, standings
from bot.pairing import adjust, confirm, preview, runs
from bot.pairing.pair import LIVE
from bot.parse import fold
from bot.people import named, zone_of
from bot.replies import say, usage
from bot.ui import Outcome, Text
from bot.working_hours import zone_info
from storage import queries
from storage.models import Pair, PairStatus, Person

MATCH_USAGE = (
    "match | match confirm | match swap @a @b | match forbid @mentor @mentee | match unforbid @mentor @mentee | "
    "match csv"
)
LISTED = 40


def match(ctx: Ctx, args: list[str]) -> Outcome:
    sub = fold(args[0]) if args else ""
    if not args:
        return runs.start(ctx)
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
    """The programme's pairs, those that go on first, each with its health, its next session and sessions held."""
    found = [
        *queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *LIVE),
        *queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, PairStatus.ENDED),
    ]
    if not found:
        return say(ctx.tr("No pair yet. `match` prepares a proposal."))
    shown = found[:LISTED]
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for p in shown for i in (p.mentor_id, p.mentee_id)])
    standing = standings(ctx.session, ctx.programme, shown, ctx.now)
    requests = queries.rematch_requests_of_pairs(ctx.session, ctx.workspace_id, [known(p.id) for p in shown])
    # Who asked stays in the coordinators' notice; the list only says that a decision is waiting, while it can.
    live = {p.id for p in shown if p.status in LIVE}
    waiting = {r.pair_id for r in requests if r.decided_at is None and r.pair_id in live}
    zone = zone_of(ctx.session, ctx.person, ctx.programme)
    lines = [_pair_line(ctx, p, people, standing[known(p.id)], p.id in waiting, zone) for p in shown]
    if len(found) > LISTED:
        lines.append(ctx.tr("…and {n} more.", n=len(found) - LISTED))
    header = ctx.tr("*Pairs: {n}*", n=len(found))
    if any(standing[known(p.id)].next_session is not None for p in shown):
        header += " · " + ctx.tr("times on your clock ({zone})", zone=zone)  # the members' may differ
    return say(Text(header + "\n" + "\n".join(lines)))


def _pair_line(ctx: Ctx, pair: Pair, people: dict[int, Person], standing: Standing, waiting: bool, zone: str) -> str:
    tr = ctx.tr
    parts = [f"• {named(people[pair.mentor_id])} → {named(people[pair.mentee_id])}", health_name(tr, standing.health)]
    if standing.next_session is not None:
        local = standing.next_session.starts_at.astimezone(zone_info(zone))
        clock = f"{local:%H:%M}"
        parts.append(tr("next: {day} at {time}", day=tr.day(local), time=clock))
    parts.append(tr.plural("{n} session held", "{n} sessions held", standing.held))
    if waiting:
        parts.append(tr("rematch requested"))
    return " · ".join(parts)
