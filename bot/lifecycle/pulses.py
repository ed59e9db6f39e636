"""The pulse after each session: each member's own, in their direct messages, never shown to the partner.

Did it happen, how was it (1–5), progress on the objectives (1–5), a comment; after the first session, whether the
pairing is a good fit ("not a good fit" is a rematch request to the coordinators)."""

from datetime import timedelta

from sqlmodel import Session

from bot.context import Ctx, known
from bot.guards import member_of
from bot.i18n import Tr
from bot.lifecycle import meeting
from bot.lifecycle.cadence import PULSE_KEPT
from bot.pairing import pair as pair_status
from bot.pairing import rematch
from bot.people import named
from bot.recipients import ToPerson
from bot.replies import say
from bot.ui import (
    Button,
    Buttons,
    Choice,
    Form,
    Message,
    Option,
    Outcome,
    Reply,
    Text,
    TextInput,
    form_action,
    message,
    typed,
)
from storage import queries
from storage.models import Meeting, Pair, Person, Pulse

COMMENT_LENGTH = 2000
SCALE = ("1", "2", "3", "4", "5")


def ask(session: Session, booked: Meeting, pair: Pair, members: tuple[Person, Person]) -> list[Reply]:
    """The session's pulses, one per member, recorded as asked so that they are asked once; the caller flushes
    before the questions are written (their buttons carry the pulses' ids)."""
    asked = []
    for person, partner in (members, members[::-1]):
        pulse = Pulse(
            workspace_id=pair.workspace_id,
            pair_id=known(pair.id),
            meeting_id=known(booked.id),
            person_id=known(person.id),
        )
        session.add(pulse)  # flushed with the tick's batch, not one statement per pulse
        asked.append(_question(pulse, partner, booked))
    return asked


def _question(pulse: Pulse, partner: Person, booked: Meeting) -> Reply:
    day = booked.starts_at

    def compose(tr: Tr) -> Message:
        value = str(known(pulse.id))
        return message(
            Text(
                tr(
                    "How was your session with {partner} on {day}? Your answers stay between you and me: your "
                    "partner never sees them, and coordinators see them only in figures of three answers or more.",
                    partner=named(partner),
                    day=tr.day(day),
                )
            ),
            Buttons(
                (
                    Button(tr("It happened: answer (1 minute)"), "pulse.open", value, style="primary"),
                    Button(tr("It was postponed"), "pulse.postponed", value),
                    Button(tr("It was cancelled"), "pulse.cancelled", value),
                )
            ),
        )

    kept = booked.starts_at + timedelta(minutes=booked.minutes) + PULSE_KEPT
    return Reply(compose, to=ToPerson(pulse.person_id), key=f"pulse:{booked.id}:{pulse.person_id}", expires=kept)


def open_form(ctx: Ctx, pulse_id: int) -> Outcome:
    found = _own(ctx, pulse_id)
    if isinstance(found, Outcome):
        return found
    pulse, pair = found
    tr = ctx.tr
    scale = tuple(Option(n, n) for n in SCALE)
    blocks: list[Choice | TextInput | Text] = [
        Choice("rating", scale, label=tr("How was it? (1 poor, 5 excellent)")),
        Choice("progress", scale, label=tr("Progress on your objectives (1 none, 5 a lot)")),
        TextInput("comment", tr("A comment (optional)"), multiline=True),
    ]
    if queries.count_held(ctx.session, known(pair.id)) <= 1:
        fit = (Option("good", tr("Yes, a good fit")), Option("not_good", tr("No, not a good fit")))
        blocks.append(Choice("fit", fit, label=tr("Is this pairing a good fit?")))
    return Outcome(form=Form(form_action("pulse", pulse.id), tr("Your pulse"), tuple(blocks), tr("Send"), tr("Cancel")))


def submitted(ctx: Ctx, pulse_id: int, values: dict[str, str | None]) -> Outcome:
    found = _own(ctx, pulse_id)
    if isinstance(found, Outcome):
        return found
    pulse, pair = found
    tr = ctx.tr
    errors = {
        name: tr("Pick a number from 1 to 5.") for name in ("rating", "progress") if values.get(name) not in SCALE
    }
    comment = typed(values.get("comment") or "").strip()
    if len(comment) > COMMENT_LENGTH:
        errors["comment"] = tr("At most {n} characters.", n=COMMENT_LENGTH)
    if errors:
        return Outcome(form_errors=errors)
    pulse.happened, pulse.rating, pulse.progress = "yes", int(values["rating"] or 0), int(values["progress"] or 0)
    pulse.comment, pulse.answered_at = comment or None, ctx.now
    pulse.fit = values.get("fit") if values.get("fit") in ("good", "not_good") else pulse.fit
    _happened(ctx, pulse, pair)
    thanks = say(tr("Thank you! Your answers stay private."))
    if pulse.fit == "not_good":
        thanks.replies += rematch.ask(ctx, pair).replies
    return thanks


def postponed(ctx: Ctx, pulse_id: int) -> Outcome:
    return _did_not_happen(ctx, pulse_id, "postponed")


def cancelled(ctx: Ctx, pulse_id: int) -> Outcome:
    return _did_not_happen(ctx, pulse_id, "cancelled")


def _did_not_happen(ctx: Ctx, pulse_id: int, how: str) -> Outcome:
    found = _own(ctx, pulse_id)
    if isinstance(found, Outcome):
        return found
    pulse, pair = found
    pulse.happened, pulse.answered_at = how, ctx.now
    session = ctx.session.get(Meeting, pulse.meeting_id)
    if session is not None and session.status in (meeting.Status.BOOKED, meeting.Status.HELD):
        (meeting.missed if how == "postponed" else meeting.cancelled_after)(session, ctx.now)
    pair_status.touch(pair, ctx.now)  # the period is open again: the reminders start over
    return say(
        ctx.tr("Noted. Book another hour when you can; I will remind you both."),
        Buttons((Button(ctx.tr("Book our hour"), "pair.book", str(pair.id), style="primary"),)),
    )


def _happened(ctx: Ctx, pulse: Pulse, pair: Pair) -> None:
    session = ctx.session.get(Meeting, pulse.meeting_id)
    if session is not None and session.status == meeting.Status.BOOKED:
        meeting.held(session, ctx.now)
    pair_status.back_on_track(pair)


def _own(ctx: Ctx, pulse_id: int) -> tuple[Pulse, Pair] | Outcome:
    """The caller's own pulse, not answered yet, of a pair that goes on; anything else is a button gone stale."""
    pulse = ctx.session.get(Pulse, pulse_id)
    if pulse is None or pulse.workspace_id != ctx.workspace_id or pulse.person_id != ctx.person_id:
        return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))
    if pulse.answered_at is not None:
        return say(ctx.tr("You answered this pulse already. Thank you!"))
    pair = member_of(ctx, pulse.pair_id)
    return pair if isinstance(pair, Outcome) else (pulse, pair)
