"""`match confirm`: the proposal becomes pairs; each pair is introduced, mentors get their guide, and the
unmatched are told kindly why, staying in the pool. Nothing is announced before this."""

from collections.abc import Callable

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.pairing import preview
from bot.pairing.members import introduction
from bot.pairing.reasons import unmatched_reason
from bot.recipients import ToPair, ToPerson
from bot.replies import say
from bot.ui import Message, Outcome, Reply, Text, channel_ref, message
from storage import queries


def confirm(ctx: Ctx) -> Outcome:
    pairs = list(preview.proposed(ctx))
    if not pairs:
        return say(ctx.tr("There is no proposal to confirm. Type `match` to prepare one."))
    unmatched = preview.unmatched(ctx, pairs)
    ids = [i for p in pairs for i in (p.mentor_id, p.mentee_id)]
    people = queries.people_by_id(ctx.session, ctx.workspace_id, ids)
    enrollments = {
        e.person_id: e for e in queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    }
    run = queries.latest_run(ctx.session, ctx.workspace_id, ctx.programme_id)
    run_id = run.id if run else 0
    announcements: list[Reply] = []
    for pair in pairs:
        pair.status, pair.confirmed_at, pair.pinned = "active", ctx.now, False
        members = [(people[i], enrollments[i]) for i in (pair.mentor_id, pair.mentee_id)]
        for _, enrollment in members:
            enrollment.status, enrollment.updated_at = "matched", ctx.now
        announcements.append(
            Reply(introduction(ctx, pair, members), to=ToPair(known(pair.id)), key=f"intro:pair:{pair.id}")
        )
    for mentor_id in dict.fromkeys(p.mentor_id for p in pairs):
        guide = Reply(_mentor_guide(ctx), to=ToPerson(mentor_id), key=f"guide:person:{mentor_id}:run:{run_id}")
        announcements.append(guide)
    alone = queries.people_by_user_id(ctx.session, ctx.workspace_id, [user for user, _ in unmatched])
    for user, why in unmatched:
        if user in alone:
            person_id = known(alone[user].id)
            key = f"unmatched:person:{person_id}:run:{run_id}"
            announcements.append(Reply(_no_partner(ctx, why), to=ToPerson(person_id), key=key))
    confirmed = ctx.tr.plural(
        "{n} pair confirmed; its introduction is on its way.",
        "{n} pairs confirmed; their introductions are on their way.",
        len(pairs),
    )
    told = ctx.tr.plural(
        "{n} volunteer without a partner is told why and stays on the list.",
        "{n} volunteers without a partner are told why and stay on the list.",
        len(unmatched),
    )
    summary = say(f"{confirmed} {told}" if unmatched else confirmed)
    summary.replies += announcements
    return summary


def _no_partner(ctx: Ctx, why: str) -> Callable[[Tr], Message]:
    def compose(tr: Tr) -> Message:
        text = tr(
            "The matching of *{programme}* is done, and this time you have no partner: {why}. You stay on "
            "the list for the next matching; thank you for your patience.",
            programme=ctx.programme.name,
            why=unmatched_reason(tr, why),
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
