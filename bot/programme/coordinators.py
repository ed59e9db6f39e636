"""`coordinators add|remove @person`: who runs the programme; founders named in the settings stay."""

from bot.context import Ctx
from bot.parse import fold, parse_mention
from bot.people import named as named_person
from bot.replies import say, usage
from bot.ui import Outcome
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
    person = queries.get_or_add_person(ctx.session, ctx.workspace_id, who, ctx.now)
    named = named_person(person)
    if verb in ("add", "ajouter"):
        person.is_coordinator = True
        return say(ctx.tr("{user} is now a coordinator.", user=named), refresh_home=True)
    if who in ctx.founders:
        return say(
            ctx.tr(
                "{user} is named in PASSERELLE_COORDINATORS and stays a coordinator until the setting changes.",
                user=named,
            )
        )
    if person.id == ctx.person_id and len(queries.coordinators(ctx.session, ctx.workspace_id)) <= 1:
        return say(ctx.tr("You are the last coordinator; name another one before you step down."))
    person.is_coordinator = False
    return say(ctx.tr("{user} is no longer a coordinator.", user=named), refresh_home=True)
