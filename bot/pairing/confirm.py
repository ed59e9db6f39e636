"""`match confirm`: the proposal becomes pairs; each pair is introduced, mentors get their guide, and the
unmatched are told kindly why, staying in the pool. Nothing is announced before this."""

from collections.abc import Callable, Sequence
from typing import Any

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.pairing import pair as pair_status
from bot.pairing import preview
from bot.pairing.members import intro_key, introduction
from bot.pairing.reasons import volunteer_reason
from bot.programme.lock import hold
from bot.recipients import ToPair, ToPerson
from bot.replies import say
from bot.ui import Message, Outcome, Reply, Text, channel_ref, message
from bot.volunteers import enrollment as enrollment_status
from storage import queries
from storage.models import Enrollment, Pair


def confirm(ctx: Ctx) -> Outcome:
    """Under the programme's lock: a second confirmation at the same moment finds nothing left to confirm."""
    hold(ctx)
    if queries.open_run(ctx.session, ctx.workspace_id, ctx.programme_id) is not None:
        # What is proposed now is about to be replaced, or is the new proposal not yet shown: nobody has seen
        # what would be confirmed.
        return say(
            ctx.tr(
                "A matching is running: its preview will come to your direct messages with me. Confirm once you "
                "have seen it."
            )
        )
    proposals = list(preview.proposed(ctx))
    if not proposals:
        return say(ctx.tr("There is no proposal to confirm. Type `match` to prepare one."))
    enrollments = {
        e.person_id: e for e in queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    }
    pairs, stale = _confirmable(ctx, proposals, enrollments)
    pair_status.drop(ctx.session, stale)
    preview.set_aside(
        ctx,
        [i for p in stale for i in (p.mentor_id, p.mentee_id) if i in enrollments],
        "partner_unavailable",
    )
    ids = [i for p in pairs for i in (p.mentor_id, p.mentee_id)]
    people = queries.people_by_id(ctx.session, ctx.workspace_id, ids)
    run = queries.latest_run(ctx.session, ctx.workspace_id, ctx.programme_id)
    run_id = run.id if run else 0
    announcements: list[Reply] = []
    for pair in pairs:
        pair_status.confirm(pair, ctx.now)
        members = [(people[i], enrollments[i]) for i in (pair.mentor_id, pair.mentee_id)]
        for _, enrollment in members:
            enrollment_status.matched(enrollment, ctx.now)
        intro = introduction(ctx, pair, members, who=())
        announcements.append(Reply(intro, to=ToPair(known(pair.id)), key=intro_key(known(pair.id))))
    for mentor_id in dict.fromkeys(p.mentor_id for p in pairs):
        guide = Reply(_mentor_guide(ctx), to=ToPerson(mentor_id), key=f"guide:person:{mentor_id}:run:{run_id}")
        announcements.append(guide)
    # Only the really unmatched hear it: not a mentor with room left in a pair that goes on, nor the paused.
    unmatched = preview.unmatched(ctx, [])
    alone = queries.people_by_user_id(ctx.session, ctx.workspace_id, [user for user, _ in unmatched])
    for user, why in unmatched:
        if user in alone:
            person_id = known(alone[user].id)
            key = f"unmatched:person:{person_id}:run:{run_id}"
            answers = enrollments[person_id].answers if person_id in enrollments else {}
            announcements.append(Reply(_no_partner(ctx, why, answers), to=ToPerson(person_id), key=key))
    confirmed = ctx.tr.plural(
        "{n} pair confirmed; its introduction is on its way.",
        "{n} pairs confirmed; their introductions are on their way.",
        len(pairs),
    )
    if not pairs:
        confirmed = ctx.tr("No pair could be confirmed.")
    told = ctx.tr.plural(
        "{n} volunteer without a partner is told why and stays on the list.",
        "{n} volunteers without a partner are told why and stay on the list.",
        len(unmatched),
    )
    dropped = ctx.tr.plural(
        "{n} proposed pair was left out: one of its members paused, left or was paired meanwhile.",
        "{n} proposed pairs were left out: one of their members paused, left or was paired meanwhile.",
        len(stale),
    )
    summary = say(" ".join([confirmed, *([told] if unmatched else []), *([dropped] if stale else [])]))
    summary.replies += announcements
    return summary


def _confirmable(
    ctx: Ctx, proposals: Sequence[Pair], enrollments: dict[int, Enrollment]
) -> tuple[list[Pair], list[Pair]]:
    """The proposals that still hold, and those that no longer do: a member paused, left or erased since the
    preview, a mentee already in a pair, a mentor without room."""
    live = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *pair_status.LIVE)
    taken = {p.mentee_id for p in live}
    places: dict[int, int] = {}
    for pair in live:
        places[pair.mentor_id] = places.get(pair.mentor_id, 0) + 1
    kept: list[Pair] = []
    stale: list[Pair] = []
    for pair in proposals:
        members = [enrollments.get(i) for i in (pair.mentor_id, pair.mentee_id)]
        mentor = members[0]
        ready = all(e is not None and e.status in enrollment_status.PAIRABLE for e in members)
        room = mentor is not None and places.get(pair.mentor_id, 0) < int(mentor.answers.get("capacity", 1))
        if ready and room and pair.mentee_id not in taken:
            kept.append(pair)
            taken.add(pair.mentee_id)
            places[pair.mentor_id] = places.get(pair.mentor_id, 0) + 1
        else:
            stale.append(pair)
    return kept, stale


def _no_partner(ctx: Ctx, why: str, answers: dict[str, Any]) -> Callable[[Tr], Message]:
    """Told the reason as it concerns them, with what they could change; never someone else's list or manager."""

    def compose(tr: Tr) -> Message:
        reason = volunteer_reason(tr, why, answers, ctx.command)
        if reason is None:
            text = tr(
                "The matching of *{programme}* is done, and this time there was no compatible partner for you. "
                "You stay on the list for the next matching; thank you for your patience.",
                programme=ctx.programme.name,
            )
        else:
            text = tr(
                "The matching of *{programme}* is done, and this time you have no partner: {why}. You stay on "
                "the list for the next matching; thank you for your patience.",
                programme=ctx.programme.name,
                why=reason,
            )
        return message(Text(text))

    return compose


def _mentor_guide(ctx: Ctx) -> Callable[[Tr], Message]:
    def compose(tr: Tr) -> Message:
        lines = [
            tr(
                "*A few words for mentors.* You are the expert of the hour, and your mentee is senior to you: "
                "that is the point. Start from their questions and their daily work; show, then let them try; "
                "be patient with what seems obvious to you; never condescend. Ask at the end what was useful."
            )
        ]
        if ctx.programme.community_channel:
            lines.append(
                tr(
                    "Share your experience with the other mentors in {channel}.",
                    channel=channel_ref(ctx.programme.community_channel),
                )
            )
        return message(*(Text(line) for line in lines))

    return compose
