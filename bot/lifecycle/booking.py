"""Booking the pair's hour: the form, the confirmation with its calendar invite, moving and cancelling a session."""

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.lifecycle import cadence, invite, meeting
from bot.outbox import queue as outbox
from bot.pairing import pair as pair_status
from bot.pairing.members import Member, members_of, pair_language, tr_for_pair
from bot.parse import parse_date, parse_time
from bot.people import named, zone_in, zone_of
from bot.recipients import ToCoordinators, ToPair, ToPerson
from bot.replies import say
from bot.ui import (
    Button,
    Buttons,
    Choice,
    DateInput,
    Form,
    Link,
    Links,
    Message,
    Option,
    Outcome,
    Reply,
    Text,
    TextInput,
    TimeInput,
    form_action,
    message,
    typed,
)
from bot.working_hours import local, zone_info
from storage import queries
from storage.models import Meeting, Pair, Person, Programme

EARLIEST, LATEST = time(7), time(21)  # a session outside these asks the booker to confirm
PLACE_LENGTH = 300
POINTS_LENGTH = 2000
CANCELLATIONS_TOLD = 2  # the coordinators hear of a member who cancelled this many sessions
FORMATS = ("video", "in_person")


def form(ctx: Ctx, pair: Pair) -> Outcome:
    """The booking form; with a session booked already, the same form moves it."""
    tr = ctx.tr
    booked = queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)
    zone = zone_of(ctx.session, ctx.person, ctx.programme)
    local = booked.starts_at.astimezone(zone_info(zone)) if booked else None
    return Outcome(
        form=Form(
            form_action("pair.book", pair.id),
            tr("Move our session") if booked else tr("Book our hour"),
            (
                Text(tr("Pick a date and a time that suit you both; the time is yours, in {zone}.", zone=zone)),
                DateInput("day", tr("Date"), initial=local.date() if local else None),
                TimeInput("time", tr("Start time"), placeholder="14:30", initial=f"{local:%H:%M}" if local else ""),
                Choice(
                    "format",
                    (Option("video", tr("Video")), Option("in_person", tr("In person"))),
                    selected=(booked.format if booked else "video",),
                    label=tr("Format"),
                ),
                TextInput(
                    "place",
                    tr("Place or video link (optional)"),
                    initial=booked.place if booked else "",
                ),
                Choice(
                    "odd_hour",
                    (Option("yes", tr("Yes, at this hour")),),
                    multiple=True,
                    label=tr("Before 07:00 or after 21:00?"),
                ),
            ),
            submit=tr("Move") if booked else tr("Book"),
            close=tr("Cancel"),
        )
    )


def submitted(ctx: Ctx, pair: Pair, values: dict[str, str | None]) -> Outcome:
    """Checked field by field, shown in the form; then booked (or moved) and both told, with the invite."""
    tr = ctx.tr
    zone = zone_of(ctx.session, ctx.person, ctx.programme)
    local_now = ctx.now.astimezone(zone_info(zone))
    errors: dict[str, str] = {}
    day = _day(values.get("day"), local_now.date())
    at = parse_time(values.get("time") or "")
    last_day = programme_last_day(ctx.programme, pair)
    if day is None:
        errors["day"] = tr("Pick a date in the calendar.")
    elif day < local_now.date():
        errors["day"] = tr("That date has passed; give a date to come.")
    elif day > last_day:
        errors["day"] = tr("That is after the programme's end, on {day}.", day=tr.day(last_day))
    if at is None:
        errors["time"] = tr("Write a time such as 14:30.")
    if errors or day is None or at is None:
        return Outcome(form_errors=errors)
    starts = datetime.combine(day, at, tzinfo=zone_info(zone))
    if local(starts.astimezone(UTC), zone).replace(tzinfo=None) != datetime.combine(day, at):
        # zoneinfo would read a time the clocks skip as an hour later or earlier: the booker picks one that exists.
        gap = tr(
            "{time} does not exist on {day} in {zone}: the clocks go forward then. Pick another time.",
            time=f"{at:%H:%M}",
            day=tr.day(day),
            zone=zone,
        )
        return Outcome(form_errors={"time": gap})
    if starts <= ctx.now:
        return Outcome(form_errors={"time": tr("That time has passed; pick a later one.")})
    odd = None if values.get("odd_hour") == "yes" else _odd_hour(ctx, tr, pair, starts)
    if odd:
        return Outcome(form_errors={"time": odd})
    place = " ".join(typed(values.get("place") or "").split())
    if len(place) > PLACE_LENGTH:
        return Outcome(form_errors={"place": tr("At most {n} characters.", n=PLACE_LENGTH)})
    chosen = values.get("format")
    how = (ctx.programme.session_minutes, chosen if chosen in FORMATS else "video", place)
    booked = queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)
    moved_from = None
    if booked is None:
        booked = meeting.book(ctx.session, pair, ctx.person_id, starts.astimezone(UTC), zone, how, ctx.now)
        done = tr("Booked! You both have the invite.")
    elif _starts(booked) == starts and (booked.minutes, booked.format, booked.place) == how:
        # A form sent again as it was (a replay, a second press of Send): nothing moves, nobody is told again.
        return say(tr("That session is booked already, as it is: nothing changed."))
    else:
        _withdraw_reminders(ctx, booked)
        # Only the place or format changed: said as booked with its new details, not "moved from … to" itself.
        moved_from = None if _starts(booked) == starts else booked.starts_at
        meeting.move(booked, starts.astimezone(UTC), zone, how, ctx.now)
        done = tr("Moved! You both have the new invite.")
    outbox.withdraw(ctx.session, ctx.workspace_id, f"nudge:{pair.id}:")  # the period is booked now
    pair_status.back_on_track(pair)
    pair_status.touch(pair, ctx.now)
    return Outcome([*say(done).replies, confirmation(ctx, pair, booked, moved_from)])


