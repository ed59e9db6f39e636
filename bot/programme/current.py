"""Several programmes, one current: `program new NAME` (asked first), `program list`, `program use NAME`.

A new programme is a new cohort. The running one stops recruiting and matching, but its pairs go on until they
end, and their members keep acting there (see bot.volunteers.enrollment.own); `program use` switches back.
"""

from bot.context import Ctx
from bot.pairing.pair import LIVE
from bot.parse import fold
from bot.programme.lock import hold
from bot.replies import say, usage, usage_line
from bot.topics import DEFAULT_TOPICS
from bot.ui import Button, Buttons, Outcome, Text
from bot.volunteers.enrollment import ENROLLED, PAIRABLE
from storage import queries
from storage.models import Programme

CONFIRMED = "--confirmed"  # what the confirmation button adds to `program new NAME`


def new(ctx: Ctx, args: list[str]) -> Outcome:
    confirmed = bool(args) and args[0] == CONFIRMED
    name = " ".join(args[1:] if confirmed else args)
    if not 2 <= len(name) <= 120:
        return usage(ctx, "program new NAME", ctx.tr("Give the programme a name of 2 to 120 characters."))
    hold(ctx)  # two creations at once make one programme, not two current ones
    if named(ctx, name) is not None:
        return say(
            ctx.tr("A programme called *{name}* exists already; `program use {name}` makes it current.", name=name)
        )
    return _create(ctx, name) if confirmed else _ask(ctx, name)


def _ask(ctx: Ctx, name: str) -> Outcome:
    """What happens to the running programme, said before anything changes."""
    tr, old = ctx.tr, ctx.programme.name
    live = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *LIVE)
    paired = {i for p in live for i in (p.mentor_id, p.mentee_id)}
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    waiting = sum(1 for e in enrollments if e.status in PAIRABLE and e.person_id not in paired)
    lines = [
        tr("Create *{name}* and make it the current programme?", name=name),
        tr(
            "From then on `join`, the call for volunteers and `match` work on *{name}*, which starts with no "
            "volunteers; proposed pairs of *{old}* not confirmed yet are left as they are.",
            name=name,
            old=old,
        ),
        tr.plural(
            "*{old}* has {n} active pair: it goes on until it ends, and its members keep their profile there "
            "(`profile`, `pause`, `resume` and `leave` still work for them).",
            "*{old}* has {n} active pairs: they go on until they end, and their members keep their profile there "
            "(`profile`, `pause`, `resume` and `leave` still work for them).",
            len(live),
            old=old,
        ),
        tr.plural(
            "{n} volunteer of *{old}* has no pair: they will be matched again only if they join *{name}*.",
            "{n} volunteers of *{old}* have no pair: they will be matched again only if they join *{name}*.",
            waiting,
            old=old,
            name=name,
        ),
        tr("`program use {old}` makes *{old}* current again at any time.", old=old),
    ]
    buttons = Buttons(
        (
            Button(tr("Create {name}", name=name), "/program", f"new {CONFIRMED} {name}", style="primary"),
            Button(tr("Cancel"), "program.new.cancel"),
        )
    )
    return say(*(Text(line) for line in lines), buttons)


def cancel_new(ctx: Ctx) -> Outcome:
    return say(ctx.tr("No new programme; *{name}* stays current.", name=ctx.programme.name))


def _create(ctx: Ctx, name: str) -> Outcome:
    programme = Programme(
        workspace_id=ctx.workspace_id,
        name=name,
        topics=list(DEFAULT_TOPICS),
        locale=ctx.programme.locale,
        created_at=ctx.now,
    )
    ctx.session.add(programme)
    _make_current(ctx, programme)
    return say(
        ctx.tr(
            "Programme *{name}* created; it is now the current programme. Set its dates with `{start}` and `{end}`.",
            start=ctx.command("program set start DATE"),
            end=ctx.command("program set end DATE"),
            name=name,
        )
    )


def listing(ctx: Ctx, args: list[str]) -> Outcome:
    """Every programme of the workspace, the current one marked, with its volunteers and active pairs."""
    lines = []
    for programme in queries.programmes(ctx.session, ctx.workspace_id):
        assert programme.id is not None
        counts = queries.count_pairs(ctx.session, ctx.workspace_id, programme.id)
        volunteers = queries.count_enrollments(ctx.session, ctx.workspace_id, programme.id)
        line = ctx.tr(
            "*{name}* · volunteers: {volunteers} · active pairs: {pairs}",
            name=programme.name,
            volunteers=sum(n for (_, status), n in volunteers.items() if status in ENROLLED),
            pairs=sum(counts.get(status, 0) for status in LIVE),
        )
        lines.append(f"• {line}" + (" · " + ctx.tr("current") if programme.is_current else ""))
    return say(
        Text(ctx.tr("*Programmes*") + "\n" + "\n".join(lines)),
        Text(
            ctx.tr(
                "Switch with `{use}`; start another with `{new}`.",
                use=usage_line(ctx.tr, "program use NAME"),
                new=usage_line(ctx.tr, "program new NAME"),
            )
        ),
    )


def use(ctx: Ctx, args: list[str]) -> Outcome:
    name = " ".join(args)
    if not name:
        return usage(ctx, "program use NAME", ctx.tr("Name the programme; `program list` shows them."))
    hold(ctx)
    programme = named(ctx, name)
    if programme is None:
        return say(ctx.tr("No programme is called “{name}”. `program list` shows them.", name=name[:120]))
    if programme.id == ctx.programme_id:
        return say(ctx.tr("*{name}* is the current programme already.", name=programme.name))
    _make_current(ctx, programme)
    return say(
        ctx.tr(
            "*{name}* is the current programme again: `join`, the call for volunteers and `match` work on it.",
            name=programme.name,
        )
    )


def _make_current(ctx: Ctx, programme: Programme) -> None:
    # One at a time, in this order: the database allows one current programme per workspace at every moment.
    ctx.programme.is_current = False
    ctx.session.flush()
    programme.is_current = True
    ctx.session.flush()
    ctx.programme = programme


def named(ctx: Ctx, name: str) -> Programme | None:
    """The newest programme of that name, read in any case and with or without accents."""
    found = [p for p in queries.programmes(ctx.session, ctx.workspace_id) if fold(p.name) == fold(name)]
    return found[-1] if found else None
