"""What every person may do: join, see their profile, pause, resume, leave, export or erase their data."""

import json
from datetime import date
from typing import Any

from bot.context import Ctx
from bot.i18n import LOCALES, translator
from bot.onboarding import flow
from bot.onboarding.summary import summary_fields
from bot.pairing.members import end_pair
from bot.parse import fold, parse_date
from bot.replies import say, usage
from bot.ui import Button, Buttons, DateInput, Form, Outcome, Reply, Text
from storage import queries
from storage.models import Enrollment

UNTIL = {"until", "jusqu'au", "jusqu'a", "jusquau", "au", "till", "to"}
CHUNK = 2800  # under Slack's 3,000 characters per text block


def join(ctx: Ctx, args: list[str]) -> Outcome:
    outcome = flow.start(ctx)
    outcome.replies[:0] = say(ctx.tr("Let's continue in our direct messages.")).replies
    return outcome


def profile(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = _enrollment(ctx)
    if enrollment is None or enrollment.status == "onboarding":
        return _not_taking_part(ctx, enrollment)
    return say(
        ctx.tr(
            "Your profile in *{programme}* · status: *{status}*",
            programme=ctx.programme.name,
            status=status_name(ctx, enrollment),
        ),
        *summary_fields(ctx, enrollment.answers),
        Buttons((Button(ctx.tr("Edit my profile"), "profile.edit"),)),
    )


def pause(ctx: Ctx, args: list[str]) -> Outcome:
    """`pause` or `pause until DATE` (ISO, day first, or in words)."""
    until: date | None = None
    if args:
        words = " ".join(args[1:] if fold(args[0]) in UNTIL else args)
        until = parse_date(words, ctx.now.date())
        if until is None:
            why = ctx.tr("I could not read “{date}” as a date; try 2027-01-15 or 15/01/2027.", date=words[:40])
            return usage(ctx, "pause [until DATE]", why)
    return pause_until(ctx, until) or usage(ctx, "pause [until DATE]", _past(ctx))


def pause_form(ctx: Ctx) -> Outcome:
    tr = ctx.tr
    return Outcome(
        form=Form(
            "pause",
            tr("Take a break"),
            (
                Text(
                    tr(
                        "No messages about the programme while you are on pause. Pick a date to come back by "
                        "yourself, or leave it empty and type `resume` later."
                    )
                ),
                DateInput("until", tr("Back on")),
            ),
            submit=tr("Pause"),
            close=tr("Cancel"),
        )
    )


def pause_submitted(ctx: Ctx, values: dict[str, str | None]) -> Outcome:
    raw = values.get("until")
    try:
        until = date.fromisoformat(raw) if raw else None
    except ValueError:
        return Outcome(form_errors={"until": ctx.tr("Pick a date in the calendar.")})
    return pause_until(ctx, until) or Outcome(form_errors={"until": _past(ctx)})


def pause_until(ctx: Ctx, until: date | None) -> Outcome | None:
    """Pause the caller's enrollment; None when the date has passed already."""
    enrollment = _enrollment(ctx)
    if enrollment is None or enrollment.status in ("onboarding", "left"):
        return _not_taking_part(ctx, enrollment)
    if until is not None and until <= ctx.now.date():
        return None
    enrollment.status, enrollment.paused_until, enrollment.updated_at = "paused", until, ctx.now
    if until:
        text = ctx.tr(
            "You are on pause until {date}. I will not write to you about the programme until then.",
            date=until.isoformat(),
        )
    else:
        text = ctx.tr("You are on pause. Type `resume` when you want to come back.")
    return say(text, refresh_home=True)


def _past(ctx: Ctx) -> str:
    return ctx.tr("That date has passed; give a date to come.")


def resume(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = _enrollment(ctx)
    if enrollment is None or enrollment.status in ("onboarding", "left"):
        return _not_taking_part(ctx, enrollment)
    if enrollment.status != "paused":
        return say(ctx.tr("You are not on pause: your status is *{status}*.", status=status_name(ctx, enrollment)))
    enrollment.status, enrollment.paused_until, enrollment.updated_at = "ready", None, ctx.now
    return say(ctx.tr("Welcome back! You are on the list for the next matching."), refresh_home=True)


def leave(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = _enrollment(ctx)
    if enrollment is None or enrollment.status == "left":
        return _not_enrolled(ctx)
    if flow.active(ctx):
        flow.stop(ctx)
    if enrollment.status == "onboarding":
        ctx.session.delete(enrollment)
        return say(ctx.tr("You have left. Nothing you answered was kept."), refresh_home=True)
    told = _end_pairs(ctx)
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


def export(ctx: Ctx, args: list[str]) -> Outcome:
    """Everything stored about the caller, as JSON, to them only."""
    document = json.dumps(personal_data(ctx), ensure_ascii=False, indent=1, default=str)
    chunks = [document[i : i + CHUNK] for i in range(0, len(document), CHUNK)]
    return say(ctx.tr("Here is everything Passerelle stores about you:"), *(f"```{c}```" for c in chunks))


def personal_data(ctx: Ctx) -> dict[str, Any]:
    person = ctx.person
    assert person.id is not None
    conversation = queries.get_conversation(ctx.session, ctx.workspace_id, person.id)
    programmes = {p.id: p.name for p in queries.programmes(ctx.session, ctx.workspace_id)}
    return {
        "person": {
            "user_id": person.user_id,
            "display_name": person.display_name,
            "platform_locale": person.platform_locale,
            "chosen_language": person.chosen_locale,
            "timezone": person.timezone,
            "coordinator": ctx.is_coordinator,
            "first_seen": person.created_at,
        },
        "enrollments": [
            {
                "programme": programmes.get(e.programme_id),
                "role": e.role,
                "status": e.status,
                "answers": e.answers,
                "paused_until": e.paused_until,
                "consented_at": e.consented_at,
                "updated_at": e.updated_at,
            }
            for e in queries.enrollments_of_person(ctx.session, ctx.workspace_id, person.id)
        ],
        "onboarding_in_progress": {"step": conversation.step, "answers": conversation.draft} if conversation else None,
    }


def delete(ctx: Ctx, args: list[str]) -> Outcome:
    return say(
        ctx.tr(
            "This erases your profile, your answers and your settings, in every programme. It cannot be "
            "undone. Are you sure?"
        ),
        Buttons(
            (
                Button(ctx.tr("Yes, erase everything"), "data.delete.confirm", style="danger"),
                Button(ctx.tr("Cancel"), "data.delete.cancel"),
            )
        ),
    )


def confirm_delete(ctx: Ctx) -> Outcome:
    told = _end_pairs(ctx)
    queries.erase_person(ctx.session, ctx.workspace_id, ctx.person_id)
    outcome = say(ctx.tr("Done: everything Passerelle stored about you is erased."), refresh_home=True)
    outcome.replies += told
    return outcome


def _end_pairs(ctx: Ctx) -> list[Reply]:
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


def _enrollment(ctx: Ctx) -> Enrollment | None:
    return queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)


def _not_taking_part(ctx: Ctx, enrollment: Enrollment | None) -> Outcome:
    """Why a volunteer's command does not apply: not enrolled, still joining, or gone."""
    if enrollment is not None and enrollment.status == "onboarding":
        return say(ctx.tr("You have started to join; a few questions are left. Type `join` to continue."))
    return _not_enrolled(ctx)


def _not_enrolled(ctx: Ctx) -> Outcome:
    return say(ctx.tr("You are not enrolled in *{programme}*. Type `join` to take part.", programme=ctx.programme.name))
