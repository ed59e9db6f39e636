"""Nudges to book the period's hour, and what a pair answers them: snooze, pause until a date, "we already met"."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.lifecycle import booking, cadence, meeting
from bot.lifecycle.cadence import Due
from bot.outbox import queue as outbox
from bot.pairing import pair as pair_status
from bot.pairing.members import members_of, tr_for_pair
from bot.parse import parse_date
from bot.people import named, zone_in, zone_of
from bot.recipients import ToCoordinators, ToPair, ToPerson
from bot.replies import say
from bot.topics import N_
from bot.ui import Button, Buttons, DateInput, Form, Message, Outcome, Reply, Text, form_action, message
from bot.working_hours import local
from storage import queries
from storage.models import Pair, Person, Programme

SNOOZES = {"pair.snooze.3d": timedelta(days=3), "pair.snooze.1w": timedelta(weeks=1)}
ASKED = {
    # Also the first word after a session that did not take place, mid-period: it says nothing of a new period.
    "book": N_("Time to book this period's hour of *{programme}* together: pick a date that suits you both."),
    "reminder": N_("A friendly reminder: nothing is booked yet for this period's hour."),
    "last": N_(
        "Last reminder: your hour for this period is still not booked. If now is not the moment, pause until a date "
        "that suits you better."
    ),
}


def nudge(pair: Pair, programme: Programme, due: Due, tr_pair: Tr) -> Reply:
    """The pair's nudge of one kind for one period, with everything they may answer; not sent once it is over."""
    text = tr_pair(ASKED[due.kind], programme=programme.name)
    key = f"nudge:{pair.id}:{due.period}:{due.kind}"
    return Reply(_with_answers(tr_pair, pair, text), to=ToPair(known(pair.id)), key=key, expires=due.until)


def _with_answers(tr: Tr, pair: Pair, text: str) -> Message:
    value = str(pair.id)
    return message(
        Text(text),
        Buttons(
            (
                Button(tr("Book our hour"), "pair.book", value, style="primary"),
                Button(tr("Snooze 3 days"), "pair.snooze.3d", value),
                Button(tr("Snooze a week"), "pair.snooze.1w", value),
                Button(tr("We already met"), "pair.met", value),
                Button(tr("Pause until…"), "pair.pause", value),
            )
        ),
    )


def at_risk(pair: Pair, mentor: Person, mentee: Person, period: int) -> Reply:
    """The coordinators are told, privately, that a pair let its last reminder pass."""
    names = {"mentor": named(mentor), "mentee": named(mentee)}

    def compose(tr: Tr) -> Message:
        return message(
            Text(
                tr(
                    "The pair {mentor} – {mentee} has booked nothing this period after three reminders: it is now "
                    "*at risk*. A word from you may help.",
                    **names,
                )
            )
        )

    return Reply(compose, to=ToCoordinators(), key=f"at_risk:{pair.id}:{period}")


def still_there(pair: Pair, person: Person, partner: Person, streak: str) -> Reply:
    """A member who let three nudges in a row pass is asked, privately, whether to stay, pause or leave."""

    def compose(tr: Tr) -> Message:
        return message(
            Text(
                tr(
                    "You have not answered the last three messages about your pairing with {partner}. Would you like "
                    "to go on, take a break or leave the programme? Nothing changes unless you choose.",
                    partner=named(partner),
                )
            ),
            Buttons(
                (
                    Button(tr("I am still in"), "pair.stay", str(pair.id), style="primary"),
                    Button(tr("Take a break"), "pause.form"),
                    Button(tr("Leave"), "/leave"),
                )
            ),
        )

    return Reply(compose, to=ToPerson(known(person.id)), key=f"still_there:{pair.id}:{person.id}:{streak}")


def snooze(ctx: Ctx, pair: Pair, action: str) -> Outcome:
    until = ctx.now + SNOOZES[action]
    pair.snoozed_until = max(pair.snoozed_until or until, until)
    pair_status.touch(pair, ctx.now)
    day = pair.snoozed_until
    # Told to the pair in working hours: an earlier snooze's notice still waiting is outdated by this one, and a
    # notice that would come once the snooze is over is not sent.
    outbox.withdraw(ctx.session, ctx.workspace_id, f"snooze:{pair.id}:")
    text = N_("{user} snoozed the reminders until {day}.")
    told = replace(_to_pair(pair, f"snooze:{pair.id}:{day:%Y%m%d}", text, ctx, day), expires=day)
    return Outcome([*say(ctx.tr("Snoozed: I will ask again on {day}.", day=ctx.tr.day(_mine(ctx, day)))).replies, told])


