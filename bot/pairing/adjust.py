"""The coordinator's adjustments: pin, forbid, swap, pair by hand, unpair. Hard rules are checked again;
a coordinator may override a soft preference (a low score), never consent or a confidential exclusion."""

from dataclasses import replace

from bot.context import Ctx, known
from bot.matching.match import match
from bot.pairing import pair as pair_status
from bot.pairing import preview, runs
from bot.pairing.members import end_pair
from bot.pairing.pair import EndReason
from bot.pairing.pool import Pool, gather, rules_of, to_volunteer
from bot.pairing.reasons import reason_code, unmatched_reason
from bot.parse import parse_mention
from bot.people import named
from bot.programme.lock import hold
from bot.replies import say, usage
from bot.ui import Block, Button, Buttons, Outcome, Reply, Text, mention, message
from bot.volunteers.enrollment import PAIRABLE
from storage import queries
from storage.models import Forbidden, Pair, PairStatus, Person

SWAP_USAGE = "match swap @person @person"
FORBID_USAGE = "match forbid @mentor @mentee"
UNFORBID_USAGE = "match unforbid @mentor @mentee"


def pin(ctx: Ctx, pair_id: int, members: tuple[int, int] | None = None) -> Outcome:
    hold(ctx)
    pair = _proposed(ctx, pair_id, members)
    if pair is None:
        return _gone(ctx)
    pair.pinned = not pair.pinned
    rank = [p.id for p in preview.proposed(ctx)].index(pair.id)
    return preview.page(ctx, rank // preview.PAGE + 1)


def forbid(ctx: Ctx, pair_id: int, members: tuple[int, int] | None = None) -> Outcome:
    """The Forbid button: the pair is never proposed again in this programme; the new proposal says so first,
    with an Undo button and the command that lifts it."""
    hold(ctx)
    pair = _proposed(ctx, pair_id, members)
    if pair is None:
        return _gone(ctx)
    _add_forbid(ctx, pair.mentor_id, pair.mentee_id)
    pair_status.drop(ctx.session, [pair])
    shown = runs.ask(ctx, fresh=True)
    return Outcome(replace=message(*_forbidden_note(ctx, pair.mentor_id, pair.mentee_id), *shown.blocks))


def forbid_by_name(ctx: Ctx, args: list[str]) -> Outcome:
    """`match forbid @mentor @mentee`: the same as the button, for a pair that is not proposed (yet)."""
    found = _two_people(ctx, args, FORBID_USAGE)
    if isinstance(found, Outcome):
        return found
    mentor, mentee = found
    hold(ctx)
    if _forbid_of(ctx, mentor, mentee) is not None:
        return say(ctx.tr("{mentor} → {mentee} is forbidden already.", mentor=named(mentor), mentee=named(mentee)))
    mentor_id, mentee_id = known(mentor.id), known(mentee.id)
    proposed = [p for p in preview.proposed(ctx) if (p.mentor_id, p.mentee_id) == (mentor_id, mentee_id)]
    _add_forbid(ctx, mentor_id, mentee_id)
    if proposed:
        pair_status.drop(ctx.session, proposed)
        preview.set_aside(ctx, [mentor_id, mentee_id], "unpaired")
    note = message(*_forbidden_note(ctx, mentor_id, mentee_id))
    if queries.open_run(ctx.session, ctx.workspace_id, ctx.programme_id) is not None:
        # The matching running now read the rules before this forbid: it is made again without the pair.
        note = message(*note.blocks, *runs.ask(ctx, fresh=True).blocks)
    return Outcome([Reply(note)])


def unforbid(ctx: Ctx, args: list[str]) -> Outcome:
    """`match unforbid @mentor @mentee`, or the Undo button's command: the pair may be proposed again."""
    found = _two_people(ctx, args, UNFORBID_USAGE)
    if isinstance(found, Outcome):
        return found
    mentor, mentee = found
    hold(ctx)
    names = {"mentor": named(mentor), "mentee": named(mentee)}
    row = _forbid_of(ctx, mentor, mentee)
    if row is None:
        return say(ctx.tr("{mentor} → {mentee} was not forbidden in this programme; nothing changed.", **names))
    ctx.session.delete(row)
    ctx.session.flush()
    if queries.latest_run(ctx.session, ctx.workspace_id, ctx.programme_id) is None:
        return say(
            ctx.tr(
                "{mentor} → {mentee} is no longer forbidden. The next matching (`{command}`) may propose them.",
                command=ctx.command("match"),
                **names,
            )
        )
    # A preview made while the forbid held would be confirmed as it stands, leaving out a pair now allowed (and
    # telling its members that nobody fitted): it is made again, as a forbid does.
    note = Text(ctx.tr("{mentor} → {mentee} is no longer forbidden. The proposal is made again.", **names))
    return Outcome([Reply(message(note, *runs.ask(ctx, fresh=True).blocks))])


def _add_forbid(ctx: Ctx, mentor_id: int, mentee_id: int) -> None:
    ctx.session.add(
        Forbidden(
            workspace_id=ctx.workspace_id,
            programme_id=ctx.programme_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            created_at=ctx.now,
        )
    )
    ctx.session.flush()


def _forbidden_note(ctx: Ctx, mentor_id: int, mentee_id: int) -> tuple[Block, ...]:
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [mentor_id, mentee_id])
    mentor, mentee = people[mentor_id], people[mentee_id]
    words = f"unforbid {mention(mentor.user_id)} {mention(mentee.user_id)}"
    text = ctx.tr(
        "Forbidden: {mentor} → {mentee} will not be proposed again in this programme. Undo it with the button, "
        "or with `{command}`.",
        mentor=named(mentor),
        mentee=named(mentee),
        command=ctx.command(UNFORBID_USAGE),
    )
    return Text(text), Buttons((Button(ctx.tr("Undo"), "/match", words),))


