"""`pause [until DATE]`, the pause form of the Home tab, and `resume`."""

from datetime import date

from bot.context import Ctx
from bot.i18n import Tr
from bot.pairing import pair as pair_status
from bot.parse import fold, parse_date
from bot.people import named
from bot.recipients import ToPerson
from bot.replies import say, usage
from bot.ui import DateInput, Form, Message, Outcome, Reply, Text, message
from bot.volunteers import enrollment as enrollment_status
from bot.volunteers.enrollment import ENROLLED
from bot.volunteers.profile import not_taking_part, status_name
from storage import queries
from storage.models import EnrollmentStatus

UNTIL = {"until", "jusqu'au", "jusqu'a", "jusquau", "au", "till", "to"}


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
    # Locked: a pause must not cross a confirmation that pairs her.
    enrollment = enrollment_status.own(ctx, lock=True)
    if enrollment is None or enrollment.status not in ENROLLED:
        return not_taking_part(ctx, enrollment)
    if until is not None and until <= ctx.now.date():
        return None
    enrollment_status.pause(enrollment, until, ctx.now)
    told = _tell_partners(ctx, until)
    if until:
        text = ctx.tr(
            "You are on pause until {date}. I will not write to you about the programme until then.",
            date=ctx.tr.day(until),
        )
    else:
        text = ctx.tr("You are on pause. Type `resume` when you want to come back.")
    outcome = say(text, refresh_home=True)
    outcome.replies += told
    return outcome


def _tell_partners(ctx: Ctx, until: date | None) -> list[Reply]:
    """A member's pause holds their pair's reminders too: the partner is told, privately, rather than left to
    wonder why the programme went quiet."""
    replies = []
    for pair in queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *pair_status.LIVE):
        pair_status.touch(pair, ctx.now)
        partner = pair.mentee_id if pair.mentor_id == ctx.person_id else pair.mentor_id
        name = named(ctx.person)

        def compose(tr: Tr, name: str = name) -> Message:
            if until is None:
                return message(
                    Text(
                        tr(
                            "{user} is taking a break from the programme for now; your pairing waits for their return.",
                            user=name,
                        )
                    )
                )
            return message(
                Text(
                    tr(
                        "{user} is taking a break until {day}; your pairing's reminders wait until then.",
                        user=name,
                        day=tr.day(until),
                    )
                )
            )

        key = f"member_paused:{pair.id}:{ctx.person_id}:{ctx.now:%Y%m%d%H%M%S}"
        replies.append(Reply(compose, to=ToPerson(partner), key=key))
    return replies


def _past(ctx: Ctx) -> str:
    return ctx.tr("That date has passed; give a date to come.")


def resume(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = enrollment_status.own(ctx)
    if enrollment is None or enrollment.status not in ENROLLED:
        return not_taking_part(ctx, enrollment)
    if enrollment.status != EnrollmentStatus.PAUSED:
        return say(ctx.tr("You are not on pause: your status is *{status}*.", status=status_name(ctx, enrollment)))
    if enrollment_status.resume(ctx.session, enrollment, ctx.now) == EnrollmentStatus.MATCHED:
        return say(ctx.tr("Welcome back! Your pairing goes on where you left it."), refresh_home=True)
    return say(ctx.tr("Welcome back! You are on the list for the next matching."), refresh_home=True)
