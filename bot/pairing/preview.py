"""`match`: a new proposal, shown page by page with totals, reasons and the unmatched, or as CSV."""

from collections.abc import Sequence
from typing import Any

from bot import csvfile
from bot.context import Ctx, known
from bot.pairing import pair as pair_status
from bot.pairing.reasons import pair_reasons, shared_topics, unmatched_reason
from bot.pairing.shown import value as button_value
from bot.people import named, named_by_user_id
from bot.replies import say
from bot.ui import Block, Button, Buttons, Fields, File, Header, Message, Outcome, Text, message
from bot.volunteers.enrollment import PAIRABLE
from storage import queries
from storage.models import MatchRun, Pair, PairStatus
from storage.queries import ProposedRow

PAGE = 10
CSV_COLUMNS = (
    "mentor",
    "mentor_name",
    "mentee",
    "mentee_name",
    "score",
    "pinned",
    "topics",
    "times",
    "style",
    "departments",
    "reasons",
    "unmatched",
    "unmatched_name",
    "reason",
)
UNMATCHED_SHOWN = 10


def page(ctx: Ctx, number: int) -> Outcome:
    return Outcome(replace=show(ctx, number))


def proposed(ctx: Ctx) -> Sequence[Pair]:
    pairs = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, PairStatus.PROPOSED)
    return sorted(pairs, key=lambda p: (not p.pinned, -p.score, p.id or 0))


Enrolled = dict[int, tuple[str, dict[str, Any]]]  # each enrolled person's status and answers, by person id


