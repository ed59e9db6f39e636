"""Retention: a set time after a programme ends, its personal data is erased and only anonymous figures stay.

The coordinators are told a month before, so that they can export first. The tick does it."""

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.i18n import Tr
from bot.lifecycle import cadence
from bot.outbox import queue as outbox
from bot.recipients import ToCoordinators
from bot.reports.figures import figures as report_figures
from bot.reports.figures import kept, measure, net_promoter
from bot.ui import Message, Reply, Text, message
from storage import queries
from storage.models import MeetingStatus, Programme

NOTICE_MONTHS = 1  # the coordinators hear of an erasure at least this long before it


def programme_end(session: Session, programme: Programme) -> datetime | None:
    """When the programme ended: its end date, else its length from its start, else from its last pair's start."""
    if programme.end_date is not None:
        return datetime.combine(programme.end_date + timedelta(days=1), time(0), tzinfo=UTC)
    began = (
        datetime.combine(programme.start_date, time(0), tzinfo=UTC)
        if programme.start_date
        else queries.last_confirmation(session, programme.workspace_id, programme.id or 0)
    )
    if began is None:
        return None
    return datetime.combine(cadence.add_months(began.date(), programme.length_months), time(0), tzinfo=UTC)


def run(session: Session, now: datetime) -> int:
    """Tell the coordinators a month ahead, then erase what is due; returns how many programmes were erased."""
    erased = 0
    for programme in queries.programmes_not_erased(session):
        day = _announced(session, programme, now)
        if day is not None and now >= _midnight(day):
            erase(session, programme, now)
            erased += 1
    return erased


def erasure_day(session: Session, programme: Programme) -> date | None:
    """The day its retention erases the programme's personal data, by its settings; None while it has no end."""
    ended = programme_end(session, programme)
    return None if ended is None else cadence.add_months(ended.date(), programme.retention_months)


def _announced(session: Session, programme: Programme, now: datetime) -> date | None:
    """The day the erasure is announced for, telling the coordinators whenever it changes: never sooner than a
    month after they hear of it, so a retention shortened, or an end moved, cannot take them by surprise."""
    due, told = erasure_day(session, programme), programme.erasure_on
    if due is None:
        return None
    earliest = cadence.add_months(now.date(), NOTICE_MONTHS)
    if told is not None and (due == told or (due < told and due < earliest)):
        return told  # told already; an earlier day would come with less than a month's notice
    notice_opens = _midnight(cadence.add_months(due, -NOTICE_MONTHS))
    if now < notice_opens:
        if told is not None:
            # Moved later, past the notice's month: the day told no longer holds; the notice comes in its time.
            _tell(session, programme, now, _postponed(programme, due))
            programme.erasure_on = None
        return None
    day = max(due, earliest)
    _tell(session, programme, now, _notice(programme, day, postponed=day > due, replaced=told is not None))
    programme.erasure_on = day
    return day


def _tell(session: Session, programme: Programme, now: datetime, reply: Reply) -> None:
    # A notice still waiting for the coordinators' working hours gives a day that no longer holds.
    for kind in ("notice", "postponed"):
        outbox.withdraw(session, programme.workspace_id, f"retention:{programme.id}:{kind}:")
    outbox.write(session, programme, now, [reply])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def erase(session: Session, programme: Programme, now: datetime) -> None:
    """The programme's people, answers, pairs, sessions, pulses, surveys and messages go; its figures stay."""
    assert programme.id is not None
    report = kept(report_figures(session, programme, now))
    programme.figures = figures(session, programme) | {"erased_on": now.date().isoformat(), "report": report}
    queries.erase_programme(session, programme.workspace_id, programme.id)
    programme.erased_at = now
    outbox.write(session, programme, now, [_done(programme)])


def figures(session: Session, programme: Programme) -> dict[str, object]:
    """Counts and averages, with no person in them; a feedback figure only from as many people as the report's."""
    assert programme.id is not None
    enrollments = queries.enrollments_of_programme(session, programme.workspace_id, programme.id)
    pairs = queries.pairs_of_programme(session, programme.workspace_id, programme.id, *queries.ALL_PAIR_STATUSES)
    ids = [p.id for p in pairs if p.id is not None]
    meetings = queries.meetings_of_pairs(session, ids)
    pulses = queries.pulses_of_pairs(session, ids)
    surveys = [s for s in queries.surveys_of_pairs(session, ids) if s.answered_at is not None]
    recommend = [
        (s.person_id, int(s.answers["recommend"])) for s in surveys if str(s.answers.get("recommend", "")).isdigit()
    ]
    nps = net_promoter(recommend).value
    return {
        "mentors": sum(e.role == "mentor" for e in enrollments),
        "mentees": sum(e.role == "mentee" for e in enrollments),
        "pairs": len(pairs),
        "sessions_held": sum(m.status == MeetingStatus.HELD for m in meetings),
        "rating": _rounded(measure([(p.person_id, float(p.rating)) for p in pulses if p.rating]).value),
        "progress": _rounded(measure([(p.person_id, float(p.progress)) for p in pulses if p.progress]).value),
        "nps": None if nps is None else round(nps),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _notice(programme: Programme, day: date, postponed: bool, replaced: bool) -> Reply:
    name, months = programme.name, programme.retention_months

    def compose(tr: Tr) -> Message:
        if postponed:
            text = tr.plural(
                "The personal data of *{programme}* will be erased on {day}: its retention, {n} month after its "
                "end, would erase it sooner, but you get a month's notice.",
                "The personal data of *{programme}* will be erased on {day}: its retention, {n} months after its "
                "end, would erase it sooner, but you get a month's notice.",
                months,
                programme=name,
                day=tr.day(day),
            )
        else:
            text = tr.plural(
                "The personal data of *{programme}* will be erased on {day}, {n} month after its end, as its "
                "retention says.",
                "The personal data of *{programme}* will be erased on {day}, {n} months after its end, as its "
                "retention says.",
                months,
                programme=name,
                day=tr.day(day),
            )
        if replaced:
            text += " " + tr("This replaces the day I gave you before.")
        return message(Text(text + " " + tr("Export what you need before then with `export`; its figures stay.")))

    # A new day is a new notice: the key holds it.
    return Reply(compose, to=ToCoordinators(), key=f"retention:{programme.id}:notice:{day.isoformat()}")


def _postponed(programme: Programme, day: date) -> Reply:
    name = programme.name

    def compose(tr: Tr) -> Message:
        text = tr(
            "The erasure of the personal data of *{programme}* is postponed to {day}, as its end moved. I will "
            "remind you a month before.",
            programme=name,
            day=tr.day(day),
        )
        return message(Text(text))

    return Reply(compose, to=ToCoordinators(), key=f"retention:{programme.id}:postponed:{day.isoformat()}")


def _done(programme: Programme) -> Reply:
    name = programme.name

    def compose(tr: Tr) -> Message:
        text = tr("The personal data of *{programme}* has been erased; its anonymous figures stay.", programme=name)
        return message(Text(text))

    return Reply(compose, to=ToCoordinators(), key=f"retention:{programme.id}:done")
