"""Who may take a route: anyone, the programme's coordinators, or the two members of the pair it acts on."""

from enum import StrEnum

from bot.context import Ctx
from bot.pairing.pair import LIVE
from bot.replies import say
from bot.ui import Outcome
from storage import queries
from storage.models import Pair, Programme


class Guard(StrEnum):
    ANYONE = "anyone"
    COORDINATOR = "coordinator"
    MEMBER = "member"  # of the pair whose id the input carries, while the pair is active or at risk


def refusal(ctx: Ctx, guard: Guard, command: str = "") -> Outcome | None:
    """The polite answer to someone a coordinator guard keeps out (naming the command typed), or None.

    A member guard needs the pair: `member_of` checks it."""
    if guard is not Guard.COORDINATOR or ctx.is_coordinator:
        return None
    if command:
        return say(
            ctx.tr(
                "Sorry, `{command}` is for the programme's coordinators. Type `help` to see what you can do.",
                command=command,
            )
        )
    return say(ctx.tr("Sorry, this is for the programme's coordinators."))


def member_of(ctx: Ctx, pair_id: int) -> Pair | Outcome:
    """The caller's own live pair, locked so that its two members act one after the other, or the answer to give
    anyone else. A pair's buttons act in the pair's programme, even once another one is current."""
    pair = queries.lock_pair(ctx.session, ctx.workspace_id, pair_id)
    if pair is None or pair.status not in LIVE:
        return say(ctx.tr("This pairing has ended."))
    if ctx.person_id not in (pair.mentor_id, pair.mentee_id):
        return say(ctx.tr("These buttons are for the two members of this pair."))
    if pair.programme_id != ctx.programme_id:
        ctx.programme = ctx.session.get(Programme, pair.programme_id) or ctx.programme
    # A member acting for the pair is not someone who lets the reminders pass (bot/lifecycle/tick.py).
    if ctx.person_id == pair.mentor_id:
        pair.mentor_seen_at = ctx.now
    else:
        pair.mentee_seen_at = ctx.now
    return pair