def show(ctx: Ctx, number: int, enrolled: Enrolled | None = None, run: MatchRun | None = None) -> Message:
    """One page of the proposal: totals, the unmatched with their reasons, ten pairs, and what to do next.
    `enrolled`: `queries.answers_of_programme` when the caller has read it already; `run`: the one whose proposal
    this is, when it is not yet the latest finished (a matching just written)."""
    tr = ctx.tr
    found = queries.proposed_rows(ctx.session, ctx.workspace_id, ctx.programme_id)
    pairs = sorted(found, key=lambda p: (not p.pinned, -p.score, p.id))  # as `proposed` orders them
    live = _live(ctx)
    enrolled = _enrolled(ctx) if enrolled is None else enrolled
    alone = unmatched(ctx, pairs, enrolled, run)
    answers = {person_id: found for person_id, (_, found) in enrolled.items()}
    pages = max(1, -(-len(pairs) // PAGE))
    number = min(max(number, 1), pages)
    # Everyone taking part counts: the proposal (pinned pairs too), the pairs that go on, and those left alone.
    taking_part = [(p.mentor_id, p.mentee_id) for p in pairs] + [(p.mentor_id, p.mentee_id) for p in live]
    paired = len({i for pair in taking_part for i in pair})
    people = paired + len(alone)
    blocks: list[Block] = [
        Header(tr("Matching preview · {programme}", programme=ctx.programme.name)),
        Fields(
            (
                (tr("Pairs"), str(len(pairs))),
                (tr("Pairs already active"), str(len(live))),
                (tr("Matched"), f"{percent(paired, people)} %"),
                (tr("Mean score"), str(sum(p.score for p in pairs) // max(len(pairs), 1))),
                (tr("Topic coverage"), f"{_coverage(pairs, answers)} %"),
            )
        ),
        Text(tr("_Topic coverage: the share of proposed pairs whose mentor offers the mentee's most wanted topic._")),
    ]
    apart = [p for p in pairs if not shared_topics(answers.get(p.mentor_id, {}), answers.get(p.mentee_id, {}))]
    if apart:
        blocks.append(
            Text(
                tr.plural(
                    "⚠️ {n} proposed pair has no topic in common. `{command}` keeps such pairs out.",
                    "⚠️ {n} proposed pairs have no topic in common. `{command}` keeps such pairs out.",
                    len(apart),
                    command=ctx.command("program set topic-overlap required"),
                )
            )
        )
    if alone:
        shown = alone[:UNMATCHED_SHOWN]
        names = named_by_user_id(ctx.session, ctx.workspace_id, [user for user, _ in shown])
        lines = [f"• {name} — {unmatched_reason(tr, why)}" for name, (_, why) in zip(names, shown, strict=True)]
        more = len(alone) - UNMATCHED_SHOWN
        if more > 0:
            lines.append(tr("…and {n} more in the CSV file.", n=more))
        blocks.append(Text(tr("*Unmatched ({n})*", n=len(alone)) + "\n" + "\n".join(lines)))
    start = (number - 1) * PAGE
    page_ids = [i for p in pairs[start : start + PAGE] for i in (p.mentor_id, p.mentee_id)]
    members = queries.people_by_id(ctx.session, ctx.workspace_id, page_ids)
    components = queries.pair_components(ctx.session, ctx.workspace_id, [p.id for p in pairs[start : start + PAGE]])
    for rank, pair in enumerate(pairs[start : start + PAGE], start=start + 1):
        mentor, mentee = answers.get(pair.mentor_id, {}), answers.get(pair.mentee_id, {})
        reasons = pair_reasons(tr, components.get(pair.id, {}), mentor, mentee)
        pin = " · " + tr("pinned") if pair.pinned else ""
        shown_value = button_value(pair.id, pair.mentor_id, pair.mentee_id)
        blocks.append(
            Text(
                f"*{rank}.* {named(members[pair.mentor_id])} → {named(members[pair.mentee_id])} · "
                f"*{pair.score}*{pin}\n" + " · ".join(reasons)
            )
        )
        blocks.append(
            Buttons(
                (
                    Button(tr("Unpin") if pair.pinned else tr("Pin"), "match.pin", shown_value),
                    Button(tr("Forbid"), "match.forbid", shown_value, style="danger"),
                )
            )
        )
    if not pairs:
        blocks.append(Text(_why_no_pair(ctx, bool(alone), bool(live))))
    blocks += _forbidden(ctx)
    navigation = [Button(tr("Previous"), "match.page", str(number - 1))] if number > 1 else []
    navigation += [Button(tr("Next"), "match.page", str(number + 1))] if number < pages else []
    blocks.append(
        Text(
            tr(
                "Page {page} of {pages}. Adjust with `match swap @a @b`, `pair @mentor @mentee`, `unpair @person`.",
                page=number,
                pages=pages,
            )
        )
    )
    blocks.append(
        Buttons(
            (
                *navigation,
                Button(tr("Run again"), "match.run"),
                Button(tr("Download CSV"), "match.csv"),
                Button(tr("Confirm these pairs"), "match.confirm", style="primary"),
            )
        )
    )
    return message(*blocks)


def percent(part: int, whole: int) -> int:
    """A share in whole percent, rounded to the nearest (2 of 3 is 67 %), in integers so halves round up."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _why_no_pair(ctx: Ctx, alone: bool, live: bool) -> str:
    """Said only with what it points at: the reasons listed above, the pairs that go on, or an empty pool."""
    if alone:
        return ctx.tr("No pair can be made yet. The reasons above say what is missing.")
    if live:
        return ctx.tr("No new pair can be made: everyone ready to be paired is in a pair that goes on.")
    return ctx.tr(
        "No pair can be made yet: nobody is ready to be paired. Volunteers count once they finish joining "
        "(`{command}` shows where everyone stands).",
        command=ctx.command("volunteers"),
    )


def _forbidden(ctx: Ctx) -> list[Block]:
    """The pairs coordinators forbade, so that a forbid is never forgotten, with how to lift one."""
    found = queries.forbidden_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    if not found:
        return []
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for f in found for i in (f.mentor_id, f.mentee_id)])
    lines = [f"• {named(people[f.mentor_id])} → {named(people[f.mentee_id])}" for f in found[:UNMATCHED_SHOWN]]
    if len(found) > UNMATCHED_SHOWN:
        lines.append(ctx.tr("…and {n} more.", n=len(found) - UNMATCHED_SHOWN))
    undo = ctx.tr("`{command}` lifts a forbid.", command=ctx.command("match unforbid @mentor @mentee"))
    return [Text(ctx.tr("*Forbidden pairs ({n})*", n=len(found)) + "\n" + "\n".join(lines) + "\n" + undo)]


def csv_file(ctx: Ctx) -> Outcome:
    """The whole proposal as a CSV file, for hundreds of pairs, with each person's name beside their id."""
    pairs = proposed(ctx)
    answers = _answers(ctx)
    users = _users(ctx, pairs)
    left = unmatched(ctx, pairs)
    names = {
        person.user_id: person.display_name
        for person in queries.people_by_user_id(
            ctx.session, ctx.workspace_id, [*users.values(), *(user for user, _ in left)]
        ).values()
    }
    rows: list[list[object]] = []
    for pair in pairs:
        reasons = pair_reasons(
            ctx.tr, pair.components, answers.get(pair.mentor_id, {}), answers.get(pair.mentee_id, {})
        )
        c = pair.components
        mentor, mentee = users[pair.mentor_id], users[pair.mentee_id]
        rows.append(
            [
                mentor,
                names.get(mentor, ""),
                mentee,
                names.get(mentee, ""),
                pair.score,
                pair.pinned,
                c.get("topics", 0),
                c.get("times", 0),
                c.get("style", 0),
                c.get("departments", 0),
                "; ".join(reasons),
                "",
                "",
                "",
            ]
        )
    for user, why in left:
        rows.append(
            ["", "", "", "", "", "", "", "", "", "", "", user, names.get(user, ""), unmatched_reason(ctx.tr, why)]
        )
    content = csvfile.write(CSV_COLUMNS, rows, csvfile.delimiter_for(ctx.tr.locale))
    name = f"matching-{ctx.now:%Y-%m-%d}.csv"
    outcome = say(ctx.tr("The whole proposal is in the file {name}.", name=name))
    outcome.files.append(File(name, ctx.tr("Matching proposal"), content))
    return outcome


def unmatched(
    ctx: Ctx, pairs: Sequence[Pair | ProposedRow], enrolled: Enrolled | None = None, run: MatchRun | None = None
) -> list[list[str]]:
    """The run's unmatched (the last finished, unless given) who really have nobody: not in `pairs` (the
    proposal), nor in a pair that goes on (a mentor with room left), nor paused or gone since."""
    run = run or queries.latest_run(ctx.session, ctx.workspace_id, ctx.programme_id)
    if run is None:
        return []
    paired = {i for p in [*pairs, *_live(ctx)] for i in (p.mentor_id, p.mentee_id)}
    people = queries.people_by_user_id(ctx.session, ctx.workspace_id, [user for user, _ in run.unmatched])
    enrolled = _enrolled(ctx) if enrolled is None else enrolled
    alone = []
    for user, why in run.unmatched:
        person_id = known(people[user].id) if user in people else None
        if person_id is not None and person_id not in paired and enrolled.get(person_id, ("", {}))[0] in PAIRABLE:
            alone.append([user, why])
    return alone


def set_aside(ctx: Ctx, people: Sequence[int], why: str) -> None:
    """People who lost their proposed partner after the matching ran stay in the figures, as unmatched."""
    run = queries.latest_run(ctx.session, ctx.workspace_id, ctx.programme_id)
    if run is None or not people:
        return
    users = _users_of(ctx, people)
    listed = {user for user, _ in run.unmatched}
    run.unmatched = [*run.unmatched, *([users[i], why] for i in people if i in users and users[i] not in listed)]


def _answers(ctx: Ctx) -> dict[int, dict[str, Any]]:
    return {person_id: answers for person_id, (_, answers) in _enrolled(ctx).items()}


def _enrolled(ctx: Ctx) -> Enrolled:
    return dict(queries.answers_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id))


def _live(ctx: Ctx) -> Sequence[Pair]:
    return queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *pair_status.LIVE)


def _users(ctx: Ctx, pairs: Sequence[Pair]) -> dict[int, str]:
    return _users_of(ctx, [i for p in pairs for i in (p.mentor_id, p.mentee_id)])


def _users_of(ctx: Ctx, ids: Sequence[int]) -> dict[int, str]:
    return {i: person.user_id for i, person in queries.people_by_id(ctx.session, ctx.workspace_id, ids).items()}


def _coverage(pairs: Sequence[ProposedRow], answers: dict[int, dict[str, Any]]) -> int:
    """Share of mentees whose most wanted topic their mentor offers."""
    covered = 0
    for pair in pairs:
        wanted: dict[str, int] = answers.get(pair.mentee_id, {}).get("levels", {})
        offered: list[str] = answers.get(pair.mentor_id, {}).get("topics", [])
        covered += bool(wanted) and max(wanted, key=lambda t: wanted[t]) in offered
    return percent(covered, len(pairs))
