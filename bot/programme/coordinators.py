"""`coordinators add|remove @person`: who runs the programme; founders named at start-up stay."""

from bot.context import Ctx
from bot.parse import fold, parse_mention
from bot.people import named as named_person
from bot.replies import say, usage
from bot.ui import Outcome, mention
from storage import queries


def coordinators(ctx: Ctx, args: list[str]) -> Outcome:
    line = "coordinators add|remove @person"
    if not args:
        names = ", ".join(named_person(p) for p in queries.coordinators(ctx.session, ctx.workspace_id))
        return say(ctx.tr("Coordinators: {names}", names=names or "—"))
    verb = fold(args[0])
    who = parse_mention(args[1]) if len(args) == 2 else None
    if verb not in ("add", "remove", "ajouter", "retirer") or who is None:
        return usage(ctx, line, ctx.tr("Mention the person with @."))
    if verb in ("add", "ajouter"):
        person = queries.get_or_add_person(ctx.session, ctx.workspace_id, who, ctx.now)
        named = named_person(person)
        if person.is_coordinator or who in ctx.founders:
            return say(ctx.tr("{user} is a coordinator already; nothing changed.", user=named))
        person.is_coordinator = True
        return say(ctx.tr("{user} is now a coordinator.", user=named), refresh_home=True)
    if who in ctx.founders:
        return say(founder(ctx, who))
    # Removing someone the bot has never seen stores nothing about them.
    found = queries.get_person(ctx.session, ctx.workspace_id, who)
    if found is None or not found.is_coordinator:
        named = named_person(found) if found else mention(who)
        return say(ctx.tr("{user} is not a coordinator; nothing changed.", user=named))
    named = named_person(found)
    if found.id == ctx.person_id and len(queries.coordinators(ctx.session, ctx.workspace_id)) <= 1:
        return say(ctx.tr("You are the last coordinator; name another one before you step down."))
    found.is_coordinator = False
    return say(ctx.tr("{user} is no longer a coordinator.", user=named), refresh_home=True)


def founder(ctx: Ctx, who: str) -> str:
    """Why a founder stays, as it is: named in the setting, or the one Passerelle starts with when it is unset."""
    person = queries.get_person(ctx.session, ctx.workspace_id, who)
    named = named_person(person) if person else mention(who)
    if who in ctx.founders_configured:
        return ctx.tr(
            "{user} is named in PASSERELLE_COORDINATORS and stays a coordinator until the setting changes.", user=named
        )
    return ctx.tr(
        "{user} is the coordinator Passerelle starts with while PASSERELLE_COORDINATORS is not set, and stays one "
        "until that setting names the coordinators.",
        user=named,
    )
