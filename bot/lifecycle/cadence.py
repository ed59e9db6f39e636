"""The cadence: a pure function of a pair's history and `now` says which period it is in, what is due, and when."""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.working_hours import zone_info
from storage.models import Meeting, MeetingStatus

REMINDER_AFTER = 5  # working days after the first nudge, then after the reminder: the last one
GHOSTED_AFTER = 3  # nudges in a row a member let pass without a word
SURVEY_KEPT = timedelta(days=30)  # an end survey not sent by then is not sent at all
PULSE_KEPT = timedelta(days=14)  # a pulse asked later than this after the session has lost its point
TALKING_POINTS_BEFORE = timedelta(hours=48)
CLOSING_AFTER = timedelta(days=7)  # the end survey's time to be answered before the pair's summary and end
NUDGES = ("book", "reminder", "last")


@dataclass(frozen=True)
class Plan:
    """What a programme asks of its pairs."""

    monthly: int = 4  # periods of one month before they are a quarter long
    months: int = 6  # the programme's length, when it has no end date
    working_days: frozenset[int] = frozenset(range(5))
    day_starts: time = time(9)  # the start of working hours, for the morning reminder


@dataclass(frozen=True)
class Period:
    index: int  # 0 for the first
    start: datetime
    end: datetime  # the next period's start, or the programme's end


@dataclass(frozen=True)
class Held:
    """A session as the cadence sees it."""

    id: int
    starts: datetime
    minutes: int
    status: MeetingStatus
    changed: datetime  # booked or last moved: a reminder is for sessions booked before it is due
    pulsed: bool = False  # its pulses were asked

    @classmethod
    def of(cls, meeting: Meeting, pulsed: bool = False) -> "Held":
        assert meeting.id is not None
        return cls(meeting.id, meeting.starts_at, meeting.minutes, meeting.status, meeting.updated_at, pulsed)


@dataclass(frozen=True)
class History:
    """Everything about one pair that decides what is due."""

    opens: datetime  # when its first period opens: its announcement, or the programme's start if later
    ends: datetime  # the programme's end for this pair
    zones: tuple[str, str] = ("UTC", "UTC")  # the mentor's and the mentee's time zones
    meetings: Sequence[Held] = ()
    nudged: Mapping[tuple[int, str], datetime] = field(default_factory=dict)  # (period, kind) → when written
    paused_until: date | None = None
    snoozed_until: datetime | None = None
    checkpoint_sent: bool = False
    survey_sent: datetime | None = None
    surveys_answered: int = 0


@dataclass(frozen=True)
class Due:
    """Something to do for the pair at `at`: a nudge of a period, a message about one of its sessions, a survey."""

    kind: str  # a NUDGES kind, "morning", "talking_points", "pulse", "checkpoint", "survey" or "close"
    at: datetime
    period: int | None = None
    meeting: int | None = None
    member: int | None = None  # 0 the mentor, 1 the mentee, for what each gets at a time of their own
    until: datetime | None = None  # when what it sends loses its point: the period's end for a nudge


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer (31 January + 1 → 28 February)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def window(announced: datetime, start: date | None, end: date | None, months: int) -> tuple[datetime, datetime]:
    """When a pair's periods open and when the programme ends for it.

    Its first period opens at its announcement, or at the programme's start if later. A programme with no end date
    lasts `months` from its start, or from the pair's announcement when it has no start date either. An end date is
    the programme's last day."""
    began = _midnight(start) if start else announced
    opens = max(announced, began)
    ends = _midnight(end + timedelta(days=1)) if end else _midnight(add_months(began.date(), months))
    return opens, max(ends, opens)


def periods(opens: datetime, ends: datetime, monthly: int) -> list[Period]:
    """Monthly periods for the first `monthly`, quarterly after, until the end."""
    starts: list[datetime] = []
    months = 0
    while True:
        moment = datetime.combine(add_months(opens.date(), months), opens.timetz())
        if moment >= ends:
            break
        starts.append(moment)
        months += 1 if len(starts) <= monthly else 3  # the first `monthly` periods last a month each
    return [Period(i, s, starts[i + 1] if i + 1 < len(starts) else ends) for i, s in enumerate(starts)]


def period_at(history: History, plan: Plan, now: datetime) -> Period | None:
    """The period `now` falls in; None before the first opens and from the programme's end."""
    return _current(periods(history.opens, history.ends, plan.monthly), now)


def _current(spans: Sequence[Period], now: datetime) -> Period | None:
    return next((p for p in spans if p.start <= now < p.end), None)


# A session booked for the first days after its period still answers that period's nudges (diaries are full);
# one booked months ahead does not silence the periods before it.
LATE_BOOKING = timedelta(days=14)


