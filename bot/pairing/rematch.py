"""A member's "not a good fit": a rematch request stored and sent to the coordinators, who see privately who asked.

Nothing ends here: a coordinator ends or keeps the pair (bot/pairing/rematch_decision.py)."""

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.people import named
from bot.recipients import ToCoordinators
from bot.replies import say
from bot.ui import Block, Button, Buttons, Compose, Message, Outcome, Reply, Text, message
from storage import queries
from storage.models import Pair, Person, RematchOutcome, RematchRequest


def ask(ctx: Ctx, pair: Pair) -> Outcome:
    """Under the pair's lock (the route's guard takes it): pressing twice asks once."""
    requests = queries.rematch_requests_of_pairs(ctx.session, ctx.workspace_id, [known(pair.id)])
    if any(r.asked_by == ctx.person_id and r.decided_at is None for r in requests):
        return say(ctx.tr("You have asked already; a coordinator will decide, and you will hear from me then."))
    request = queries.add_rematch_request(ctx.session, ctx.workspace_id, known(pair.id), ctx.person_id, ctx.now)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [pair.mentor_id, pair.mentee_id])
    compose = notice(request, ctx.person, people[pair.mentor_id], people[pair.mentee_id])
    outcome = say(
        ctx.tr(
            "Your request is with the coordinators, privately. Your pairing goes on until one of them decides; "
            "if it ends, your partner will not be told who asked."
        )
    )
    outcome.replies.append(Reply(compose, to=ToCoordinators(), key=f"rematch:{request.id}:coordinators"))
    return outcome


def notice(
    request: RematchRequest, asker: Person, mentor: Person, mentee: Person, decided: str | None = None
) -> Compose:
    """What each coordinator reads, in their language: who asked, about which pair, and the two choices; once
    decided, what was decided instead of the buttons."""

    def compose(tr: Tr) -> Message:
        blocks: list[Block] = [
            Text(
                tr(
                    "*Rematch request* · {asker} says the pair {mentor} → {mentee} is not a good fit and asks for "
                    "a new partner. Only coordinators know who asked.",
                    asker=named(asker),
                    mentor=named(mentor),
                    mentee=named(mentee),
                )
            )
        ]
        if decided:
            blocks.append(Text(decided))
        else:
            blocks.append(Text(tr("Ending it tells both, kindly and without who asked; both go back to the pool.")))
            blocks.append(
                Buttons(
                    (
                        Button(tr("End the pair"), "rematch.end", str(request.id), style="danger"),
                        Button(tr("Keep the pair"), "rematch.keep", str(request.id)),
                    )
                )
            )
        return message(*blocks)

    return compose


def settle(ctx: Ctx, pair: Pair) -> None:
    """The pair ended, whoever ended it: every open request about it is decided, by the coordinator who acted."""
    for request in queries.rematch_requests_of_pairs(ctx.session, ctx.workspace_id, [known(pair.id)]):
        if request.decided_at is None:
            request.outcome, request.decided_at = RematchOutcome.ENDED, ctx.now
            request.decided_by = ctx.person_id if ctx.is_coordinator else None