def cancel(ctx: Ctx, pair: Pair) -> Outcome:
    booked = queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)
    if booked is None:
        return say(ctx.tr("Nothing is booked to cancel."))
    _withdraw_reminders(ctx, booked)
    meeting.cancel(booked, ctx.person_id, ctx.now)
    pair_status.touch(pair, ctx.now)
    replies = [*say(ctx.tr("Cancelled. Book another hour when you can.")).replies, confirmation(ctx, pair, booked)]
    count = queries.count_cancelled_by(ctx.session, known(pair.id), ctx.person_id)
    if count == CANCELLATIONS_TOLD:
        replies.append(_cancellations(ctx, pair, count))
    return Outcome(replies)


def confirmation(ctx: Ctx, pair: Pair, booked: Meeting, moved_from: datetime | None = None) -> Reply:
    """What both read in their conversation: when (from when, for a session moved), how, where, and the invite to
    add to their calendars."""
    members = members_of(ctx, pair)
    tr = tr_for_pair(ctx, members)
    when = _when(tr, booked.starts_at, members)
    if booked.status == meeting.Status.CANCELLED:
        text = tr("{user} cancelled your session of {when}.", user=named(ctx.person), when=when)
        # Either of them may book the next one from here.
        blocks: list[Text | Links | Buttons] = [
            Text(text),
            Buttons((Button(tr("Book our hour"), "pair.book", str(pair.id), style="primary"),)),
        ]
    else:
        if moved_from is None:
            text = tr("{user} booked your session: {when}.", user=named(ctx.person), when=when)
        else:
            before = _when(tr, moved_from, members)
            text = tr(
                "{user} moved your session from {before} to {when}.", user=named(ctx.person), before=before, when=when
            )
        how = tr("In person") if booked.format == "in_person" else tr("Video")
        details = f"{how} — {booked.place}" if booked.place else how
        blocks = [
            Text(text + "\n" + details),
            links(ctx, tr, pair, booked, members),
            Buttons(
                (
                    Button(tr("Move it"), "pair.book", str(pair.id)),
                    Button(tr("Cancel it"), "pair.cancel", str(pair.id), style="danger"),
                )
            ),
        ]
    key = f"booking:{booked.id}:{booked.sequence}"
    return Reply(message(*blocks), to=ToPair(known(pair.id)), key=key)


def links(ctx: Ctx, tr: Tr, pair: Pair, booked: Meeting, members: Sequence[Member]) -> Links:
    made = the_invite(ctx.session, ctx.programme, tr, booked, members)
    return Links(
        (
            Link(tr("Add to my calendar (.ics)"), f"{ctx.public_url}/calendar/{booked.token}.ics"),
            Link(tr("Add to Google Calendar"), invite.google_link(made)),
            Link(tr("Add to Outlook"), invite.outlook_link(made)),
        )
    )


