"""The tick: the pairs due by now are read with their history, the cadence says what is due, and it is written.

Only pairs whose `next_check_at` has come are read, so a tick's cost follows the work due, not the number of pairs.
Everything it sends goes to the outbox in the same transaction as what it records (a nudge, a status)."""

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.context import known
from bot.lifecycle import booking, cadence, meeting, nudges, pulses, surveys
from bot.lifecycle.cadence import Due, Held, History, Plan
from bot.outbox import queue as outbox
from bot.pairing import pair as pair_status
from bot.pairing.members import pair_language
from bot.people import zone_in
from bot.ui import Reply
from bot.working_hours import WorkingHours, of_programme
from storage import queries
from storage.db import session as open_session
from storage.models import Enrollment, EnrollmentStatus, Meeting, OutboxState, Pair, Person, Programme, Survey

BATCH = 500  # pairs read and written per transaction
MOST_BATCHES = 1000  # a bound, never reached: each pair visited is set a next look after now


@contextmanager
def _uncollected() -> Iterator[None]:
    """Python's cycle collector held off for one batch: what a batch reads lives until its end, so collecting it
    meanwhile frees nothing, and took a quarter of the batch's time; it is collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Counts:
    """What one tick did, by kind of thing due."""

    pairs: int = 0
    written: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: "Counts") -> None:
        self.pairs += other.pairs
        for kind, n in other.written.items():
            self.written[kind] += n


@dataclass
class Scene:
    """One due pair and what the rules need of it, loaded for the whole batch at once."""

    pair: Pair
    programme: Programme
    plan: Plan
    hours: WorkingHours
    mentor: Person
    mentee: Person
    enrollments: tuple[Enrollment, Enrollment]
    meetings: list[Meeting]
    nudged: dict[tuple[int, str], datetime]  # (period, kind) → when written
    pulsed: set[int]
    surveys: list[Survey]
    delivered: dict[str, datetime]  # of its nudges that may make a member's three in a row: those sent, and when
    undelivered: set[str]  # and those still waiting to go out


def run(session: Session, now: datetime, limit: int = BATCH, workspace_id: int | None = None) -> Counts:
    """One batch of due pairs (of one workspace, or all); the caller commits, and calls again while a whole batch
    was due."""
    pairs = queries.due_pairs(session, now, limit, workspace_id)
    counts = Counts(pairs=len(pairs))
    queued: dict[int, tuple[Programme, list[Reply]]] = {}
    nudged: list[dict[str, object]] = []
    looks: list[tuple[Pair, datetime | None]] = []
    for scene in _scenes(session, pairs):
        written, replies, next_look = visit(session, scene, now, nudged)
        for kind, n in written.items():
            counts.written[kind] += n
        queued.setdefault(known(scene.programme.id), (scene.programme, []))[1].extend(replies)
        looks.append((scene.pair, next_look))
    queries.add_nudges(session, nudged)
    queries.set_next_checks(session, looks)
    session.flush()  # the pulses and surveys asked get their ids, which their questions carry
    # One write per programme for the whole batch: its rows are the same, in the same order, in a few statements.
    for programme, replies in queued.values():
        outbox.write(session, programme, now, replies)
    return counts


def visit(
    session: Session, scene: Scene, now: datetime, nudged: list[dict[str, object]]
) -> tuple[dict[str, int], list[Reply], datetime | None]:
    """What is due for one pair, done; what it sends, for the caller to queue with the nudges it adds to `nudged`;
    and when to look at the pair again (None: never), for the caller to set."""
    plan = scene.plan
    history = _history(scene)
    due, upcoming = cadence.agenda(history, plan, now)
    written: dict[str, int] = defaultdict(int)
    replies: list[Reply] = []
    for item in due:
        made = _do(session, scene, item, now, nudged)
        if made:
            written[item.kind] += 1
            replies += made
    asked, waiting = _ghosted(scene, now)
    replies += asked
    if written:
        _, upcoming = cadence.agenda(_history(scene), plan, now)  # what was just done brings its own next step
    upcoming = min((t for t in (upcoming, waiting) if t is not None), default=None)
    return written, replies, upcoming if scene.pair.status in pair_status.LIVE else None


def _do(session: Session, scene: Scene, item: Due, now: datetime, nudged: list[dict[str, object]]) -> list[Reply]:
    pair, programme = scene.pair, scene.programme
    if item.kind in cadence.NUDGES and item.period is not None:
        # Inserted with the batch's other nudges, in one statement.
        nudged.append(
            {
                "workspace_id": pair.workspace_id,
                "pair_id": known(pair.id),
                "period": item.period,
                "kind": item.kind,
                "sent_at": now,
            }
        )
        scene.nudged[(item.period, item.kind)] = now
        tr = pair_language(programme, list(zip((scene.mentor, scene.mentee), scene.enrollments, strict=True)))
        replies = [nudges.nudge(pair, programme, item, tr)]
        if item.kind == "last":
            if pair.status != pair_status.Status.AT_RISK:
                pair_status.flag_at_risk(pair)
            replies.append(nudges.at_risk(pair, scene.mentor, scene.mentee, item.period))
        return replies
    found = next((m for m in scene.meetings if m.id == item.meeting), None)
    members = (scene.mentor, scene.mentee)
    if item.kind == "morning" and found is not None and item.member is not None:
        person, partner = members[item.member], members[1 - item.member]
        return [booking.morning(found, person, partner, zone_in(person, scene.enrollments[item.member]))]
    if item.kind == "talking_points" and found is not None:
        zone = zone_in(scene.mentor, scene.enrollments[0])
        return [booking.talking_points_asked(found, pair, scene.mentor, scene.mentee, zone)]
    if item.kind in ("checkpoint", "survey"):
        sent, made = surveys.ask(session, pair, "end" if item.kind == "survey" else item.kind, members, programme, now)
        scene.surveys += sent
        return made
    if item.kind == "close":
        tr = pair_language(programme, list(zip(members, scene.enrollments, strict=True)))
        held = sum(m.status == meeting.Status.HELD for m in scene.meetings)
        return surveys.close(session, pair, members, scene.enrollments, held, tr, now)
    if item.kind == "pulse" and item.meeting is not None:
        # The session's time has passed: held, unless a pulse says otherwise; each member is asked privately.
        if found is None:
            return []
        if found.status == meeting.Status.BOOKED:
            meeting.held(found, now)
            pair_status.back_on_track(pair)
        scene.pulsed.add(known(found.id))
        return pulses.ask(session, found, pair, members)
    return []  # what the booking, the pulses and the surveys send is not built yet


def _ghosted(scene: Scene, now: datetime) -> tuple[list[Reply], datetime | None]:
    """A member who let three nudges in a row reach them and pass since they last did anything for the pair is
    asked privately, once a working day of theirs has begun since the third reached them; and when to look again
    for one whose third has not reached them yet, or whose day has not begun."""
    asked: list[Reply] = []
    looks: list[datetime] = []
    written = sorted(scene.nudged.items(), key=lambda n: n[1])
    for person, partner, seen, zone in (
        (scene.mentor, scene.mentee, scene.pair.mentor_seen_at, zone_in(scene.mentor, scene.enrollments[0])),
        (scene.mentee, scene.mentor, scene.pair.mentee_seen_at, zone_in(scene.mentee, scene.enrollments[1])),
    ):
        since = [key for key, sent in written if seen is None or sent > seen]
        if len(since) < cadence.GHOSTED_AFTER:
            continue
        # Only what reached them counts: a nudge still waiting for working hours, or dropped, was never read.
        reached = [(key, at) for key in since if (at := scene.delivered.get(nudge_key(scene.pair, key))) is not None]
        if len(reached) >= cadence.GHOSTED_AFTER:
            (period, kind), at = reached[cadence.GHOSTED_AFTER - 1]
            due = scene.hours.next_day(at, zone)
            if due <= now:
                asked.append(nudges.still_there(scene.pair, person, partner, f"{period}:{kind}"))
            else:
                looks.append(due)
        elif any(nudge_key(scene.pair, key) in scene.undelivered or scene.nudged[key] == now for key in since):
            # Some still wait to go out, or were written just now: by then they have likely gone.
            looks.append(scene.hours.next_day(now, zone))
    return asked, min(looks, default=None)


def nudge_key(pair: Pair, nudged: tuple[int, str]) -> str:
    """The outbox key of a pair's nudge of (period, kind), as `nudges.nudge` writes it."""
    return f"nudge:{pair.id}:{nudged[0]}:{nudged[1]}"


