"""A whole programme in travelled time, through the same core, on SQLite and PostgreSQL: the issue's end to end."""

from collections import Counter
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from handlers.simulation import simulate
from storage.models import Meeting, MeetingStatus, Outbox, OutboxState, Pair, PairStatus, Pulse, Survey


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