def the_invite(
    session: Session, programme: Programme, tr: Tr, booked: Meeting, members: Sequence[Member]
) -> invite.Invite:
    (mentor, _), (mentee, _) = members
    names = (mentor.display_name or mentor.user_id, mentee.display_name or mentee.user_id)
    pair = session.get(Pair, booked.pair_id)
    objectives = "\n".join(f"- {o}" for o in (pair.objectives if pair else []))
    description = tr("Your reverse-mentoring hour in {programme}.", programme=programme.name)
    return invite.Invite(
        # Unique across every Passerelle, not only this database: from the session's secret token, which never
        # changes, so a reschedule keeps it; hashed, so the UID does not give the token away.
        uid=f"{hashlib.sha256(booked.token.encode()).hexdigest()[:32]}@passerelle",
        sequence=booked.sequence,
        starts=booked.starts_at,
        timezone=booked.timezone,
        title=tr("Reverse mentoring: {mentor} and {mentee}", mentor=names[0], mentee=names[1]),
        description=description + (("\n" + tr("Our objectives") + ":\n" + objectives) if objectives else ""),
        location=booked.place,
        attendees=tuple(invite.Attendee(name, None) for name in names),
        stamp=booked.updated_at,
        minutes=booked.minutes,
        cancelled=booked.status == meeting.Status.CANCELLED,
    )


def _when(tr: Tr, starts: datetime, members: Sequence[Member]) -> str:
    """The day and time on each member's own clock, named, when their zones differ; once when they share one."""
    zones = [zone_in(person, enrolled) for person, enrolled in members]
    shown = [tr("{day} at {time}", day=tr.day(local(starts, z)), time=f"{local(starts, z):%H:%M}") for z in zones]
    if len(set(zones)) == 1:
        return shown[0]
    return "; ".join(
        tr("{when} for {user} ({zone})", when=when, user=named(person), zone=zone)
        for when, (person, _), zone in zip(shown, members, zones, strict=True)
    )


def _odd_hour(ctx: Ctx, tr: Tr, pair: Pair, starts: datetime) -> str | None:
    """Why the time asks to be confirmed: outside 07:00–21:00 for the booker, or on the partner's own clock."""
    mine, theirs = False, None
    for person, enrolled in members_of(ctx, pair):
        zone = zone_in(person, enrolled)
        clock = local(starts, zone)
        if EARLIEST <= clock.time() <= LATEST:
            continue
        if person.id == ctx.person_id:
            mine = True
        else:
            theirs = {"time": f"{clock:%H:%M}", "partner": named(person), "zone": zone}
    if theirs is None:
        return (
            tr("That is outside 07:00–21:00. Tick “Yes, at this hour” below to book it all the same.") if mine else None
        )
    if mine:
        return tr(
            "That is outside 07:00–21:00 for you, and {time} for {partner} ({zone}). Tick “Yes, at this hour” "
            "below to book it all the same.",
            **theirs,
        )
    return tr(
        "That is {time} for {partner} ({zone}), outside 07:00–21:00. Tick “Yes, at this hour” below to book it all "
        "the same.",
        **theirs,
    )


def _starts(booked: Meeting) -> datetime:
    return booked.starts_at if booked.starts_at.tzinfo else booked.starts_at.replace(tzinfo=UTC)  # SQLite: naive UTC


def _withdraw_reminders(ctx: Ctx, booked: Meeting) -> None:
    """A session moved or cancelled: its reminders still waiting are dropped, never sent late or wrong, and so is
    an earlier confirmation not yet delivered (its buttons and invite are outdated by the one that follows)."""
    for kind in ("morning", "talking_points", "booking"):
        outbox.withdraw(ctx.session, ctx.workspace_id, f"{kind}:{booked.id}:")


def _cancellations(ctx: Ctx, pair: Pair, count: int) -> Reply:
    user, members = named(ctx.person), members_of(ctx, pair)
    (mentor, _), (mentee, _) = members

    def compose(tr: Tr) -> Message:
        return message(
            Text(
                tr(
                    "{user} has cancelled {n} sessions of the pair {mentor} – {mentee}. A word may help.",
                    user=user,
                    n=count,
                    mentor=named(mentor),
                    mentee=named(mentee),
                )
            )
        )

    return Reply(compose, to=ToCoordinators(), key=f"cancellations:{pair.id}:{ctx.person_id}:{count}")


