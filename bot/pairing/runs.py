"""`match` and Run again: a matching is asked for in the request and made out of it, one at a time per programme.

Asking writes a queued run (under the programme's lock, so two coordinators asking at once get one run) and
answers at once with how long it should take. A worker claims the run in one short transaction; then, in a process
of its own (bot/pairing/worker.py), the pool is read in a transaction that locks nothing, matched, and the
proposal, then the run's end and its preview to the outbox, are written in short transactions (`finish`). The
claim lasts `lease` and is renewed while the matching runs: a worker that dies leaves it to expire, and another
takes the run over. A run that lost its claim (taken over, or superseded by a forbid) writes nothing: a newer
run's proposal is never overwritten by an older one's.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.context import Ctx, known
from bot.i18n import Tr
from bot.matching.match import match
from bot.matching.model import Proposal
from bot.outbox import queue as outbox
from bot.pairing import pair as pair_status
from bot.pairing import preview
from bot.pairing.pool import gather, rules_of
from bot.pairing.reasons import reason_code
from bot.people import named, tr_for, zone_of
from bot.programme.lock import hold
from bot.recipients import ToPerson
from bot.transitions import check
from bot.ui import Message, Outcome, Reply, Text, message
from bot.volunteers.enrollment import PAIRABLE
from bot.working_hours import zone_info
from storage import queries
from storage.db import reading
from storage.db import session as open_session
from storage.models import MatchRun, MatchRunState, Person, Programme, Workspace

State = MatchRunState
TRANSITIONS: dict[State | None, frozenset[State]] = {
    None: frozenset({State.QUEUED}),
    State.QUEUED: frozenset({State.RUNNING, State.SUPERSEDED}),
    # RUNNING → RUNNING: a worker takes over the run of one that died; → QUEUED: a worker stopping hands it back.
    State.RUNNING: frozenset({State.RUNNING, State.QUEUED, State.DONE, State.FAILED, State.SUPERSEDED}),
    State.DONE: frozenset(),
    State.FAILED: frozenset(),
    State.SUPERSEDED: frozenset(),
}
LEASE = timedelta(seconds=30)  # how long a worker's claim lasts without renewal: a dead worker's run waits that long
ATTEMPTS = 3  # workers that died on the same run: it is then given up, and those who asked are told
# Until a run has been measured: starting the process and reading, then the matching itself, per volunteer.
START_SECONDS = 2.0
SECONDS_PER_VOLUNTEER = 0.0015


@dataclass(frozen=True)
class Claim:
    """A run a worker holds, until `claimed_until` unless renewed: attempt n of it."""

    run_id: int
    attempt: int


@dataclass(frozen=True)
class Job:
    """A claimed run's pool: what the pure matching is given, and how its answer is written back."""

    claim: Claim
    arguments: tuple[Any, ...]  # match()'s: volunteers, rules, now, excluded, forbids (all picklable)
    person_ids: dict[str, int]  # the pool's user ids → person ids, for the proposal's pairs


@dataclass(frozen=True)
class Made:
    """What making a run came to: whether its proposal was written (not when its claim was lost), and the seconds
    of each step."""

    written: bool
    volunteers: int
    read: float
    matched: float
    wrote: float


def start(ctx: Ctx) -> Outcome:
    """`match`: a new proposal is made; pinned pairs stay, the other proposed pairs are replaced."""
    return Outcome([Reply(ask(ctx))])


def start_again(ctx: Ctx) -> Outcome:
    """The Run again button: the page it was pressed on says the new proposal is on its way."""
    return Outcome(replace=ask(ctx))


def ask(ctx: Ctx, fresh: bool = False) -> Message:
    """Ask for a matching, or join the one running. `fresh`: the rules changed since it started (a forbid), so
    it is superseded by a new one."""
    hold(ctx)
    running = queries.open_run(ctx.session, ctx.workspace_id, ctx.programme_id)
    if running is not None and fresh:
        _move(running, State.SUPERSEDED)
        watchers = running.watchers
    elif running is not None:
        if ctx.person_id not in running.watchers:
            running.watchers = [*running.watchers, ctx.person_id]
        ctx.match_requested = True  # a run whose worker died is taken over the sooner
        return message(Text(_already(ctx, running)))
    else:
        watchers = []
    size = _pool_size(ctx)
    run = MatchRun(
        workspace_id=ctx.workspace_id,
        programme_id=ctx.programme_id,
        watchers=[ctx.person_id, *(w for w in watchers if w != ctx.person_id)],
        command_prefix=ctx.command_prefix,
        pool_size=size,
        expected_seconds=_expected(ctx.session, ctx.programme, size),
        created_at=ctx.now,
    )
    check("match run", None, TRANSITIONS, None, State.QUEUED)
    run.state = State.QUEUED
    ctx.session.add(run)
    ctx.session.flush()
    ctx.match_requested = True
    return message(Text(_started(ctx.tr, run)))


