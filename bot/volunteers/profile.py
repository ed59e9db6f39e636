"""A volunteer's own standing: join, profile, language, leave, and how a status reads."""

from bot.context import Ctx
from bot.i18n import LOCALES, translator
from bot.pairing.members import end_pair
from bot.parse import fold
from bot.replies import say, usage
from bot.ui import Button, Buttons, Outcome, Reply
from bot.volunteers.onboarding import flow
from bot.volunteers.onboarding.summary import summary_fields
from storage import queries
from storage.models import Enrollment


def join(ctx: Ctx, args: list[str]) -> Outcome:
    outcome = flow.start(ctx)
    outcome.replies[:0] = say(ctx.tr("Let's continue in our direct messages.")).replies
    return outcome


def profile(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = own_enrollment(ctx)
    if enrollment is None or enrollment.status == "onboarding":
        return not_taking_part(ctx, enrollment)
    return say(
        ctx.tr(
            "Your profile in *{programme}* · status: *{status}*",
            programme=ctx.programme.name,
            status=status_name(ctx, enrollment),
        ),
        *summary_fields(ctx, enrollment.answers),
        Buttons((Button(ctx.tr("Edit my profile"), "profile.edit"),)),
    )


def leave(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = own_enrollment(ctx)
    if enrollment is None or enrollment.status == "left":
        return not_enrolled(ctx)
    if flow.active(ctx):
        flow.stop(ctx)
    if enrollment.status == "onboarding":
        ctx.session.delete(enrollment)
        return say(ctx.tr("You have left. Nothing you answered was kept."), refresh_home=True)
    told = end_pairs(ctx)
    enrollment.status, enrollment.paused_until, enrollment.updated_at = "left", None, ctx.now
    outcome = say(
        ctx.tr(
            "You have left *{programme}*. Thank you for taking part! Your profile is kept in case you come "
            "back; erase it whenever you like.",
            programme=ctx.programme.name,
        ),
        Buttons((Button(ctx.tr("Erase my data"), "data.delete", style="danger"),)),
        refresh_home=True,
    )
    outcome.replies += told
    return outcome


def end_pairs(ctx: Ctx) -> list[Reply]:
    """Someone who leaves ends their pairs: the partner goes back to the pool, the coordinators are told."""
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, "active", "at_risk")
    return [reply for pair in pairs for reply in end_pair(ctx, pair, "left", told=ctx.person_id)]


def language(ctx: Ctx, args: list[str]) -> Outcome:
    wanted = fold(args[0]) if len(args) == 1 else ""
    wanted = {"english": "en", "anglais": "en", "french": "fr", "francais": "fr"}.get(wanted, wanted)
    if wanted not in LOCALES:
        return usage(ctx, "language en|fr", ctx.tr("Your language is *{language}*.", language=ctx.tr.locale))
    ctx.person.chosen_locale = wanted
    ctx.tr = translator(wanted)
    return say(ctx.tr("From now on I will write to you in English."), refresh_home=True)


def status_name(ctx: Ctx, enrollment: Enrollment) -> str:
    names = {
        "onboarding": ctx.tr("onboarding"),
        "ready": ctx.tr("ready for matching"),
        "matched": ctx.tr("matched"),
        "paused": ctx.tr("on pause"),
        "left": ctx.tr("left"),
    }
    name = names.get(enrollment.status, enrollment.status)
    if enrollment.status == "paused" and enrollment.paused_until:
        name = ctx.tr("on pause until {date}", date=enrollment.paused_until.isoformat())
    return name


def own_enrollment(ctx: Ctx) -> Enrollment | None:
    return queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)


def not_taking_part(ctx: Ctx, enrollment: Enrollment | None) -> Outcome:
    """Why a volunteer's command does not apply: not enrolled, still joining, or gone."""
    if enrollment is not None and enrollment.status == "onboarding":
        return say(ctx.tr("You have started to join; a few questions are left. Type `join` to continue."))
    return not_enrolled(ctx)


def not_enrolled(ctx: Ctx) -> Outcome:
    return say(ctx.tr("You are not enrolled in *{programme}*. Type `join` to take part.", programme=ctx.programme.name))