def _plan(programme: Programme, hours: WorkingHours) -> Plan:
    return Plan(
        monthly=programme.monthly_sessions,
        months=programme.length_months,
        working_days=hours.days,
        day_starts=hours.start,
    )


def _history(scene: Scene) -> History:
    pair, programme = scene.pair, scene.programme
    announced = pair.confirmed_at or pair.created_at
    opens, ends = cadence.window(announced, programme.start_date, programme.end_date, programme.length_months)
    held = [Held.of(m, pulsed=m.id in scene.pulsed) for m in scene.meetings]
    nudged = dict(scene.nudged)
    if opens == announced:
        nudged.setdefault((0, "book"), opens)  # the introduction asks to book the first hour
    return History(
        opens=opens,
        ends=ends,
        zones=(zone_in(scene.mentor, scene.enrollments[0]), zone_in(scene.mentee, scene.enrollments[1])),
        meetings=held,
        nudged=nudged,
        paused_until=_paused_until(pair, scene.enrollments),
        snoozed_until=pair.snoozed_until,
        checkpoint_sent=any(s.kind == "checkpoint" for s in scene.surveys),
        survey_sent=min((s.sent_at for s in scene.surveys if s.kind == "end"), default=None),
        surveys_answered=sum(s.kind == "end" and s.answered_at is not None for s in scene.surveys),
    )