def calendar_file(session: Session, token: str) -> bytes | None:
    """The .ics of the session this token names, as it stands now; None for a token that names none."""
    booked = queries.meeting_by_token(session, token)
    pair = session.get(Pair, booked.pair_id) if booked else None
    programme = session.get(Programme, pair.programme_id) if pair else None
    if booked is None or pair is None or programme is None:
        return None
    people = queries.people_by_id(session, pair.workspace_id, [pair.mentor_id, pair.mentee_id])
    enrolled = queries.enrollments_of(session, pair.programme_id, [pair.mentor_id, pair.mentee_id])
    if len(people) < 2 or len(enrolled) < 2:
        return None  # a member erased their data: nothing of theirs is served
    members = [(people[i], enrolled[i]) for i in (pair.mentor_id, pair.mentee_id)]
    return invite.ics(the_invite(session, programme, pair_language(programme, members), booked, members))


def _day(raw: str | None, today: date) -> date | None:
    """A calendar's ISO date, or a date typed where there is no calendar (the console): "10/12/2026", "demain"."""
    return parse_date(raw, today) if raw else None


def programme_last_day(p: Programme, pair: Pair) -> date:
    """The programme's last day: its end date, else the day before its length runs out for this pair."""
    if p.end_date is not None:
        return p.end_date
    ends = cadence.window(pair.confirmed_at or pair.created_at, p.start_date, None, p.length_months)[1]
    return (ends - timedelta(days=1)).date()


def morning(booked: Meeting, person: Person, partner: Person, zone: str) -> Reply:
    """The reminder on the session's day, to one member, with the time in their zone and the place."""
    local = booked.starts_at.astimezone(zone_info(zone))

    def compose(tr: Tr) -> Message:
        how = tr("In person") if booked.format == "in_person" else tr("Video")
        where = f"{how} — {booked.place}" if booked.place else how
        clock = f"{local:%H:%M}"
        text = tr("Today at {time}: your session with {partner}.", time=clock, partner=named(partner))
        return message(Text(text + "\n" + where))

    key = f"morning:{booked.id}:{booked.sequence}:{person.id}"
    return Reply(compose, to=ToPerson(known(person.id)), key=key, expires=booked.starts_at)


def talking_points_asked(booked: Meeting, pair: Pair, mentor: Person, mentee: Person, zone: str) -> Reply:
    """Two days before, the mentor is asked what to cover; the answer goes to the mentee."""
    local = booked.starts_at.astimezone(zone_info(zone))

    def compose(tr: Tr) -> Message:
        return message(
            Text(
                tr(
                    "Your session with {mentee} is on {day} at {time}. Anything you would like to cover? Share a "
                    "few talking points and I will pass them on (optional).",
                    mentee=named(mentee),
                    day=tr.day(local),
                    time=f"{local:%H:%M}",
                )
            ),
            Buttons((Button(tr("Share talking points"), "pair.points", str(pair.id)),)),
        )

    key = f"talking_points:{booked.id}:{booked.sequence}"
    return Reply(compose, to=ToPerson(known(mentor.id)), key=key, expires=booked.starts_at)


def points_form(ctx: Ctx, pair: Pair) -> Outcome:
    if ctx.person_id != pair.mentor_id:
        return say(ctx.tr("The mentor shares the talking points of a session."))
    booked = queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)
    if booked is None:
        return say(ctx.tr("Nothing is booked yet."))
    return Outcome(
        form=Form(
            form_action("pair.points", pair.id),
            ctx.tr("Talking points"),
            (
                TextInput(
                    "points",
                    ctx.tr("What would you like to cover?"),
                    multiline=True,
                    initial=booked.talking_points or "",
                ),
            ),
            submit=ctx.tr("Share"),
            close=ctx.tr("Cancel"),
        )
    )


def points_submitted(ctx: Ctx, pair: Pair, values: dict[str, str | None]) -> Outcome:
    booked = queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)
    if ctx.person_id != pair.mentor_id or booked is None:
        return say(ctx.tr("That form no longer works. Type `help` to see what you can do."))
    points = typed(values.get("points") or "").strip()
    if not points:
        return Outcome(form_errors={"points": ctx.tr("Write a few words, or close the form.")})
    if len(points) > POINTS_LENGTH:
        return Outcome(form_errors={"points": ctx.tr("At most {n} characters.", n=POINTS_LENGTH)})
    booked.talking_points = points
    mentor = named(ctx.person)
    digest = hashlib.sha256(points.encode()).hexdigest()[:16]

    def compose(tr: Tr) -> Message:
        return message(Text(tr("{mentor} would like to cover, at your next session:", mentor=mentor) + "\n" + points))

    passed = Reply(compose, to=ToPerson(pair.mentee_id), key=f"points:{booked.id}:{digest}")
    return Outcome([*say(ctx.tr("Thank you! I passed them on.")).replies, passed])