def claim(engine: Engine, now: datetime, lease: timedelta = LEASE) -> Claim | None:
    """The oldest run waiting (or left by a dead worker), claimed in one short transaction."""
    while True:
        with open_session(engine) as session:
            found = queries.claimable_run(session, now)
            if found is None:
                return None
            # Under the programme's lock, as every change of its pairs: the run is read again after it.
            queries.lock_programme(session, found.programme_id)
            run = queries.get_run(session, known(found.id))
            assert run is not None
            if not _claimable(run, now):
                session.commit()
                continue  # another worker claimed it first
            if run.attempts >= ATTEMPTS:
                _give_up(session, run, now)
                session.commit()
                continue
            _move(run, State.RUNNING)
            run.attempts += 1
            run.claimed_until, run.started_at = now + lease, now
            session.commit()
            return Claim(known(run.id), run.attempts)


def read(engine: Engine, claim: Claim, now: datetime) -> Job:
    """The claimed run's pool, read in a transaction that holds no lock (a snapshot: writers go on meanwhile)."""
    with reading(engine) as session:
        run = queries.get_run(session, claim.run_id)
        assert run is not None
        ctx = _ctx(session, run, now)
        pool = gather(ctx)
        return Job(
            claim,
            (pool.volunteers, rules_of(ctx), now, pool.excluded, pool.forbids),
            {user: known(person.id) for user, person in pool.people.items()},
        )


def make(engine: Engine, claim: Claim, now: datetime, clock: Callable[[], datetime] | None = None) -> Made:
    """A claimed run from start to end: its pool read as of `now` (when it was claimed), matched, and its proposal
    written as of `clock()` (by default `now` still: a run made at once, in tests and the console)."""
    began = time.monotonic()
    job = read(engine, claim, now)
    was_read = time.monotonic()
    proposal = matched(job)
    was_matched = time.monotonic()
    written = finish(engine, job, proposal, clock() if clock else now, was_matched - began)
    return Made(written, len(job.person_ids), was_read - began, was_matched - was_read, time.monotonic() - was_matched)


def renew(engine: Engine, claim: Claim, now: datetime, lease: timedelta = LEASE) -> bool:
    """The claim pushed on; False when the run is no longer its own (taken over or superseded)."""
    with open_session(engine) as session:
        renewed = queries.renew_run(session, claim.run_id, claim.attempt, now + lease)
        session.commit()
        return renewed


def finish(engine: Engine, job: Job, proposal: Proposal, now: datetime, seconds: float) -> bool:
    """The proposal written, then the run and its preview to those who asked; nothing when the job lost its claim
    meanwhile (a newer run is the one that counts). Pairs that people paired, pinned or left since the pool was
    read are left out here, and `match confirm` checks again.

    Three steps, so that the write lock is held only to write: the pairs, in one short transaction; the preview
    composed from a snapshot, holding no lock; the run done and its preview in the outbox, in one more. A worker
    that dies between them leaves the run to be made again, its preview sent once: with the run's end."""
    with reading(engine) as session:
        # Read without a lock: tens of thousands of answers, for the check below and the preview.
        run = queries.get_run(session, job.claim.run_id)
        if run is None:
            return False
        enrolled = queries.answers_of_programme(session, run.workspace_id, run.programme_id)
    if not write_proposal(engine, job, proposal, now, enrolled):
        return False
    pages = _compose(engine, job.claim, now, enrolled)
    with open_session(engine) as session:
        run = _still_ours(session, job.claim)
        if run is None:
            session.commit()
            return False
        ctx = _ctx(session, run, now)
        run.seconds, run.claimed_until = seconds, None
        _move(run, State.DONE)

        def show(at: Ctx) -> Message:  # composed above, unless someone chose another language since
            return pages.get(at.tr.locale) or preview.show(at, 1, enrolled)

        outbox.write(session, ctx.programme, now, _to_watchers(ctx, run, show))
        session.commit()
        return True


