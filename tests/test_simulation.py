"""A whole programme in travelled time, through the same core, on SQLite and PostgreSQL: the issue's end to end."""

from collections import Counter
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.outbox.queue import PAIR_COPY
from handlers.simulation import TENANT, simulate
from storage.models import (
    Commitment,
    Meeting,
    MeetingStatus,
    Outbox,
    OutboxState,
    Pair,
    PairStatus,
    Pulse,
    Survey,
    Workspace,
)
from storage.models import Person as Member


def test_a_simulated_programme_runs_its_whole_life_and_every_message_goes_once(engine: Engine) -> None:
    printed: list[str] = []
    sim = simulate(engine, volunteers=8, months=3, seed=7, start=date(2027, 1, 4), out=printed.append)
    assert printed[0].startswith("2027-01-04  8 volunteers joined; 4 pairs confirmed")
    assert any("reminder" in line for line in printed) and any("pulse" in line for line in printed)
    with Session(engine) as session:
        pairs = session.exec(select(Pair)).all()
        meetings = session.exec(select(Meeting)).all()
        rows = session.exec(select(Outbox)).all()
        pulses = session.exec(select(Pulse)).all()
        surveys = session.exec(select(Survey)).all()
    assert len(pairs) == 4 and {p.status for p in pairs} == {PairStatus.ENDED}  # each closed with the programme
    assert any(m.status == MeetingStatus.HELD for m in meetings)
    assert any(p.answered_at for p in pulses) and {s.kind for s in surveys} == {"checkpoint", "end"}
    # Every key once; each sent, or dropped because it lost its point; nothing left waiting, failed or sent twice.
    assert len({(r.workspace_id, r.key) for r in rows}) == len(rows)
    states = Counter(r.state for r in rows)
    assert set(states) <= {OutboxState.SENT, OutboxState.DROPPED} and states[OutboxState.SENT] > 40
    delivered = sum(sim.inbox.sent.values())
    assert delivered == states[OutboxState.SENT]
    assert "*Pairs: 4*" in printed[-1]


def test_the_coordinator_may_read_the_simulation_in_french(engine: Engine) -> None:
    printed: list[str] = []
    simulate(engine, volunteers=4, months=2, seed=3, start=date(2027, 1, 4), out=printed.append, language="fr")
    shown = "\n".join(printed)
    assert "Rapport" in shown and "Binômes" in shown and "Sessions held" not in shown


def test_a_teams_programme_runs_its_whole_life_each_member_getting_their_own_copy_of_each_pair_message(
    engine: Engine,
) -> None:
    printed: list[str] = []
    sim = simulate(engine, volunteers=8, months=3, seed=7, start=date(2027, 1, 4), out=printed.append, platform="teams")
    assert printed[0].startswith("2027-01-04  8 volunteers joined; 4 pairs confirmed")
    assert f"on Teams (tenant {TENANT})" in printed[1]
    assert any("reminder" in line for line in printed) and any("pulse" in line for line in printed)
    with Session(engine) as session:
        workspaces = session.exec(select(Workspace)).all()
        pairs = session.exec(select(Pair)).all()
        meetings = session.exec(select(Meeting)).all()
        rows = session.exec(select(Outbox)).all()
        pulses = session.exec(select(Pulse)).all()
        surveys = session.exec(select(Survey)).all()
        user_of = {p.id: p.user_id for p in session.exec(select(Member)).all()}
        committed = session.exec(select(Commitment)).all()
    assert [(w.platform, w.external_id) for w in workspaces] == [("teams", TENANT)]
    assert len(pairs) == 4 and {p.status for p in pairs} == {PairStatus.ENDED}
    assert any(m.status == MeetingStatus.HELD for m in meetings)
    assert any(p.answered_at for p in pulses) and {s.kind for s in surveys} == {"checkpoint", "end"}
    assert len({(r.workspace_id, r.key) for r in rows}) == len(rows)
    states = Counter(r.state for r in rows)
    assert set(states) <= {OutboxState.SENT, OutboxState.DROPPED} and states[OutboxState.SENT] > 40
    assert sum(sim.inbox.sent.values()) == states[OutboxState.SENT] == len(sim.inbox.delivered)
    assert "*Pairs: 4*" in printed[-1]

    # No message to a pair's conversation: each pair message is a row per member, delivered to that member alone,
    # naming the other as who it is shared with.
    assert not [r for r in rows if r.recipient["kind"] == "pair"]
    assert all(len(d.people) == 1 for d in sim.inbox.delivered)
    by_key = {d.key: d for d in sim.inbox.delivered}
    members = {p.id: (user_of[p.mentor_id], user_of[p.mentee_id]) for p in pairs}
    copies = [r for r in rows if "pair" in r.recipient and r.state == OutboxState.SENT]
    assert copies
    for row in copies:
        own = user_of[row.recipient["id"]]
        (other,) = set(members[row.recipient["pair"]]) - {own}
        assert by_key[row.key].people == (own,) and by_key[row.key].shared_with == (other,)
    for pair in pairs:
        introduced = [d.people for d in sim.inbox.delivered if d.key.startswith(f"intro:pair:{pair.id}{PAIR_COPY}")]
        assert sorted(introduced) == sorted([(m,) for m in members[pair.id]])

    # The charter is on each member's card: whoever commits on theirs has the other member's copy rewritten, once
    # it was sent (one still waiting for its reader's morning is not there yet to rewrite).
    assert 0 < len(sim.inbox.rewritten) <= len(committed)
    assert all(readers == by_key[key].shared_with for key, readers in sim.inbox.rewritten)
