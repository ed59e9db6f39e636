"""Every change of a session's status: booked, held, missed or cancelled."""

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import known
from bot.transitions import InvalidTransition, check
from storage.models import Meeting, MeetingStatus, Pair

Status = MeetingStatus
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.BOOKED, Status.HELD}),  # "we already met" records a session held
    Status.BOOKED: frozenset({Status.HELD, Status.MISSED, Status.CANCELLED}),
    # A pulse corrects what the tick assumed when the session's time passed.
    Status.HELD: frozenset({Status.MISSED, Status.CANCELLED}),
    Status.MISSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def record_held(
    session: Session, pair: Pair, person_id: int, minutes: int, now: datetime, zone: str = "UTC"
) -> Meeting:
    """A session the pair says it held just now, booked or not; `zone`: the clock of the member who says so."""
    check("meeting", None, TRANSITIONS, None, Status.HELD)
    held = Meeting(
        workspace_id=pair.workspace_id,
        pair_id=known(pair.id),
        starts_at=now - timedelta(minutes=minutes),
        minutes=minutes,
        timezone=zone,
        status=Status.HELD,
        token=new_token(),
        booked_by=person_id,
        created_at=now,
        updated_at=now,
    )
    session.add(held)
    session.flush()
    return held


def book(
    session: Session, pair: Pair, person_id: int, starts: datetime, zone: str, how: tuple[int, str, str], now: datetime
) -> Meeting:
    """A session booked; `how` is its length in minutes, its format and its place."""
    check("meeting", None, TRANSITIONS, None, Status.BOOKED)
    minutes, form, place = how
    booked = Meeting(
        workspace_id=pair.workspace_id,
        pair_id=known(pair.id),
        starts_at=starts,
        minutes=minutes,
        timezone=zone,
        format=form,
        place=place,
        status=Status.BOOKED,
        token=new_token(),
        booked_by=person_id,
        created_at=now,
        updated_at=now,
    )
    session.add(booked)
    session.flush()
    return booked


def move(meeting: Meeting, starts: datetime, zone: str, how: tuple[int, str, str], now: datetime) -> None:
    """A booked session moved: the same invite (its UID and address), one version further."""
    if meeting.status != Status.BOOKED:
        raise InvalidTransition(f"meeting {meeting.id}: only a booked session moves, not a {meeting.status} one")
    meeting.starts_at, meeting.timezone = starts, zone
    meeting.minutes, meeting.format, meeting.place = how
    meeting.sequence += 1
    meeting.updated_at = now


def cancel(meeting: Meeting, person_id: int, now: datetime) -> None:
    _move(meeting, Status.CANCELLED, now)
    meeting.cancelled_by = person_id
    meeting.sequence += 1


def call_off(meeting: Meeting, now: datetime) -> None:
    """The pair ended before its booked session: off, by nobody's cancellation (none is counted), and the invite
    says so."""
    _move(meeting, Status.CANCELLED, now)
    meeting.sequence += 1


def missed(meeting: Meeting, now: datetime) -> None:
    """A member says it was postponed."""
    _move(meeting, Status.MISSED, now)


def cancelled_after(meeting: Meeting, now: datetime) -> None:
    """A member says, once its time has passed, that it did not take place: the invite says so too."""
    _move(meeting, Status.CANCELLED, now)
    meeting.sequence += 1


def held(meeting: Meeting, now: datetime) -> None:
    """Its time has passed: held, unless a pulse says otherwise."""
    _move(meeting, Status.HELD, now)


def new_token() -> str:
    """The secret part of a calendar file's address: 256 random bits."""
    return secrets.token_urlsafe(32)


def _move(meeting: Meeting, wanted: Status, now: datetime) -> None:
    check("meeting", meeting.id, TRANSITIONS, meeting.status, wanted)
    meeting.status, meeting.updated_at = wanted, now