def _forbid_of(ctx: Ctx, mentor: Person, mentee: Person) -> Forbidden | None:
    return next(
        (
            f
            for f in queries.forbidden_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
            if (f.mentor_id, f.mentee_id) == (mentor.id, mentee.id)
        ),
        None,
    )


def _two_people(ctx: Ctx, args: list[str], line: str) -> tuple[Person, Person] | Outcome:
    """The mentor and the mentee two mentions name, or the usage to give."""
    users = [parse_mention(a) for a in args]
    people = [queries.get_person(ctx.session, ctx.workspace_id, u) if u else None for u in users]
    roles = [
        e.role
        if p and p.id and (e := queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, p.id))
        else None
        for p in people
    ]
    if len(people) != 2 or people[0] is None or people[1] is None or roles != ["mentor", "mentee"]:
        # Forbids are stored mentor first, as the preview lists them.
        return usage(ctx, line, ctx.tr("Mention the mentor, then the mentee."))
    return people[0], people[1]


def swap(ctx: Ctx, args: list[str]) -> Outcome:
    """Exchange the partners of two people of the same role in the proposal."""
    users = [parse_mention(a) for a in args]
    if len(users) != 2 or None in users or users[0] == users[1]:
        return usage(ctx, SWAP_USAGE, ctx.tr("Mention two people of the same role, each in a proposed pair."))
    hold(ctx)
    pool = gather(ctx)
    people = [pool.people.get(u or "") for u in users]
    pairs = {p.id: p for p in preview.proposed(ctx)}
    found = [
        next((p for p in pairs.values() if person and person.id in (p.mentor_id, p.mentee_id)), None)
        for person in people
    ]
    if None in people or None in found or found[0] is found[1]:
        return usage(ctx, SWAP_USAGE, ctx.tr("Mention two people of the same role, each in a proposed pair."))
    a, b = found[0], found[1]
    assert a is not None and b is not None and people[0] is not None and people[1] is not None
    if (people[0].id == a.mentor_id) != (people[1].id == b.mentor_id):
        return usage(ctx, SWAP_USAGE, ctx.tr("Mention two people of the same role, each in a proposed pair."))
    if a.mentor_id == b.mentor_id:
        shared = queries.people_by_id(ctx.session, ctx.workspace_id, [a.mentor_id])[a.mentor_id]
        return say(
            ctx.tr(
                "{a} and {b} already share a mentor, {mentor}: there is nothing to swap.",
                a=named(people[0]),
                b=named(people[1]),
                mentor=named(shared),
            )
        )
    if people[0].id == a.mentor_id:
        new = [(a.mentor_id, b.mentee_id), (b.mentor_id, a.mentee_id)]
    else:
        new = [(b.mentor_id, a.mentee_id), (a.mentor_id, b.mentee_id)]
    by_id = {p.id: p for p in pool.people.values()}
    checked = [_check(ctx, pool, by_id[m].user_id, by_id[e].user_id, ignore=(a, b)) for m, e in new]
    refused = [c for c in checked if isinstance(c, str)]
    if refused:
        return say(ctx.tr("That swap breaks a rule: {why}.", why=refused[0]))
    for (mentor, mentee), result in zip(new, checked, strict=True):
        assert not isinstance(result, str)
        # Each mentee keeps her row and the mentors move: a mentee is never in two proposals, even for a moment.
        pair = a if mentee == a.mentee_id else b
        pair.mentor_id, pair.score, pair.components, pair.pinned = mentor, result[0], result[1], True
    return Outcome([Reply(preview.show(ctx, 1))])


