"""Every change of a pair's status: proposed by a matching, confirmed, flagged at risk, ended; proposals dropped."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.transitions import InvalidTransition, check
from storage import queries
from storage.models import Pair, PairStatus, Programme

Status = PairStatus
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.PROPOSED}),
    Status.PROPOSED: frozenset({Status.ACTIVE}),  # a proposal not confirmed is deleted, not ended
    Status.ACTIVE: frozenset({Status.AT_RISK, Status.ENDED}),
    Status.AT_RISK: frozenset({Status.ACTIVE, Status.ENDED}),  # a session booked at last puts it back on track
    Status.ENDED: frozenset(),
}
LIVE = (Status.ACTIVE, Status.AT_RISK)  # pairs that hold their members
HELD = (Status.PROPOSED, *LIVE)  # pairs that take a mentor's place


class EndReason(StrEnum):
    UNPAIRED = "unpaired"
    LEFT = "left"
    NOT_A_GOOD_FIT = "not_a_good_fit"
    COMPLETED = "completed"  # the programme is over: the pair was thanked and its summary sent


def propose(
    session: Session,
    programme: Programme,
    mentor_id: int,
    mentee_id: int,
    score: int,
    components: dict[str, int],
    now: datetime,
    pinned: bool = False,
) -> Pair:
    assert programme.id is not None
    check("pair", None, TRANSITIONS, None, Status.PROPOSED)
    pair = Pair(
        workspace_id=programme.workspace_id,
        programme_id=programme.id,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        status=Status.PROPOSED,
        score=score,
        components=components,
        pinned=pinned,
        created_at=now,
    )
    session.add(pair)
    return pair


def propose_many(
    session: Session, programme: Programme, found: Iterable[tuple[int, int, int, dict[str, int]]], now: datetime
) -> None:
    """A matching's proposal, (mentor, mentee, score, components) each, written in one statement: thousands of
    pairs cost one round trip, not an object each."""
    assert programme.id is not None
    check("pair", None, TRANSITIONS, None, Status.PROPOSED)
    rows = [
        {
            "workspace_id": programme.workspace_id,
            "programme_id": programme.id,
            "mentor_id": mentor_id,
            "mentee_id": mentee_id,
            "status": Status.PROPOSED,
            "score": score,
            "components": components,
            "pinned": False,
            "objectives": [],
            "created_at": now,
        }
        for mentor_id, mentee_id, score, components in found
    ]
    queries.insert_pairs(session, rows)


def confirm(pair: Pair, now: datetime) -> None:
    _move(pair, Status.ACTIVE)
    pair.confirmed_at, pair.pinned = now, False
    touch(pair, now)


def flag_at_risk(pair: Pair) -> None:
    """Nothing booked after the last reminder (journey 5)."""
    _move(pair, Status.AT_RISK)


def back_on_track(pair: Pair) -> None:
    """A pair at risk booked or held a session."""
    if pair.status == Status.AT_RISK:
        _move(pair, Status.ACTIVE)


def end(pair: Pair, reason: EndReason, now: datetime) -> None:
    _move(pair, Status.ENDED)
    pair.ended_reason, pair.ended_at, pair.next_check_at = reason, now, None


def touch(pair: Pair, now: datetime) -> None:
    """Something changed for the pair: the tick looks at it again at once, rather than at the time it had set."""
    if pair.status in LIVE:
        pair.next_check_at = min(pair.next_check_at or now, now)


def touch_all(session: Session, programme: Programme, now: datetime) -> None:
    """The programme's dates or cadence changed: `touch` for each of its live pairs, so that the next tick works out
    their agenda again (an end moved earlier is acted on then, not at the look each pair had set)."""
    queries.look_again_at_pairs(session, programme.workspace_id, programme.id or 0, now)


def drop(session: Session, pairs: Iterable[Pair]) -> None:
    """Proposals withdrawn; deleted at once, so a new proposal for the same mentee may follow in this transaction."""
    dropped = list(pairs)
    for pair in dropped:
        if pair.status != Status.PROPOSED:
            raise InvalidTransition(f"pair {pair.id}: only a proposal is dropped, not a pair {pair.status}")
        session.delete(pair)
    session.flush()


def drop_proposals(session: Session, programme: Programme) -> None:
    """A new matching replaces every proposal the coordinator did not pin."""
    assert programme.id is not None
    queries.delete_proposals(session, programme.workspace_id, programme.id)


def _move(pair: Pair, wanted: Status) -> None:
    check("pair", pair.id, TRANSITIONS, pair.status, wanted)
    pair.status = wanted