def covered(period: Period, meetings: Sequence[Held]) -> bool:
    """A period needs no nudge once a session was held in it, or while one is booked in it (or just after it)."""
    for m in meetings:
        if m.status == MeetingStatus.HELD and period.start <= m.starts < period.end:
            return True
        if m.status == MeetingStatus.BOOKED and period.start <= m.starts < period.end + LATE_BOOKING:
            return True
    return False


def add_working_days(moment: datetime, days: int, working: frozenset[int], zones: Sequence[str] = ("UTC",)) -> datetime:
    """`moment` moved on by `days` working days of the programme's week, at the same time of day; a day's weekday
    is read on each zone's clock, and the latest wins, so that every member had as many working days of their own
    (Monday 02:00 in Paris is still Sunday in New York)."""

    def moved_on(zone: str) -> datetime:
        moved, left, info = moment, days, zone_info(zone)
        while left > 0:
            moved += timedelta(days=1)
            if moved.astimezone(info).weekday() in working or not working:
                left -= 1
        return moved

    return max(moved_on(zone) for zone in zones)


def agenda(history: History, plan: Plan, now: datetime) -> tuple[list[Due], datetime | None]:
    """What is due for the pair by `now`, and the next time something may be due (None: nothing, ever again).

    What was due but has lost its point is not in it: the nudges of a period that is over or covered, a session's
    reminders once it has begun, a pulse two weeks after the session."""
    spans = periods(history.opens, history.ends, plan.monthly)  # computed once: it is most of an agenda's cost
    nudges = _nudges(history, plan, _current(spans, now))
    everything = [*nudges, *_about_sessions(history, plan, now), *_closing(history, now)]
    due = [d for d in everything if d.at <= now]
    upcoming = [d.at for d in everything if d.at > now]
    # A period opening brings its own nudges; so does a pause or a snooze ending.
    upcoming += [p.start for p in spans if p.start > now][:1]
    return due, min(upcoming, default=None)


def _nudges(history: History, plan: Plan, period: Period | None) -> list[Due]:
    """Book; a reminder 5 working days after it; a last one 5 more after: only in an open period not covered."""
    if period is None or covered(period, history.meetings):
        return []
    hold = max(period.start, _resumes(history), history.snoozed_until or period.start)
    previous: datetime | None = None
    for kind in NUDGES:
        sent = history.nudged.get((period.index, kind))
        if sent is None:
            at = (
                hold
                if previous is None
                else max(add_working_days(previous, REMINDER_AFTER, plan.working_days, history.zones), hold)
            )
            return [Due(kind, at, period=period.index, until=period.end)] if at < period.end else []
        previous = sent
    return []


def _resumes(history: History) -> datetime:
    return _midnight(history.paused_until) if history.paused_until else history.opens


def _about_sessions(history: History, plan: Plan, now: datetime) -> list[Due]:
    found: list[Due] = []
    for m in history.meetings:
        if m.status == MeetingStatus.BOOKED and now < m.starts:
            for member, zone in enumerate(history.zones):
                morning = _morning(m.starts, zone, plan.day_starts)
                if m.changed < morning < m.starts:
                    found.append(Due("morning", morning, meeting=m.id, member=member))
            points = m.starts - TALKING_POINTS_BEFORE
            if m.changed < points:
                found.append(Due("talking_points", points, meeting=m.id))
        ends = m.starts + timedelta(minutes=m.minutes)
        if m.status in (MeetingStatus.BOOKED, MeetingStatus.HELD) and not m.pulsed and now < ends + PULSE_KEPT:
            found.append(Due("pulse", ends, meeting=m.id))
    return found


def _closing(history: History, now: datetime) -> list[Due]:
    """The checkpoint at mid-programme, the survey at its end, and the pair's summary once answered or a week on."""
    if history.survey_sent is not None:
        answered = history.surveys_answered >= 2
        # An end moved later after the survey went out: the pair goes on to the new end, and its answers stand
        # (each member answers the survey once).
        return [Due("close", max(history.ends, now if answered else history.survey_sent + CLOSING_AFTER))]
    if now >= history.ends + SURVEY_KEPT:
        # The bot was away past the programme's end (or the pair ran on unnoticed): a survey months late would ask
        # about a programme people have left behind; the pair closes with its summary instead.
        return [Due("close", history.ends + SURVEY_KEPT)]
    found = [Due("survey", history.ends)]
    if not history.checkpoint_sent and now < history.ends:
        found.append(Due("checkpoint", history.opens + (history.ends - history.opens) / 2))
    return found


def _morning(starts: datetime, zone: str, day_starts: time) -> datetime:
    """The start of working hours on the session's day, in a member's own zone."""
    info = zone_info(zone)
    return datetime.combine(starts.astimezone(info).date(), day_starts, tzinfo=info).astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