def pair_by_hand(ctx: Ctx, args: list[str]) -> Outcome:
    """`pair @mentor @mentee`: a pinned pair of the proposal. It replaces the mentee's proposed pair and, while the
    mentor has no room, the mentor's lowest ones, and says which; a pinned pair or a pair that goes on is never
    replaced: the coordinator is told which one, and how to undo it first."""
    users = [parse_mention(a) for a in args]
    if len(users) != 2 or None in users:
        return usage(ctx, "pair @mentor @mentee")
    mentor_user, mentee_user = users[0] or "", users[1] or ""
    hold(ctx)
    pool = gather(ctx)
    for user in (mentor_user, mentee_user):
        enrollment = pool.enrollments.get(user)
        if enrollment is None or enrollment.status not in PAIRABLE:
            # Consent: only volunteers who finished joining, and have not paused or left, are paired.
            return say(ctx.tr("{user} is not a volunteer ready to be paired.", user=_named(pool, user)))
    mentor_id, mentee_id = known(pool.people[mentor_user].id), known(pool.people[mentee_user].id)
    refused = _taken(ctx, mentor_id, mentee_id)
    if refused:
        return refused
    proposed = preview.proposed(ctx)
    replaced = [p for p in proposed if p.mentee_id == mentee_id]
    if replaced and replaced[0].mentor_id == mentor_id:
        replaced[0].pinned = True  # proposed already: pinning it is all there is to do
        return Outcome([Reply(preview.show(ctx, 1))])
    # The mentor's lowest proposed pairs give way while the mentor has no room; pinned ones never do.
    for old in sorted(
        (p for p in proposed if p.mentor_id == mentor_id and not p.pinned and p not in replaced), key=lambda p: p.score
    ):
        if _room(ctx, pool, mentor_user, ignore=tuple(replaced)):
            break
        replaced.append(old)
    result = _check(ctx, pool, mentor_user, mentee_user, ignore=tuple(replaced))
    if isinstance(result, str):
        return say(
            ctx.tr(
                "{mentor} and {mentee} cannot be paired: {why}.",
                mentor=_named(pool, mentor_user),
                mentee=_named(pool, mentee_user),
                why=result,
            )
        )
    by_id = {p.id: p for p in pool.people.values()}
    replaced_names = ", ".join(f"{named(by_id[p.mentor_id])} → {named(by_id[p.mentee_id])}" for p in replaced)
    pair_status.drop(ctx.session, replaced)
    preview.set_aside(ctx, [i for p in replaced for i in (p.mentor_id, p.mentee_id)], "partner_taken")
    pair_status.propose(ctx.session, ctx.programme, mentor_id, mentee_id, result[0], result[1], ctx.now, pinned=True)
    ctx.session.flush()
    shown = preview.show(ctx, 1)
    if replaced:
        note = ctx.tr(
            "{mentor} → {mentee} is pinned. It replaces {pairs} in the proposal; the others of those pairs "
            "are listed as unmatched.",
            mentor=_named(pool, mentor_user),
            mentee=_named(pool, mentee_user),
            pairs=replaced_names,
        )
        shown = message(Text(note), *shown.blocks)
    return Outcome([Reply(shown)])


def _taken(ctx: Ctx, mentor_id: int, mentee_id: int) -> Outcome | None:
    """Why the mentee cannot be paired again now: a pair of hers goes on, or a coordinator pinned another one."""
    held = queries.pairs_of_person(ctx.session, ctx.workspace_id, mentee_id, *pair_status.HELD)
    for pair in held:
        if pair.programme_id != ctx.programme_id or pair.mentee_id != mentee_id:
            continue
        people = queries.people_by_id(ctx.session, ctx.workspace_id, [pair.mentor_id, pair.mentee_id])
        names = {"mentor": named(people[pair.mentor_id]), "mentee": named(people[pair.mentee_id])}
        if pair.status in pair_status.LIVE:
            return say(
                ctx.tr(
                    "{mentee} is already paired: {mentor} → {mentee} goes on. End that pair first with "
                    "`unpair @person`, then pair {mentee} again.",
                    **names,
                )
            )
        if pair.pinned and pair.mentor_id != mentor_id:
            return say(
                ctx.tr(
                    "{mentee} is in the pinned pair {mentor} → {mentee} of the proposal, which I keep. Unpin "
                    "it in the preview, or drop it with `unpair @person`, then pair {mentee} again.",
                    **names,
                )
            )
    return None


