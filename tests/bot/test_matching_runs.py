"""A matching's run, step by step as a worker makes it: asked once however many ask, claimed, taken over when its
worker's claim ran out, and written only by the run that still holds it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.pairing import runs
from bot.service import Passerelle
from storage import queries
from storage.models import MatchRun, MatchRunState, Outbox, Pair, PairStatus
from tests.bot.dialog import Dialog, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD, OTHER = "UCOORD01", "UCOORD02"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    found = Passerelle(engine, coordinators=frozenset({COORD, OTHER}))
    found.matcher = lambda now: None  # no worker: the test makes each step itself
    return found


def the_runs(bot: Passerelle) -> list[MatchRun]:
    with Session(bot.engine) as session:
        return list(session.exec(select(MatchRun).order_by(MatchRun.id)).all())  # type: ignore[arg-type]


def proposed(bot: Passerelle) -> int:
    with Session(bot.engine) as session:
        return len(session.exec(select(Pair).where(Pair.status == PairStatus.PROPOSED)).all())


def claimed(bot: Passerelle, clock: Clock) -> runs.Claim:
    """A mentor and a mentee, a coordinator's `match`, and its run claimed by a worker."""
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    Dialog(bot, clock.now, user=COORD).command("match")
    found = runs.claim(bot.engine, clock.now)
    assert found is not None
    return found


def proposal_written(bot: Passerelle, claim: runs.Claim, clock: Clock) -> None:
    """The first step of the run's end only: its proposal written, the run not done, its preview not sent."""
    job = runs.read(bot.engine, claim, clock.now)
    with Session(bot.engine) as session:
        [run] = session.exec(select(MatchRun)).all()
        enrolled = dict(queries.answers_of_programme(session, run.workspace_id, run.programme_id))
    assert runs.write_proposal(bot.engine, job, runs.matched(job), clock.now, enrolled)


def test_a_second_match_joins_the_run_and_its_preview_goes_to_both(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    assert "The matching of 2 volunteers is running" in Dialog(bot, clock.now, user=COORD).command("match")
    clock.travel(seconds=1)
    joined = Dialog(bot, clock.now, user=OTHER).command("match")
    assert "A matching is already running" in joined and "Its preview will come to you too" in joined
    claim = runs.claim(bot.engine, clock.now)
    assert claim is not None and runs.claim(bot.engine, clock.now) is None  # one run, claimed once
    made = runs.make(bot.engine, claim, clock.now)
    assert made.written and made.volunteers == 2
    assert sorted(q.to for q in queued(bot) if q.key.startswith("match:run:")) == [(COORD,), (OTHER,)]
    [run] = the_runs(bot)
    assert run.state == MatchRunState.DONE and proposed(bot) == 1
    # The next estimate starts from this run's measured time.
    assert "should take a moment" in Dialog(bot, clock.now, user=COORD).command("match")


def test_a_run_whose_claim_ran_out_is_taken_over_and_the_first_worker_writes_nothing(
    bot: Passerelle, clock: Clock
) -> None:
    first = claimed(bot, clock)
    assert runs.claim(bot.engine, clock.now + runs.LEASE / 2) is None  # still held
    later = clock.now + runs.LEASE + timedelta(seconds=1)
    second = runs.claim(bot.engine, later)
    assert second is not None and second.attempt == 2
    assert not runs.renew(bot.engine, first, later)  # the first worker learns it lost the run
    assert not runs.make(bot.engine, first, later).written
    assert proposed(bot) == 0 and queued(bot) == []
    assert runs.make(bot.engine, second, later).written
    assert proposed(bot) == 1 and [r.attempts for r in the_runs(bot)] == [2]


def test_a_forbid_supersedes_the_run_in_progress_whose_result_never_overwrites_the_newer(
    bot: Passerelle, clock: Clock
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    coordinator = Dialog(bot, clock.now, user=COORD, slack_style=True)
    coordinator.command("match")
    older = runs.claim(bot.engine, clock.now)  # running when the coordinator forbids the pair it will propose
    assert older is not None
    job = runs.read(bot.engine, older, clock.now)
    found = runs.matched(job)
    assert [(p.mentor_id, p.mentee_id) for p in found.pairs] == [("UMENTOR1", "UMENTEE1")]
    shown = coordinator.command("match forbid <@UMENTOR1> <@UMENTEE1>")
    assert "Forbidden" in shown and "is running" in shown
    assert [r.state for r in the_runs(bot)] == [MatchRunState.SUPERSEDED, MatchRunState.QUEUED]
    assert not runs.renew(bot.engine, older, clock.now)  # its worker stops it
    assert not runs.finish(bot.engine, job, found, clock.now, 0.1)  # and had it finished, nothing is written
    assert proposed(bot) == 0 and queued(bot) == []
    newer = runs.claim(bot.engine, clock.now)
    assert newer is not None and runs.make(bot.engine, newer, clock.now).written
    assert [r.state for r in the_runs(bot)] == [MatchRunState.SUPERSEDED, MatchRunState.DONE]
    assert proposed(bot) == 0  # the forbidden pair is never proposed
    [preview] = [q for q in queued(bot) if q.key.startswith("match:run:")]
    assert "Forbidden pairs (1)" in preview.text


def test_a_worker_that_dies_once_the_pairs_are_written_leaves_the_run_to_another_and_one_preview(
    bot: Passerelle, clock: Clock
) -> None:
    first = claimed(bot, clock)
    proposal_written(bot, first, clock)
    # …and its process is killed there: the pairs are in, the run is not done, nobody has been told.
    assert proposed(bot) == 1 and queued(bot) == []
    assert [r.state for r in the_runs(bot)] == [MatchRunState.RUNNING]
    later = clock.now + runs.LEASE + timedelta(seconds=1)
    second = runs.claim(bot.engine, later)
    assert second is not None and runs.make(bot.engine, second, later).written
    assert proposed(bot) == 1  # written again in place of the first's, not beside it
    assert [q.to for q in queued(bot) if q.key.startswith("match:run:")] == [(COORD,)]
    assert [(r.state, r.attempts) for r in the_runs(bot)] == [(MatchRunState.DONE, 2)]


def test_the_preview_a_coordinator_waits_for_goes_at_once_even_out_of_working_hours(
    bot: Passerelle, clock: Clock
) -> None:
    clock.travel(days=2, hours=8, minutes=30)  # Saturday 23:00 in Paris: no working hours before Monday
    claim = claimed(bot, clock)
    assert runs.make(bot.engine, claim, clock.now).written
    with Session(bot.engine) as session:
        [row] = session.exec(select(Outbox).where(col(Outbox.key).startswith("match:run:"))).all()
    assert _utc(row.not_before) == clock.now  # not Monday 09:00: the coordinator asked for it and waits


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_confirm_waits_for_the_running_matching_whose_proposal_nobody_has_seen_yet(
    bot: Passerelle, clock: Clock
) -> None:
    proposal_written(bot, claimed(bot, clock), clock)  # its preview not yet sent
    refused = Dialog(bot, clock.now, user=COORD).command("match confirm")
    assert "A matching is running" in refused and "Confirm once you have seen it" in refused
    assert proposed(bot) == 1 and queued(bot) == []  # nothing confirmed, nobody told
    later = runs.claim(bot.engine, clock.now + runs.LEASE * 2)  # its worker died there; another takes it over
    assert later is not None and runs.make(bot.engine, later, clock.now).written
    assert "1 pair confirmed" in Dialog(bot, clock.now, user=COORD).command("match confirm")