def write_proposal(engine: Engine, job: Job, proposal: Proposal, now: datetime, enrolled: preview.Enrolled) -> bool:
    """The first step of `finish`: the proposal in place of the last (pinned pairs kept), in one transaction."""
    with open_session(engine) as session:
        run = _still_ours(session, job.claim)
        if run is None:
            session.commit()
            return False
        ctx = _ctx(session, run, now)
        pair_status.drop_proposals(session, ctx.programme)
        kept, lost = _still_possible(ctx, job, proposal, enrolled)
        pair_status.propose_many(session, ctx.programme, kept, now)
        unmatched = [[u.volunteer_id, reason_code(u)] for u in proposal.unmatched]
        run.unmatched = unmatched + [[user, "partner_taken"] for user in lost]
        session.commit()
        return True


def _compose(engine: Engine, claim: Claim, now: datetime, enrolled: preview.Enrolled) -> dict[str, Message]:
    """The preview's first page in each language its watchers read, from a snapshot."""
    with reading(engine) as session:
        run = queries.get_run(session, claim.run_id)
        if run is None:
            return {}
        ctx = _ctx(session, run, now)
        watchers = queries.people_by_id(session, run.workspace_id, run.watchers).values()
        readings = {tr.locale: tr for tr in (tr_for(person, ctx.programme) for person in watchers)}
        return {locale: preview.show(replace(ctx, tr=tr), 1, enrolled, run) for locale, tr in readings.items()}


def fail(engine: Engine, claim: Claim, now: datetime) -> None:
    """The matching raised: those who asked are told, and may ask again."""
    with open_session(engine) as session:
        run = _still_ours(session, claim)
        if run is not None:
            _give_up(session, run, now)
        session.commit()


def release(engine: Engine, claim: Claim) -> None:
    """A worker stopping mid-run hands it back at once, rather than leaving it to its claim's end."""
    with open_session(engine) as session:
        run = _still_ours(session, claim)
        if run is not None:
            _move(run, State.QUEUED)
            run.attempts, run.claimed_until = run.attempts - 1, None
        session.commit()


def run_here(engine: Engine, now: datetime) -> None:
    """Every run waiting, made in this thread (a bot without a worker: tests, the console's one process)."""
    while (claimed := claim(engine, now)) is not None:
        try:
            make(engine, claimed, now)
        except Exception:
            fail(engine, claimed, now)
            raise


def matched(job: Job) -> Proposal:
    return match(*job.arguments)


def _still_ours(session: Session, claim: Claim) -> MatchRun | None:
    found = queries.get_run(session, claim.run_id)
    if found is None:
        return None
    queries.lock_programme(session, found.programme_id)
    run = queries.get_run(session, claim.run_id)
    ours = run is not None and run.state == State.RUNNING and run.attempts == claim.attempt
    return run if ours else None


def _still_possible(
    ctx: Ctx, job: Job, proposal: Proposal, enrollments: preview.Enrolled
) -> tuple[list[tuple[int, int, int, dict[str, int]]], list[str]]:
    """The proposal's pairs whose members are still free now, and the members of those that are not: the pairs
    and pins made since the pool was read keep their places."""
    held = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *pair_status.HELD)
    places: dict[int, int] = {}
    taken = {p.mentee_id for p in held}
    for pair in held:
        places[pair.mentor_id] = places.get(pair.mentor_id, 0) + 1
    kept, lost = [], []
    for found in proposal.pairs:
        mentor, mentee = job.person_ids[found.mentor_id], job.person_ids[found.mentee_id]
        room = int(enrollments[mentor][1].get("capacity", 1)) if mentor in enrollments else 0
        ready = all(i in enrollments and enrollments[i][0] in PAIRABLE for i in (mentor, mentee))
        if ready and mentee not in taken and places.get(mentor, 0) < room:
            kept.append((mentor, mentee, found.score, dict(found.components)))
            taken.add(mentee)
            places[mentor] = places.get(mentor, 0) + 1
        else:
            lost += [found.mentor_id, found.mentee_id]
    return kept, lost


def _give_up(session: Session, run: MatchRun, now: datetime) -> None:
    _move(run, State.FAILED)
    run.claimed_until = None
    ctx = _ctx(session, run, now)

    def failed(shown: Ctx) -> Message:
        return message(
            Text(
                shown.tr(
                    "The matching of *{programme}* could not finish, because of a problem on our side. Type "
                    "`{command}` to try again.",
                    programme=shown.programme.name,
                    command=shown.command("match"),
                )
            )
        )

    outbox.write(session, ctx.programme, now, _to_watchers(ctx, run, failed))


