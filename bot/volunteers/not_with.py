"""`not-with @person`: a volunteer's confidential list of people never to be paired with.

Nobody else ever sees it, not even coordinators: the matching only never proposes such a pair, and explains
the absence of a partner without naming it.
"""

from bot.context import Ctx
from bot.parse import fold, parse_mention
from bot.people import named_by_user_id
from bot.replies import say, usage
from bot.ui import Outcome
from storage import queries
from storage.models import EnrollmentStatus

USAGE = "not-with [@person | remove @person]"
KEY = "not_with"  # in the enrollment's answers; kept when the profile is edited


def not_with(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)
    if enrollment is None or enrollment.status == EnrollmentStatus.LEFT:
        return say(
            ctx.tr("Join the programme first (`join`); then you can name people you would rather not be paired with.")
        )
    listed: list[str] = list(enrollment.answers.get(KEY, []))
    removing = bool(args) and fold(args[0]) in ("remove", "retirer", "enlever")
    who = parse_mention(args[-1]) if len(args) == (2 if removing else 1) else None
    if not args:
        names = ", ".join(named_by_user_id(ctx.session, ctx.workspace_id, listed))
        return say(
            ctx.tr("Only you see this list. You will never be paired with: {names}.", names=names)
            if listed
            else ctx.tr("Your list is empty. Only you would see it.")
        )
    if who is None:
        return usage(ctx, USAGE, ctx.tr("Mention the person with @."))
    if who == ctx.person.user_id:
        return usage(ctx, USAGE, ctx.tr("That is you."))
    [named] = named_by_user_id(ctx.session, ctx.workspace_id, [who])
    if removing:
        if who not in listed:
            # Saying "off your list" would confirm a change that never happened.
            return say(ctx.tr("{user} was not on your list; nothing changed.", user=named))
        listed = [user for user in listed if user != who]
        text = ctx.tr("{user} is off your list.", user=named)
    else:
        listed = [*dict.fromkeys([*listed, who])]
        text = ctx.tr("Noted, confidentially: you will never be paired with {user}. Nobody else sees this.", user=named)
    enrollment.answers = {**enrollment.answers, KEY: listed}
    enrollment.updated_at = ctx.now
    return say(text)