def unpair(ctx: Ctx, args: list[str]) -> Outcome:
    """`unpair @person`: their proposed pair is dropped, their active pair ends; both return to the pool."""
    user = parse_mention(args[0]) if len(args) == 1 else None
    person = queries.get_person(ctx.session, ctx.workspace_id, user) if user else None
    if person is None or person.id is None:
        return usage(ctx, "unpair @person", ctx.tr("Mention one person who is in a pair."))
    hold(ctx)
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, person.id, *pair_status.HELD)
    if not pairs:
        return say(ctx.tr("{user} is not in a pair.", user=named(person)))
    proposed = [p for p in pairs if p.status == PairStatus.PROPOSED]
    notes: list[Reply] = []
    for pair in pairs:
        if pair.status in pair_status.LIVE:
            notes += end_pair(ctx, pair, EndReason.UNPAIRED)
    pair_status.drop(ctx.session, proposed)
    preview.set_aside(ctx, [i for p in proposed for i in (p.mentor_id, p.mentee_id)], "unpaired")
    outcome = say(ctx.tr("{user} is no longer paired; the people concerned are back in the pool.", user=named(person)))
    outcome.replies += notes
    return outcome


def _check(
    ctx: Ctx, pool: Pool, mentor_user: str, mentee_user: str, ignore: tuple[Pair, ...] = ()
) -> tuple[int, dict[str, int]] | str:
    """The score of a pair that keeps every hard rule, or why not (confidential rules stay unnamed)."""
    enrollments = [pool.enrollments.get(mentor_user), pool.enrollments.get(mentee_user)]
    if None in enrollments or [e.role for e in enrollments if e] != ["mentor", "mentee"]:
        return ctx.tr("the first must be a mentor and the second a mentee")
    people = [
        to_volunteer(pool.people[u], e) for u, e in zip((mentor_user, mentee_user), enrollments, strict=True) if e
    ]
    people = [replace(v, capacity=1) for v in people]
    # A coordinator may override a soft preference: the minimum score does not apply here.
    found = match(people, replace(rules_of(ctx), mode="most-pairs", min_score=0), ctx.now, pool.excluded, pool.forbids)
    if not found.pairs:
        return unmatched_reason(ctx.tr, reason_code(found.unmatched[-1]))
    if not _room(ctx, pool, mentor_user, ignore):
        return ctx.tr("the mentor has no room left")
    return found.pairs[0].score, dict(found.pairs[0].components)


def _room(ctx: Ctx, pool: Pool, mentor_user: str, ignore: tuple[Pair, ...] = ()) -> bool:
    person, enrollment = pool.people[mentor_user], pool.enrollments[mentor_user]
    held = queries.pairs_of_person(ctx.session, ctx.workspace_id, known(person.id), *pair_status.HELD)
    ignored = {p.id for p in ignore}
    taken = sum(
        1 for p in held if p.mentor_id == person.id and p.programme_id == ctx.programme_id and p.id not in ignored
    )
    return taken < int(enrollment.answers.get("capacity", 1))


def _proposed(ctx: Ctx, pair_id: int, members: tuple[int, int] | None = None) -> Pair | None:
    """The proposed pair a preview's button names, if it is still proposed, with the members it showed (when the
    button names them: bot/pairing/shown.py)."""
    pair = queries.get_pair(ctx.session, ctx.workspace_id, pair_id)
    if pair is None or pair.status != PairStatus.PROPOSED or pair.programme_id != ctx.programme_id:
        return None
    if members is not None and (pair.mentor_id, pair.mentee_id) != members:
        return None  # another pair, proposed since under the id of the one shown
    return pair


def _gone(ctx: Ctx) -> Outcome:
    return say(ctx.tr("That pair is no longer in the proposal. Type `match` to see the current one."))


def _named(pool: Pool, user: str) -> str:
    """A person of the pool in a text, with their name if the bot knows them."""
    person = pool.people.get(user)
    return named(person) if person else mention(user)
