"""The coordinators' answer to a rematch request: End the pair or Keep it, from the buttons of their notice.

The pair's row is locked first: two coordinators pressing End at once end it once, and the second is told."""

from bot.context import Ctx
from bot.pairing import pair as pair_status
from bot.pairing.members import end_pair
from bot.pairing.pair import EndReason
from bot.pairing.rematch import notice
from bot.people import named
from bot.recipients import ToPerson
from bot.replies import say
from bot.topics import N_
from bot.ui import Message, Outcome, Reply, Text, message
from storage import queries
from storage.models import Pair, Programme, RematchOutcome, RematchRequest

ENDED_KINDLY = N_(
    "Your pairing with {partner} in *{programme}* has ended: the coordinators think another partner would suit "
    "you both better. Thank you for the time you gave it; you are back on the list for the next matching."
)


def end(ctx: Ctx, request_id: int) -> Outcome:
    found = _locked(ctx, request_id)
    if isinstance(found, Outcome):
        return found
    request, pair = found
    replies = end_pair(ctx, pair, EndReason.NOT_A_GOOD_FIT, ended_text=ENDED_KINDLY)
    done = ctx.tr("You ended this pair; both are told, without who asked.")
    return Outcome(replies, replace=_decided(ctx, request, pair, done))


def keep(ctx: Ctx, request_id: int) -> Outcome:
    found = _locked(ctx, request_id)
    if isinstance(found, Outcome):
        return found
    request, pair = found
    request.outcome, request.decided_by, request.decided_at = RematchOutcome.KEPT, ctx.person_id, ctx.now
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [pair.mentor_id, pair.mentee_id])
    partner = people[pair.mentee_id if request.asked_by == pair.mentor_id else pair.mentor_id]
    kept = N_(
        "A coordinator has read your request about your pairing with {partner}: it goes on for now. If something "
        "worries you, you can tell the coordinators at any time."
    )
    to_asker = Reply(
        lambda tr: message(Text(tr(kept, partner=named(partner)))),
        to=ToPerson(request.asked_by),
        key=f"rematch:{request.id}:kept",
    )
    done = ctx.tr("You kept this pair; {asker} is told privately.", asker=named(people[request.asked_by]))
    return Outcome([to_asker], replace=_decided(ctx, request, pair, done))


def _locked(ctx: Ctx, request_id: int) -> tuple[RematchRequest, Pair] | Outcome:
    """The request and its pair, locked and read afresh, or what to tell a coordinator who is too late."""
    request = queries.get_rematch_request(ctx.session, ctx.workspace_id, request_id)
    pair = queries.lock_pair(ctx.session, ctx.workspace_id, request.pair_id) if request else None
    request = queries.get_rematch_request(ctx.session, ctx.workspace_id, request_id) if pair else None
    if request is None or pair is None:
        return say(ctx.tr("This request is no longer there: the pair was erased at a member's request."))
    if pair.programme_id != ctx.programme_id:
        ctx.programme = ctx.session.get(Programme, pair.programme_id) or ctx.programme
    if request.decided_at is not None:
        return say(_already(ctx, request))
    if pair.status not in pair_status.LIVE:
        return say(ctx.tr("This pair has already ended; there is nothing left to decide."))
    return request, pair


def _already(ctx: Ctx, request: RematchRequest) -> str:
    who = queries.people_by_id(ctx.session, ctx.workspace_id, [request.decided_by] if request.decided_by else [])
    by = named(who[request.decided_by]) if request.decided_by in who else ctx.tr("someone else")
    if request.outcome == RematchOutcome.KEPT:
        return ctx.tr("{who} has already kept this pair.", who=by)
    return ctx.tr("This pair has already ended ({who} decided); there is nothing left to decide.", who=by)


def _decided(ctx: Ctx, request: RematchRequest, pair: Pair, done: str) -> Message:
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [pair.mentor_id, pair.mentee_id, request.asked_by])
    compose = notice(request, people[request.asked_by], people[pair.mentor_id], people[pair.mentee_id], done)
    return compose(ctx.tr)
