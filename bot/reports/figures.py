"""The programme's figures for coordinators, from a handful of queries: feedback only in aggregates of 3 people or
more."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.context import known
from bot.lifecycle import cadence
from bot.lifecycle.health import Health, standings
from bot.pairing.pair import EndReason
from bot.reports.enrolment import Enrolment, count
from bot.volunteers.enrollment import PAIRABLE
from storage import queries
from storage.models import EnrollmentStatus, Meeting, MeetingStatus, Pair, PairStatus, Programme, Pulse, Survey

# Answers from fewer people than this and a figure could tell who answered what: it is not shown, nor are the
# comments. People, not answers: one member's three pulses are one person's answers.
ENOUGH_ANSWERS = 3
REPORTED = (PairStatus.ACTIVE, PairStatus.AT_RISK, PairStatus.ENDED)  # pairs that were announced
Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True)
class Measure:
    """An average (a share when the answers are 0 and 1) and how many answers it is made of; None when fewer
    people than the threshold gave them."""

    value: float | None
    answers: int


@dataclass(frozen=True)
class MonthCount:
    month: Month
    planned: int
    held: int


@dataclass(frozen=True)
class Feedback:
    rating: Measure  # pulses: how was it, 1–5
    progress: Measure  # pulses: progress on the objectives, 1–5
    checkpoint: Measure  # the mid-programme checkpoint: progress so far, 1–5
    good_fit: Measure  # share of "a good fit" after the first session
    recommend: Measure  # end survey, 0–10
    nps: Measure  # % promoters (9–10) − % detractors (0–6)
    useful: Measure  # mentors: share who found their contribution useful
    adoption: Measure  # mentees: share who use new tools or practices
    comments: tuple[str, ...]  # sorted, so that their order tells nothing; empty below the threshold


@dataclass(frozen=True)
class Figures:
    enrolment: Enrolment
    matched_share: float | None  # of the volunteers taking part; None when nobody does
    planned: int  # sessions the pairs' periods opened so far ask for
    held: int
    months: tuple[MonthCount, ...]
    health: Counter[Health]
    feedback: Feedback


Answer = tuple[int, float]  # who gave it (a person id), and its value


def enough_people(answers: Sequence[tuple[int, object]]) -> bool:
    return len({person for person, _ in answers}) >= ENOUGH_ANSWERS


def measure(answers: Sequence[Answer]) -> Measure:
    values = [value for _, value in answers]
    return Measure(sum(values) / len(values) if enough_people(answers) else None, len(values))


def net_promoter(scores: Sequence[tuple[int, int]]) -> Measure:
    """Net Promoter Score: −100 to 100."""
    return measure([(p, 100.0 if s >= 9 else -100.0 if s <= 6 else 0.0) for p, s in scores])


def figures(session: Session, programme: Programme, now: datetime) -> Figures:
    if programme.erased_at is not None and "report" in (programme.figures or {}):
        return unkept(programme.figures["report"])  # its people are gone: the figures kept when they went
    workspace_id, programme_id = programme.workspace_id, known(programme.id)
    enrollments = queries.enrollments_of_programme(session, workspace_id, programme_id)
    enrolment = count(enrollments, *PAIRABLE)
    taking_part = sum(enrolment.by_status[s] for s in PAIRABLE)
    pairs = queries.pairs_of_programme(session, workspace_id, programme_id, *REPORTED)
    # Matched: in a pair that goes on, or that went to the programme's end (its members are ready again then).
    paired = {
        i
        for p in pairs
        if p.status != PairStatus.ENDED or p.ended_reason == EndReason.COMPLETED
        for i in (p.mentor_id, p.mentee_id)
    }
    matched = sum(e.status in PAIRABLE and e.person_id in paired for e in enrollments)
    ids = [known(p.id) for p in pairs]
    meetings = queries.meetings_of_pairs(session, ids)
    months = _months(programme, pairs, meetings, now)
    pulses = queries.answered_pulses_of_pairs(session, ids)
    surveys = [s for s in queries.surveys_of_pairs(session, ids) if s.answered_at is not None]
    return Figures(
        enrolment=enrolment,
        matched_share=matched / taking_part if taking_part else None,
        planned=sum(m.planned for m in months),
        held=sum(m.held for m in months),
        months=months,
        health=Counter(s.health for s in standings(session, programme, pairs, now).values()),
        feedback=_feedback(pulses, surveys),
    )


def _months(
    programme: Programme, pairs: Sequence[Pair], meetings: Sequence[Meeting], now: datetime
) -> tuple[MonthCount, ...]:
    """Sessions planned (each period opened so far asks for one) and held, by the month they fall in."""
    planned, held = Counter[Month](), Counter[Month]()
    for pair in pairs:
        announced = pair.confirmed_at or pair.created_at
        opens, ends = cadence.window(announced, programme.start_date, programme.end_date, programme.length_months)
        until = min(now, pair.ended_at) if pair.ended_at else now
        for period in cadence.periods(opens, ends, programme.monthly_sessions):
            if period.start <= until:
                planned[_month(period.start)] += 1
    for m in meetings:
        if m.status == MeetingStatus.HELD:
            held[_month(m.starts_at)] += 1
    found = sorted(planned.keys() | held.keys())
    if not found:
        return ()
    return tuple(MonthCount(month, planned[month], held[month]) for month in _every_month(found[0], found[-1]))


def _month(moment: datetime) -> Month:
    return moment.year, moment.month


def _every_month(first: Month, last: Month) -> list[Month]:
    """Months from the first to the last, none skipped, so that a chart shows the quiet ones too."""
    (year, month), found = first, []
    while (year, month) <= last:
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _feedback(pulses: Sequence[Pulse], surveys: Sequence[Survey]) -> Feedback:
    ends = [(s.person_id, s.answers) for s in surveys if s.kind == "end"]
    checkpoints = [(s.person_id, s.answers) for s in surveys if s.kind == "checkpoint"]
    comments = [(p.person_id, p.comment) for p in pulses if p.comment]
    comments += [(p, str(a["comment"])) for p, a in ends + checkpoints if a.get("comment")]
    recommend = [(p, int(a["recommend"])) for p, a in ends if str(a.get("recommend", "")).isdigit()]
    return Feedback(
        rating=measure([(p.person_id, float(p.rating)) for p in pulses if p.rating is not None]),
        progress=measure([(p.person_id, float(p.progress)) for p in pulses if p.progress is not None]),
        checkpoint=measure([(p, float(a["progress"])) for p, a in checkpoints if str(a.get("progress", "")).isdigit()]),
        good_fit=measure(
            [(p.person_id, 1.0 if p.fit == "good" else 0.0) for p in pulses if p.fit in ("good", "not_good")]
        ),
        recommend=measure([(p, float(r)) for p, r in recommend]),
        nps=net_promoter(recommend),
        useful=_share([(p, a.get("useful")) for p, a in ends if "useful" in a]),
        adoption=_share([(p, a.get("adoption")) for p, a in ends if "adoption" in a]),
        comments=tuple(sorted(c for _, c in comments)) if enough_people(comments) else (),
    )


def _share(answers: Sequence[tuple[int, object]]) -> Measure:
    return measure([(p, 1.0 if a == "yes" else 0.0) for p, a in answers if a in ("yes", "no")])


def kept(found: Figures) -> dict[str, Any]:
    """The figures as they are kept once a programme's personal data is erased: counts and averages only, without
    the comments, which are people's own words."""
    e, f = found.enrolment, found.feedback
    return {
        "enrolment": {"by_role": e.by_role, "by_status": e.by_status, "offered": e.offered, "wanted": e.wanted},
        "matched_share": found.matched_share,
        "planned": found.planned,
        "held": found.held,
        "months": [[m.month[0], m.month[1], m.planned, m.held] for m in found.months],
        "health": found.health,
        "feedback": {name: [getattr(f, name).value, getattr(f, name).answers] for name in _MEASURES},
    }


def unkept(data: dict[str, Any]) -> Figures:
    e, f = data["enrolment"], data["feedback"]
    return Figures(
        enrolment=Enrolment(
            Counter(e["by_role"]),
            Counter({EnrollmentStatus(k): v for k, v in e["by_status"].items()}),
            Counter(e["offered"]),
            Counter(e["wanted"]),
        ),
        matched_share=data["matched_share"],
        planned=data["planned"],
        held=data["held"],
        months=tuple(MonthCount((y, m), planned, held) for y, m, planned, held in data["months"]),
        health=Counter({Health(k): v for k, v in data["health"].items()}),
        feedback=Feedback(**{name: Measure(*f[name]) for name in _MEASURES}, comments=()),
    )


_MEASURES = ("rating", "progress", "checkpoint", "good_fit", "recommend", "nps", "useful", "adoption")
