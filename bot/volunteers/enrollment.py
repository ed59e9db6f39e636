"""Every change of an enrollment's status: joining, ready, matched, back to ready, pause and resume, leaving."""

from datetime import date, datetime

from sqlmodel import Session

from bot.context import Ctx
from bot.pairing import pair as pair_status
from bot.pairing.pair import LIVE
from bot.programme.lock import hold
from bot.transitions import InvalidTransition, check
from storage import queries
from storage.models import Enrollment, Programme
from storage.models import EnrollmentStatus as Status

TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.ONBOARDING}),  # consent given; leaving before the end deletes the row
    Status.ONBOARDING: frozenset({Status.READY}),  # the profile confirmed
    Status.READY: frozenset({Status.MATCHED, Status.PAUSED, Status.LEFT}),
    # A mentor with room gets another pair; the last pair ended.
    Status.MATCHED: frozenset({Status.MATCHED, Status.READY, Status.PAUSED, Status.LEFT}),
    # A new date to come back; resuming gives back what was before.
    Status.PAUSED: frozenset({Status.PAUSED, Status.READY, Status.MATCHED, Status.LEFT}),
    Status.LEFT: frozenset({Status.READY}),  # joined again: the profile confirmed once more
}
PAIRABLE = (Status.READY, Status.MATCHED)
ENROLLED = (Status.READY, Status.MATCHED, Status.PAUSED)  # confirmed and still there


def enrol(session: Session, programme: Programme, person_id: int, now: datetime) -> Enrollment:
    """Consent given: an enrollment that is onboarding."""
    assert programme.id is not None
    check("enrollment", None, TRANSITIONS, None, Status.ONBOARDING)
    enrollment = Enrollment(
        workspace_id=programme.workspace_id,
        programme_id=programme.id,
        person_id=person_id,
        status=Status.ONBOARDING,
        answers={},
        consented_at=now,
        updated_at=now,
    )
    session.add(enrollment)
    return enrollment


def confirm_profile(enrollment: Enrollment, now: datetime) -> None:
    """The profile confirmed: a newcomer, or someone who left and came back, is ready; an edit changes nothing."""
    if enrollment.status in (Status.ONBOARDING, Status.LEFT):
        _move(enrollment, Status.READY, now)
    enrollment.updated_at = now


def matched(enrollment: Enrollment, now: datetime) -> None:
    _move(enrollment, Status.MATCHED, now)


def pair_ended(session: Session, enrollment: Enrollment, ended_pair_id: int | None, now: datetime) -> None:
    """A pair of hers ended: without another pair that holds her, a matched person is ready again (a paused one
    learns it when she resumes)."""
    if enrollment.status == Status.MATCHED and not holds_pair(session, enrollment, ignore=ended_pair_id):
        _move(enrollment, Status.READY, now)


def pause(enrollment: Enrollment, until: date | None, now: datetime) -> None:
    if enrollment.status != Status.PAUSED:
        enrollment.paused_from = enrollment.status
    _move(enrollment, Status.PAUSED, now)
    enrollment.paused_until = until


def resume(session: Session, enrollment: Enrollment, now: datetime) -> Status:
    """Back to the status before the pause: matched only while a pair still holds her, else ready."""
    # Ready before the pause stays ready; matched (or paused before statuses were remembered) asks the pairs.
    held = enrollment.paused_from != Status.READY and holds_pair(session, enrollment)
    back = Status.MATCHED if held else Status.READY
    _move(enrollment, back, now)
    enrollment.paused_from, enrollment.paused_until = None, None
    for pair in queries.pairs_of_person(session, enrollment.workspace_id, enrollment.person_id, *LIVE):
        pair_status.touch(pair, now)  # the reminders held back by the pause are due again
    return back


def end_pauses(session: Session, today: date, now: datetime) -> int:
    """The tick: pauses whose date has come end as `resume` would; returns how many."""
    due = queries.pauses_due(session, today)
    for enrollment in due:
        resume(session, enrollment, now)
    return len(due)


def leave(enrollment: Enrollment, now: datetime) -> None:
    """Someone with a confirmed profile leaves; their pairs have ended first."""
    _move(enrollment, Status.LEFT, now)
    enrollment.paused_from, enrollment.paused_until = None, None


def discard(session: Session, enrollment: Enrollment) -> None:
    """Someone who stops joining before the end: nothing they answered is kept."""
    if enrollment.status != Status.ONBOARDING:
        raise InvalidTransition(
            f"enrollment {enrollment.id}: only an unconfirmed one is discarded, not {enrollment.status}"
        )
    session.delete(enrollment)


def own(ctx: Ctx, lock: bool = False) -> Enrollment | None:
    """The caller's enrollment in the current programme; failing that, in a programme where a pair of theirs goes
    on (after `program new`), which the context then acts on. `lock`: its programme is held first (see
    bot.programme.lock), for a change that must not cross a confirmation."""
    if lock:
        hold(ctx)
    found = queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)
    if found is not None:
        return found
    for pair in queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE):
        elsewhere = queries.get_enrollment(ctx.session, ctx.workspace_id, pair.programme_id, ctx.person_id)
        programme = ctx.session.get(Programme, pair.programme_id)
        if elsewhere is not None and programme is not None:
            ctx.programme = programme
            if lock:
                hold(ctx)
                ctx.session.refresh(elsewhere)
            return elsewhere
    return None


def holds_pair(session: Session, enrollment: Enrollment, ignore: int | None = None) -> bool:
    """Whether a live pair of her programme holds her (`ignore`: one that is ending)."""
    pairs = queries.pairs_of_person(session, enrollment.workspace_id, enrollment.person_id, *LIVE)
    return any(p.programme_id == enrollment.programme_id and p.id != ignore for p in pairs)


def _move(enrollment: Enrollment, wanted: Status, now: datetime) -> None:
    check("enrollment", enrollment.id, TRANSITIONS, enrollment.status, wanted)
    enrollment.status = wanted
    enrollment.updated_at = now
