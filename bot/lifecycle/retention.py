"""Retention: a set time after a programme ends, its personal data is erased and only anonymous figures stay.

The coordinators are told a month before, so that they can export first. The tick does it."""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from bot.i18n import Tr
from bot.lifecycle import cadence
from bot.outbox import queue as outbox
from bot.recipients import ToCoordinators
from bot.ui import Message, Reply, Text, message
from storage import queries
from storage.models import MeetingStatus, Programme

THRESHOLD = 3  # feedback figures are kept only from this many answers, as the report shows them


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
        ended = programme_end(session, programme)
        if ended is None or ended > now:
            continue
        erase_on = datetime.combine(cadence.add_months(ended.date(), programme.retention_months), time(0), tzinfo=UTC)
        if now >= erase_on:
            erase(session, programme, now)
            erased += 1
        elif now >= datetime.combine(cadence.add_months(erase_on.date(), -1), time(0), tzinfo=UTC):
            outbox.write(session, programme, now, [_notice(programme, erase_on)])
    return erased


def erase(session: Session, programme: Programme, now: datetime) -> None:
    """The programme's people, answers, pairs, sessions, pulses, surveys and messages go; its figures stay."""
    assert programme.id is not None
    programme.figures = figures(session, programme) | {"erased_on": now.date().isoformat()}
    queries.erase_programme(session, programme.workspace_id, programme.id)
    programme.erased_at = now
    outbox.write(session, programme, now, [_done(programme)])


def figures(session: Session, programme: Programme) -> dict[str, object]:
    """Counts and averages, with no person in them; a feedback figure only from THRESHOLD answers."""
    assert programme.id is not None
    enrollments = queries.enrollments_of_programme(session, programme.workspace_id, programme.id)
    pairs = queries.pairs_of_programme(session, programme.workspace_id, programme.id, *queries.ALL_PAIR_STATUSES)
    ids = [p.id for p in pairs if p.id is not None]
    meetings = queries.meetings_of_pairs(session, ids)
    pulses = queries.pulses_of_pairs(session, ids)
    surveys = [s for s in queries.surveys_of_pairs(session, ids) if s.answered_at is not None]
    recommend = [int(s.answers["recommend"]) for s in surveys if str(s.answers.get("recommend", "")).isdigit()]
    return {
        "mentors": sum(e.role == "mentor" for e in enrollments),
        "mentees": sum(e.role == "mentee" for e in enrollments),
        "pairs": len(pairs),
        "sessions_held": sum(m.status == MeetingStatus.HELD for m in meetings),
        "rating": _average([p.rating for p in pulses if p.rating]),
        "progress": _average([p.progress for p in pulses if p.progress]),
        "nps": _nps(recommend),
    }


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if len(values) >= THRESHOLD else None


def _nps(scores: Sequence[int]) -> int | None:
    if len(scores) < THRESHOLD:
        return None
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores))


def _notice(programme: Programme, erase_on: datetime) -> Reply:
    name, months = programme.name, programme.retention_months

    def compose(tr: Tr) -> Message:
        return message(
            Text(
                tr.plural(
                    "The personal data of *{programme}* will be erased on {day}, {n} month after its end, as "
                    "its retention says. Export what you need before then with `export`; its figures stay.",
                    "The personal data of *{programme}* will be erased on {day}, {n} months after its end, as "
                    "its retention says. Export what you need before then with `export`; its figures stay.",
                    months,
                    programme=name,
                    day=tr.day(erase_on),
                )
            )
        )

    return Reply(compose, to=ToCoordinators(), key=f"retention:{programme.id}:notice")


def _done(programme: Programme) -> Reply:
    name = programme.name

    def compose(tr: Tr) -> Message:
        text = tr("The personal data of *{programme}* has been erased; its anonymous figures stay.", programme=name)
        return message(Text(text))

    return Reply(compose, to=ToCoordinators(), key=f"retention:{programme.id}:done")