def _paused_until(pair: Pair, enrollments: Sequence[Enrollment]) -> date | None:
    """The pair's own pause, or a member's: nothing is asked of a pair while either member is away."""
    days = [pair.paused_until] if pair.paused_until else []
    for e in enrollments:
        if e.status == EnrollmentStatus.PAUSED:
            days.append(e.paused_until or date.max)
    return max(days, default=None)


def _scenes(session: Session, pairs: Sequence[Pair]) -> list[Scene]:
    """The batch's pairs with their programmes, members, sessions and nudges, in a few queries."""
    ids = [known(p.id) for p in pairs]
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for m in queries.meetings_of_pairs(session, ids):
        meetings[m.pair_id].append(m)
    nudged: dict[int, dict[tuple[int, str], datetime]] = defaultdict(dict)
    for pair_id, period, kind, sent_at in queries.nudge_times_of_pairs(session, ids):
        nudged[pair_id][(period, kind)] = sent_at
    pulsed = queries.pulsed_meetings(session, [known(m.id) for ms in meetings.values() for m in ms])
    asked: dict[int, list[Survey]] = defaultdict(list)
    for survey in queries.surveys_of_pairs(session, ids):
        asked[survey.pair_id].append(survey)
    programmes = {i: session.get(Programme, i) for i in {p.programme_id for p in pairs}}
    hours = {i: of_programme(p) for i, p in programmes.items() if p is not None}
    plans = {i: _plan(p, hours[i]) for i, p in programmes.items() if p is not None}
    delivered, undelivered = _reached(session, pairs, nudged)
    people, enrolled = _members(session, pairs)
    scenes = []
    for pair in pairs:
        programme = programmes[pair.programme_id]
        if programme is None:
            pair.next_check_at = None
            continue
        members = [people.get(i) for i in (pair.mentor_id, pair.mentee_id)]
        here = [m for m in members if m is not None and m.workspace_id == pair.workspace_id]
        if len(here) < 2 or not {pair.mentor_id, pair.mentee_id} <= enrolled[pair.programme_id].keys():
            pair.next_check_at = None  # a member erased: nothing more is due for this pair
            continue
        scenes.append(
            Scene(
                pair,
                programme,
                plans[pair.programme_id],
                hours[pair.programme_id],
                people[pair.mentor_id],
                people[pair.mentee_id],
                (enrolled[pair.programme_id][pair.mentor_id], enrolled[pair.programme_id][pair.mentee_id]),
                meetings[known(pair.id)],
                nudged[known(pair.id)],
                pulsed,
                asked[known(pair.id)],
                delivered,
                undelivered,
            )
        )
    return scenes


def _reached(
    session: Session, pairs: Sequence[Pair], nudged: dict[int, dict[tuple[int, str], datetime]]
) -> tuple[dict[str, datetime], set[str]]:
    """Of the nudges that may make three in a row for a member (written since one of them last acted), when each
    was sent, and which still wait to go out: one query per workspace, for the few pairs that have that many."""
    keys: dict[int, list[str]] = defaultdict(list)
    for pair in pairs:
        seen = [pair.mentor_seen_at, pair.mentee_seen_at]
        since = None if None in seen else min(t for t in seen if t is not None)
        streak = [key for key, sent in nudged[known(pair.id)].items() if since is None or sent > since]
        if len(streak) >= cadence.GHOSTED_AFTER:
            keys[pair.workspace_id] += [nudge_key(pair, key) for key in streak]
    delivered: dict[str, datetime] = {}
    undelivered: set[str] = set()
    for workspace_id, wanted in keys.items():
        for key, state, sent_at in queries.outbox_states(session, workspace_id, wanted):
            if state == OutboxState.SENT and sent_at is not None:
                delivered[key] = sent_at
            elif state in (OutboxState.PENDING, OutboxState.SENDING):
                undelivered.add(key)
    return delivered, undelivered


def _members(session: Session, pairs: Sequence[Pair]) -> tuple[dict[int, Person], dict[int, dict[int, Enrollment]]]:
    """The members of the batch's pairs, and their enrollments by programme: one query per workspace and programme,
    never one per pair."""
    by_workspace: dict[int, set[int]] = defaultdict(set)
    by_programme: dict[int, set[int]] = defaultdict(set)
    for pair in pairs:
        by_workspace[pair.workspace_id] |= {pair.mentor_id, pair.mentee_id}
        by_programme[pair.programme_id] |= {pair.mentor_id, pair.mentee_id}
    people: dict[int, Person] = {}
    for workspace_id, ids in by_workspace.items():
        people |= queries.people_by_id(session, workspace_id, sorted(ids))
    enrolled = {i: queries.enrollments_of(session, i, sorted(ids)) for i, ids in by_programme.items()}
    return people, enrolled


def everything_due(engine: Engine, now: datetime, workspace_id: int | None = None) -> Counts:
    """Batch after batch until no pair is due; each batch its own transaction, so a crash loses none of the others."""
    total = Counts()
    for _ in range(MOST_BATCHES):
        with open_session(engine) as session, _uncollected():
            counts = run(session, now, BATCH, workspace_id)
            session.commit()
        total.add(counts)
        if counts.pairs < BATCH:
            break
    return total
