"""A pair's health as coordinators read it: on track, late, at risk or ended; its next session and sessions held."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.context import known
from bot.i18n import Tr
from bot.lifecycle import cadence
from bot.lifecycle.cadence import Held, History, Plan
from bot.working_hours import of_programme
from storage import queries
from storage.models import Meeting, MeetingStatus, Pair, PairStatus, Programme


class Health(StrEnum):
    ON_TRACK = "on_track"
    LATE = "late"  # nothing booked this period, and its first reminder has gone
    AT_RISK = "at_risk"
    ENDED = "ended"


@dataclass(frozen=True)
class Standing:
    health: Health
    next_session: Meeting | None
    held: int


def standings(session: Session, programme: Programme, pairs: Sequence[Pair], now: datetime) -> dict[int, Standing]:
    """Each pair's standing, in three queries whatever the number of pairs."""
    ids = [known(p.id) for p in pairs]
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for m in queries.meetings_of_pairs(session, ids):
        meetings[m.pair_id].append(m)
    reminded = {(n.pair_id, n.period) for n in queries.nudges_of_pairs(session, ids) if n.kind != "book"}
    hours = of_programme(programme)
    plan = Plan(monthly=programme.monthly_sessions, months=programme.length_months, working_days=hours.days)
    found = {}
    for pair in pairs:
        own = meetings[known(pair.id)]
        upcoming = [m for m in own if m.status == MeetingStatus.BOOKED and m.starts_at > now]
        held = sum(m.status == MeetingStatus.HELD for m in own)
        found[known(pair.id)] = Standing(
            _health(programme, plan, pair, own, reminded, now), min(upcoming, key=_start, default=None), held
        )
    return found


def _health(
    programme: Programme, plan: Plan, pair: Pair, own: list[Meeting], reminded: set[tuple[int, int]], now: datetime
) -> Health:
    if pair.status == PairStatus.ENDED:
        return Health.ENDED
    if pair.status == PairStatus.AT_RISK:
        return Health.AT_RISK
    announced = pair.confirmed_at or pair.created_at
    opens, ends = cadence.window(announced, programme.start_date, programme.end_date, programme.length_months)
    history = History(opens=opens, ends=ends, meetings=[Held.of(m) for m in own])
    period = cadence.period_at(history, plan, now)
    if period is None or cadence.covered(period, history.meetings):
        return Health.ON_TRACK
    return Health.LATE if (known(pair.id), period.index) in reminded else Health.ON_TRACK


def _start(m: Meeting) -> datetime:
    return m.starts_at


def health_name(tr: Tr, health: Health) -> str:
    names = {
        Health.ON_TRACK: tr("on track"),
        Health.LATE: tr("late"),
        Health.AT_RISK: tr("at risk"),
        Health.ENDED: tr("ended"),
    }
    return names[health]