def snooze_3_days(ctx: Ctx, pair: Pair) -> Outcome:
    return snooze(ctx, pair, "pair.snooze.3d")


def snooze_a_week(ctx: Ctx, pair: Pair) -> Outcome:
    return snooze(ctx, pair, "pair.snooze.1w")


def met(ctx: Ctx, pair: Pair) -> Outcome:
    """ "We already met": a session held just now is recorded, and its pulse follows; once a period, however often
    the button is pressed, since the period needs no more."""
    recent = queries.held_meeting_since(ctx.session, known(pair.id), _period_start(ctx, pair))
    if recent is not None:
        day = ctx.tr.day(_mine(ctx, recent.starts_at))
        return say(ctx.tr("Already noted: your session of {day} counts.", day=day))
    zone = zone_of(ctx.session, ctx.person, ctx.programme)
    held = meeting.record_held(ctx.session, pair, ctx.person_id, ctx.programme.session_minutes, ctx.now, zone)
    pair_status.back_on_track(pair)
    pair_status.touch(pair, ctx.now)
    told = _to_pair(pair, f"met:{pair.id}:{held.id}", N_("{user} noted that you met. Thank you!"), ctx, ctx.now)
    return Outcome([*say(ctx.tr("Noted, thank you! That session counts for this period.")).replies, told])


def pause_form(ctx: Ctx, pair: Pair) -> Outcome:
    tr = ctx.tr
    return Outcome(
        form=Form(
            form_action("pair.pause", pair.id),
            tr("Pause our pairing"),
            (
                Text(tr("No reminders to book until the date you pick; then the programme goes on by itself.")),
                DateInput("until", tr("Back on")),
            ),
            submit=tr("Pause"),
            close=tr("Cancel"),
        )
    )


def pause_submitted(ctx: Ctx, pair: Pair, values: dict[str, str | None]) -> Outcome:
    raw = values.get("until")
    until = parse_date(raw, ctx.now.date()) if raw else None  # a calendar's ISO date, or one typed in words
    if until is None:
        return Outcome(form_errors={"until": ctx.tr("Pick a date in the calendar.")})
    if until <= ctx.now.date():
        return Outcome(form_errors={"until": ctx.tr("That date has passed; give a date to come.")})
    end = booking.programme_last_day(ctx.programme, pair)  # its end date, or where its length runs out
    if until > end:
        return Outcome(form_errors={"until": ctx.tr("The programme ends on {day}.", day=ctx.tr.day(end))})
    pair.paused_until = until
    pair_status.touch(pair, ctx.now)
    key = f"paused:{pair.id}:{until:%Y%m%d}"
    outbox.withdraw(ctx.session, ctx.workspace_id, f"paused:{pair.id}:")  # an earlier pause's notice still waiting
    text = N_("{user} paused your reminders until {day}; they start again by themselves.")
    resumes = datetime.combine(until, time(), tzinfo=UTC)
    told = replace(_to_pair(pair, key, text, ctx, until), expires=resumes)
    return Outcome([*say(ctx.tr("Paused until {day}.", day=ctx.tr.day(until))).replies, told])


def stay(ctx: Ctx, pair: Pair) -> Outcome:
    return say(ctx.tr("Glad to hear it! Your pairing goes on."))


def _to_pair(pair: Pair, key: str, text: str, ctx: Ctx, day: date | datetime) -> Reply:
    """What one member did, told in the pair's conversation, in the language both read; a moment's day on each
    member's clock, both when they differ."""
    members = members_of(ctx, pair)
    tr = tr_for_pair(ctx, members)
    if isinstance(day, datetime):
        days = {zone: tr.day(local(day, zone)) for zone in (zone_in(person, e) for person, e in members)}
        same = len(set(days.values())) == 1
        shown = next(iter(days.values())) if same else " / ".join(f"{d} ({z})" for z, d in days.items())
    else:
        shown = tr.day(day)
    return Reply(message(Text(tr(text, user=named(ctx.person), day=shown))), to=ToPair(known(pair.id)), key=key)


def _mine(ctx: Ctx, moment: datetime) -> datetime:
    """A moment on the clock of the person who acted."""
    return local(moment, zone_of(ctx.session, ctx.person, ctx.programme))


def _period_start(ctx: Ctx, pair: Pair) -> datetime:
    """When the pair's period of now began; outside every period, when its first opened."""
    p = ctx.programme
    opens, ends = cadence.window(pair.confirmed_at or pair.created_at, p.start_date, p.end_date, p.length_months)
    history = cadence.History(opens=local(opens, "UTC"), ends=local(ends, "UTC"))
    period = cadence.period_at(history, cadence.Plan(monthly=p.monthly_sessions), ctx.now)
    return period.start if period else history.opens
