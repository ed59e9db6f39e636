"""`match confirm`: the proposal becomes pairs; each pair is introduced, mentors get their guide, and the
unmatched are told kindly why, staying in the pool. Nothing is announced before this."""

from bot.context import Ctx
from bot.pairing import preview
from bot.pairing.members import introduction
from bot.pairing.reasons import unmatched_reason
from bot.people import tr_for
from bot.replies import say
from bot.ui import Outcome, Reply, Text, channel_ref, message
from storage import queries
from storage.models import Person


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
    announcements: list[Reply] = []
    for pair in pairs:
        pair.status, pair.confirmed_at, pair.pinned = "active", ctx.now, False
        members = [(people[i], enrollments[i]) for i in (pair.mentor_id, pair.mentee_id)]
        for _, enrollment in members:
            enrollment.status, enrollment.updated_at = "matched", ctx.now
        announcements.append(
            Reply(
                introduction(ctx, pair, members),
                to="group",
                people=tuple(person.user_id for person, _ in members),
                key=f"pair:{pair.id}",
            )
        )
    for mentor_id in dict.fromkeys(p.mentor_id for p in pairs):
        announcements.append(_mentor_guide(ctx, people[mentor_id]))
    alone = queries.people_by_user_id(ctx.session, ctx.workspace_id, [user for user, _ in unmatched])
    for user, why in unmatched:
        if user in alone:
            tr = tr_for(alone[user], ctx.programme)
            text = tr(
                "The matching of *{programme}* is done, and this time you have no partner: {why}. You stay on "
                "the list for the next matching; thank you for your patience.",
                programme=ctx.programme.name,
                why=unmatched_reason(tr, why),
            )
            announcements.append(Reply(message(Text(text)), to="person", people=(user,)))
    confirmed = ctx.tr.plural(
        "{n} pair confirmed; I am introducing it now.", "{n} pairs confirmed; I am introducing them now.", len(pairs)
    )
    told = ctx.tr.plural(
        "{n} volunteer without a partner is told why and stays on the list.",
        "{n} volunteers without a partner are told why and stay on the list.",
        len(unmatched),
    )
    summary = say(f"{confirmed} {told}" if unmatched else confirmed)
    summary.replies += announcements
    return summary


def conversation_opened(ctx: Ctx, key: str, conversation_id: str) -> None:
    """A channel opened the pair's conversation: keep its id, since opening one is rate-limited and posting not."""
    kind, _, number = key.partition(":")
    if kind == "pair" and number.isdecimal():
        pair = queries.get_pair(ctx.session, ctx.workspace_id, int(number))
        if pair is not None:
            pair.conversation_id = conversation_id


def _mentor_guide(ctx: Ctx, mentor: Person) -> Reply:
    tr = tr_for(mentor, ctx.programme)
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
    return Reply(message(*(Text(line) for line in lines)), to="person", people=(mentor.user_id,))
