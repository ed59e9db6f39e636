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
from bot.pairing.pair import LIVE
from bot.people import named, zone_in
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
from bot.working_hours import local
from storage import queries
from storage.models import Meeting, Pair, Person, Pulse

COMMENT_LENGTH = 2000
SCALE = ("1", "2", "3", "4", "5")


def ask(session: Session, booked: Meeting, pair: Pair, members: tuple[Person, Person]) -> list[Reply]:
    """The session's pulses, one per member, recorded as asked so that they are asked once; the caller flushes
    before the questions are written (their buttons carry the pulses' ids)."""
    asked = []
    enrolled = queries.enrollments_of(session, pair.programme_id, [known(p.id) for p in members])
    for person, partner in (members, members[::-1]):
        pulse = Pulse(
            workspace_id=pair.workspace_id,
            pair_id=known(pair.id),
            meeting_id=known(booked.id),
            person_id=known(person.id),
        )
        session.add(pulse)  # flushed with the tick's batch, not one statement per pulse
        asked.append(_question(pulse, partner, booked, zone_in(person, enrolled.get(known(person.id)))))
    return asked


def _question(pulse: Pulse, partner: Person, booked: Meeting, zone: str) -> Reply:
    day = local(booked.starts_at, zone)  # the day on the reader's own clock

    def compose(tr: Tr) -> Message:
        value = str(known(pulse.id))
        return message(
            Text(
                tr(
                    "How was your session with {partner} on {day}? Your answers stay between you and me: your "
                    "partner never sees them, and coordinators see them only in figures of three people or more. "
                    "Only if you say the pairing is not a good fit are the coordinators asked, in your name, for a "
                    "new partner.",
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
    if _asks_fit(ctx, pair):
        fit = (Option("good", tr("Yes, a good fit")), Option("not_good", tr("No, not a good fit")))
        blocks.append(Choice("fit", fit, label=tr("Is this pairing a good fit?")))
        # The one answer that is not private: say so where it is chosen.
        blocks.append(
            Text(
                tr(
                    "“Not a good fit” asks the coordinators for a new partner: they will know you asked; your "
                    "partner is never told."
                )
            )
        )
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
    # Only the pulse whose form asked it may say whether the pairing fits: a value sent with any other is ignored.
    if _asks_fit(ctx, pair) and values.get("fit") in ("good", "not_good"):
        pulse.fit = values.get("fit")
    _happened(ctx, pulse, pair)
    if pulse.fit != "not_good":
        return say(tr("Thank you! Your answers stay private."))
    thanks = say(
        tr(
            "Thank you! Your answers stay private, but for your request for a new partner: that goes to the "
            "coordinators, in your name."
        )
    )
    thanks.replies += rematch.ask(ctx, pair).replies
    return thanks


def _asks_fit(ctx: Ctx, pair: Pair) -> bool:
    """Whether the pairing is a good fit is asked after the first session only, and never once the pair ended."""
    return pair.status in LIVE and queries.count_held(ctx.session, known(pair.id)) <= 1


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
    if pair.status not in LIVE:
        return say(ctx.tr("Noted, thank you."))
    # The same words whatever the partner said: the answer tells nothing of theirs.
    _not_held_for_both(ctx, pulse, pair)
    return say(
        ctx.tr("Noted. Book another hour with your partner when you can."),
        Buttons((Button(ctx.tr("Book our hour"), "pair.book", str(pair.id), style="primary"),)),
    )


def _not_held_for_both(ctx: Ctx, pulse: Pulse, pair: Pair) -> bool:
    """Each member answers for themselves and never sees the other's answer: the session is held while either says
    it happened or has not answered (the calendar, `status` and the figures show nothing of one member's answer);
    once both say it did not, it is missed (postponed by either) or cancelled, and the period is open again."""
    answers = [p.happened for p in queries.pulses_of_meeting(ctx.session, pulse.meeting_id)]
    session = ctx.session.get(Meeting, pulse.meeting_id)
    if session is None or not answers or not all(a in ("postponed", "cancelled") for a in answers):
        return False
    if session.status in (meeting.Status.BOOKED, meeting.Status.HELD):
        (meeting.missed if "postponed" in answers else meeting.cancelled_after)(session, ctx.now)
    pair_status.touch(pair, ctx.now)  # the period is open again: the reminders start over
    return True


def _happened(ctx: Ctx, pulse: Pulse, pair: Pair) -> None:
    session = ctx.session.get(Meeting, pulse.meeting_id)
    if session is not None and session.status == meeting.Status.BOOKED:
        meeting.held(session, ctx.now)
    pair_status.back_on_track(pair)


def _own(ctx: Ctx, pulse_id: int) -> tuple[Pulse, Pair] | Outcome:
    """The caller's own pulse, not answered yet, of their pair; anything else is a button gone stale. A pair that
    has ended still hears about the sessions it held while it went on: its last pulse comes as it closes."""
    pulse = ctx.session.get(Pulse, pulse_id)
    if pulse is None or pulse.workspace_id != ctx.workspace_id or pulse.person_id != ctx.person_id:
        return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))
    if pulse.answered_at is not None:
        return say(ctx.tr("You answered this pulse already. Thank you!"))
    ended = queries.lock_pair(ctx.session, ctx.workspace_id, pulse.pair_id)
    if ended is not None and ended.status not in LIVE and _held_while_live(ctx, pulse, ended):
        return pulse, ended
    pair = member_of(ctx, pulse.pair_id)
    return pair if isinstance(pair, Outcome) else (pulse, pair)


def _held_while_live(ctx: Ctx, pulse: Pulse, pair: Pair) -> bool:
    session = ctx.session.get(Meeting, pulse.meeting_id)
    if session is None or pair.ended_at is None:
        return False
    return local(session.starts_at, "UTC") < local(pair.ended_at, "UTC")