def _to_watchers(ctx: Ctx, run: MatchRun, show: Callable[[Ctx], Message]) -> list[Reply]:
    """One message to each coordinator who asked, composed in their language; they wait for it, at any hour."""

    def compose(tr: Tr) -> Message:
        return show(replace(ctx, tr=tr))

    people = queries.people_by_id(ctx.session, ctx.workspace_id, run.watchers)
    return [
        Reply(compose, to=ToPerson(i), key=f"match:run:{run.id}:person:{i}", awaited=True)
        for i in run.watchers
        if i in people
    ]


def _ctx(session: Session, run: MatchRun, now: datetime) -> Ctx:
    """The run as the coordinator who asked for it would have made it: their language, their channel's commands."""
    programme = session.get(Programme, run.programme_id)
    workspace = session.get(Workspace, run.workspace_id)
    assert programme is not None and workspace is not None
    people = queries.people_by_id(session, run.workspace_id, run.watchers)
    first = next((people[i] for i in run.watchers if i in people), None)
    person = first or Person(workspace_id=run.workspace_id, user_id="", created_at=now)  # all of them erased
    return Ctx(
        session=session,
        workspace=workspace,
        person=person,
        programme=programme,
        tr=tr_for(person, programme),
        now=now,
        is_coordinator=True,
        command_prefix=run.command_prefix,
    )


def _claimable(run: MatchRun, now: datetime) -> bool:
    expired = run.claimed_until is not None and _aware(run.claimed_until) < now
    return run.state == State.QUEUED or (run.state == State.RUNNING and expired)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every one stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pool_size(ctx: Ctx) -> int:
    counts = queries.count_enrollments(ctx.session, ctx.workspace_id, ctx.programme_id)
    return sum(n for (_, status), n in counts.items() if status in PAIRABLE)


def _expected(session: Session, programme: Programme, size: int) -> float:
    """Seconds the matching of `size` volunteers should take: scaled from the last run's measured time when there
    is one, else from a rule of thumb."""
    last = queries.latest_run(session, programme.workspace_id, known(programme.id))
    if last is not None and last.seconds is not None and last.pool_size > 0:
        per_volunteer = max(last.seconds - START_SECONDS, 0.0) / last.pool_size
        return START_SECONDS + per_volunteer * size
    return START_SECONDS + SECONDS_PER_VOLUNTEER * size


def _started(tr: Tr, run: MatchRun) -> str:
    return tr.plural(
        "⏳ The matching of {n} volunteer is running; it should take {time}. The preview will come to your direct "
        "messages with me as soon as it is ready.",
        "⏳ The matching of {n} volunteers is running; it should take {time}. The preview will come to your "
        "direct messages with me as soon as it is ready.",
        run.pool_size,
        time=_duration(tr, run.expected_seconds),
    )


def _already(ctx: Ctx, run: MatchRun) -> str:
    """Another `match` while one runs joins it: one run, and its preview comes to this coordinator too."""
    began = _aware(run.started_at or run.created_at)
    left = (began + timedelta(seconds=run.expected_seconds) - ctx.now).total_seconds()
    local = began.astimezone(zone_info(zone_of(ctx.session, ctx.person, ctx.programme)))
    people = queries.people_by_id(ctx.session, ctx.workspace_id, run.watchers[:1])
    values = {"time": f"{local:%H:%M}", "left": _duration(ctx.tr, left)}
    if people:
        return ctx.tr(
            "⏳ A matching is already running: {name} started it at {time}; it should be ready in {left}. Its "
            "preview will come to you too.",
            name=named(next(iter(people.values()))),
            **values,
        )
    return ctx.tr(
        "⏳ A matching is already running since {time}; it should be ready in {left}. Its preview will come to "
        "you too.",
        **values,
    )


def _duration(tr: Tr, seconds: float) -> str:
    """How long, as said to a person: "about 10 seconds", "about 2 minutes", "a moment"."""
    if seconds < 5:
        return tr("a moment")
    if seconds < 90:
        n = 5 * -(-int(seconds) // 5)
        return tr.plural("about {n} second", "about {n} seconds", n)
    return tr.plural("about {n} minute", "about {n} minutes", round(seconds / 60))


def _move(run: MatchRun, wanted: State) -> None:
    check("match run", run.id, TRANSITIONS, run.state, wanted)
    run.state = wanted
