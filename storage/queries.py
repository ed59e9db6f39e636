"""Query functions: each takes the session first, is scoped to one workspace, and never commits."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import and_, bindparam, case, delete, func, insert, inspect, or_, update
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel, col, select

from storage.ids import usable_id
from storage.models import (
    Address,
    Commitment,
    Conversation,
    Delivery,
    Download,
    Enrollment,
    EnrollmentStatus,
    Forbidden,
    MatchRun,
    MatchRunState,
    Meeting,
    MeetingStatus,
    Nudge,
    Outbox,
    OutboxState,
    Pair,
    PairStatus,
    Person,
    Programme,
    Pulse,
    RematchRequest,
    Survey,
    Workspace,
)
from storage.slack_tables import installations

T = TypeVar("T", bound=SQLModel)

LIVE_STATUSES = (PairStatus.ACTIVE, PairStatus.AT_RISK)
ALL_PAIR_STATUSES = tuple(PairStatus)


def get_workspace(session: Session, platform: str, external_id: str) -> Workspace | None:
    return session.exec(
        select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    ).first()


def add_workspace(session: Session, platform: str, external_id: str, now: datetime) -> Workspace | None:
    """A new workspace; None if another transaction added it meanwhile."""
    workspace = Workspace(platform=platform, external_id=external_id, created_at=now)
    return workspace if _added(session, workspace) else None


def mark_uninstalled(session: Session, platform: str, external_id: str, now: datetime) -> bool:
    """The app left this workspace; its rows stay. False when the workspace is unknown or already marked."""
    found = get_workspace(session, platform, external_id)
    if found is None or found.uninstalled_at is not None:
        return False
    found.uninstalled_at = now
    return True


def get_person(session: Session, workspace_id: int, user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.workspace_id == workspace_id, Person.user_id == user_id)).first()


def get_or_add_person(session: Session, workspace_id: int, user_id: str, now: datetime) -> Person:
    if not usable_id(user_id):
        # The last line of defence: the channels refuse such ids before they reach the core; a row of junk (an
        # empty id, 101 characters) must never be stored, and PostgreSQL cannot even look up one with a NUL.
        raise ValueError("not a user id")
    found = get_person(session, workspace_id, user_id)
    if found:
        return found
    person = Person(workspace_id=workspace_id, user_id=user_id, created_at=now)
    if _added(session, person):
        return person
    found = get_person(session, workspace_id, user_id)
    assert found is not None
    return found


def _added(session: Session, row: SQLModel) -> bool:
    """Insert in a savepoint; False when a unique key shows another transaction inserted it first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def coordinators(session: Session, workspace_id: int) -> Sequence[Person]:
    return session.exec(
        select(Person).where(Person.workspace_id == workspace_id, col(Person.is_coordinator)).order_by(col(Person.id))
    ).all()


def current_programme(session: Session, workspace_id: int) -> Programme | None:
    """The programme the commands act on."""
    return session.exec(
        select(Programme).where(Programme.workspace_id == workspace_id, col(Programme.is_current))
    ).first()


def lock_programme(session: Session, programme_id: int) -> Programme:
    """The programme's row, locked until the commit (PostgreSQL; SQLite's writers are serialised already),
    read afresh."""
    return session.exec(
        select(Programme)
        .where(Programme.id == programme_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def get_enrollment(session: Session, workspace_id: int, programme_id: int, person_id: int) -> Enrollment | None:
    return session.exec(
        select(Enrollment).where(
            Enrollment.workspace_id == workspace_id,
            Enrollment.programme_id == programme_id,
            Enrollment.person_id == person_id,
        )
    ).first()


def enrollments_of_programme(session: Session, workspace_id: int, programme_id: int) -> Sequence[Enrollment]:
    return session.exec(
        select(Enrollment).where(Enrollment.workspace_id == workspace_id, Enrollment.programme_id == programme_id)
    ).all()


def answers_of_programme(
    session: Session, workspace_id: int, programme_id: int
) -> dict[int, tuple[str, dict[str, Any]]]:
    """Each enrolled person's status and answers, by person id: the columns alone, for tens of thousands at once."""
    rows = session.exec(
        select(Enrollment.person_id, Enrollment.status, Enrollment.answers).where(
            Enrollment.workspace_id == workspace_id, Enrollment.programme_id == programme_id
        )
    ).all()
    found: dict[int, tuple[str, dict[str, Any]]] = {row[0]: (row[1], dict(row[2])) for row in rows}
    return found


def enrollments_of_person(session: Session, workspace_id: int, person_id: int) -> Sequence[Enrollment]:
    return session.exec(
        select(Enrollment).where(Enrollment.workspace_id == workspace_id, Enrollment.person_id == person_id)
    ).all()


def count_enrollments(session: Session, workspace_id: int, programme_id: int) -> dict[tuple[str, str], int]:
    """Enrollments counted by (role, status)."""
    rows = session.exec(
        select(Enrollment.role, Enrollment.status, func.count())
        .where(Enrollment.workspace_id == workspace_id, Enrollment.programme_id == programme_id)
        .group_by(Enrollment.role, Enrollment.status)
    ).all()
    return {(role or "", status): count for role, status, count in rows}


def get_conversation(session: Session, workspace_id: int, person_id: int) -> Conversation | None:
    return session.exec(
        select(Conversation).where(Conversation.workspace_id == workspace_id, Conversation.person_id == person_id)
    ).first()


def erase_person(session: Session, workspace_id: int, person_id: int) -> None:
    """Delete a person and everything that is theirs: answers, pairs, forbids, messages to them, mentions in runs."""
    # What was sent to them, or to their pairs, and where they were reached, goes too.
    pair_ids = _pair_ids_of(session, workspace_id, person_id)
    conversations = [f"person:{person_id}"] + [f"pair:{i}" for i in pair_ids]
    session.execute(
        delete(Outbox).where(col(Outbox.workspace_id) == workspace_id, col(Outbox.conversation).in_(conversations))
    )
    forget_outbox_about(session, workspace_id, [person_id])
    session.execute(
        delete(Address).where(
            col(Address.workspace_id) == workspace_id,
            ((col(Address.owner) == "person") & (col(Address.owner_id) == person_id))
            | ((col(Address.owner) == "pair") & col(Address.owner_id).in_(pair_ids)),
        )
    )
    session.execute(delete(Commitment).where(col(Commitment.pair_id).in_(pair_ids)))
    forget_sessions(session, pair_ids)
    forget_rematch_requests(session, workspace_id, person_id, pair_ids)
    for table in (Conversation, Enrollment):
        session.execute(delete(table).where(col(table.workspace_id) == workspace_id, col(table.person_id) == person_id))
    for paired in (Pair, Forbidden):
        session.execute(
            delete(paired).where(
                col(paired.workspace_id) == workspace_id,
                (col(paired.mentor_id) == person_id) | (col(paired.mentee_id) == person_id),
            )
        )
    person = session.get(Person, person_id)
    if person is not None:
        for run in session.exec(select(MatchRun).where(MatchRun.workspace_id == workspace_id)).all():
            run.unmatched = [entry for entry in run.unmatched if entry[0] != person.user_id]
        _forget_named(session, workspace_id, person.user_id)
        workspace = session.get(Workspace, workspace_id)
        if workspace is not None and workspace.platform == "slack":
            # The install she made stays (the bot's token serves everyone), without her id.
            session.execute(update(installations).where(installations.c.user_id == person.user_id).values(user_id=""))
    session.execute(delete(Download).where(col(Download.person_id) == person_id))
    session.execute(delete(Person).where(col(Person.workspace_id) == workspace_id, col(Person.id) == person_id))


def _forget_named(session: Session, workspace_id: int, user_id: str) -> None:
    """Others' answers that name the erased person (their manager, their not-with list), finished or in progress,
    forget them: once she is gone, there is no reporting line or list to keep."""
    for table, column in ((Enrollment, "answers"), (Conversation, "draft")):
        for row in session.exec(select(table).where(col(table.workspace_id) == workspace_id)).all():
            answers: dict[str, Any] = getattr(row, column)
            listed = answers.get("not_with")
            if answers.get("manager") != user_id and not (isinstance(listed, list) and user_id in listed):
                continue
            kept = dict(answers)
            if kept.get("manager") == user_id:
                kept["manager"] = ""
            if isinstance(listed, list):
                kept["not_with"] = [u for u in listed if u != user_id]
            setattr(row, column, kept)  # a new dict, so that the JSON column is written


def erase_programme(session: Session, workspace_id: int, programme_id: int) -> None:
    """Everything personal of a programme: its pairs and all that hangs on them, its enrollments and onboarding
    conversations, its matching runs and forbids, the messages to its pairs; and its people, unless they take part
    in another programme or coordinate, with the messages sent to them."""
    pair_ids = [
        i for i in session.exec(select(Pair.id).where(Pair.programme_id == programme_id)).all() if i is not None
    ]
    member_ids = set(session.exec(select(Enrollment.person_id).where(Enrollment.programme_id == programme_id)).all())
    session.execute(
        delete(Outbox).where(
            col(Outbox.workspace_id) == workspace_id,
            col(Outbox.conversation).in_([f"pair:{i}" for i in pair_ids]),
        )
    )
    session.execute(
        delete(Address).where(
            col(Address.workspace_id) == workspace_id, col(Address.owner) == "pair", col(Address.owner_id).in_(pair_ids)
        )
    )
    session.execute(delete(Commitment).where(col(Commitment.pair_id).in_(pair_ids)))
    forget_sessions(session, pair_ids)
    session.execute(delete(RematchRequest).where(col(RematchRequest.pair_id).in_(pair_ids)))
    session.execute(delete(Pair).where(col(Pair.id).in_(pair_ids)))
    for table in (Conversation, Enrollment, MatchRun, Forbidden):
        session.execute(delete(table).where(col(table.programme_id) == programme_id))
    staying = set(session.exec(select(Enrollment.person_id).where(col(Enrollment.person_id).in_(member_ids))).all())
    gone = [
        p.id
        for p in session.exec(select(Person).where(col(Person.id).in_(member_ids - staying))).all()
        if p.id is not None and not p.is_coordinator
    ]
    session.execute(
        delete(Outbox).where(
            col(Outbox.workspace_id) == workspace_id, col(Outbox.conversation).in_([f"person:{i}" for i in gone])
        )
    )
    # What was written for the programme and names someone (an at-risk pair, a concern, a rematch request) goes,
    # whoever it went to; so does whatever names or quotes the people erased, whichever programme it was for.
    session.execute(
        delete(Outbox).where(
            col(Outbox.workspace_id) == workspace_id,
            col(Outbox.programme_id) == programme_id,
            col(Outbox.about).is_not(None),
        )
    )
    forget_outbox_about(session, workspace_id, gone)
    session.execute(
        delete(Address).where(
            col(Address.workspace_id) == workspace_id, col(Address.owner) == "person", col(Address.owner_id).in_(gone)
        )
    )
    # Files handed out live an hour; one may list the people erased (a proposal, a report): all of them go.
    session.execute(delete(Download).where(col(Download.workspace_id) == workspace_id))
    session.execute(delete(Person).where(col(Person.id).in_(gone)))


def forget_outbox_about(session: Session, workspace_id: int, person_ids: Sequence[int]) -> None:
    """Messages that name or quote these people, to whomever, in whatever state: deleted, so that none is sent and
    none sent keeps their name or words (nor its key, which a later row of a reused id must be free to take)."""
    if not person_ids:
        return
    erased = set(person_ids)
    # Read and filtered here: JSON has no containment test shared by SQLite and PostgreSQL, and erasures are rare.
    rows = session.exec(
        select(Outbox.id, Outbox.about).where(Outbox.workspace_id == workspace_id, col(Outbox.about).is_not(None))
    ).all()
    doomed = [i for i, about in rows if erased.intersection(about or ())]
    if doomed:
        session.execute(delete(Outbox).where(col(Outbox.id).in_(doomed)))


def pulses_of_person(session: Session, workspace_id: int, person_id: int) -> Sequence[Pulse]:
    return session.exec(
        select(Pulse).where(Pulse.workspace_id == workspace_id, Pulse.person_id == person_id).order_by(col(Pulse.id))
    ).all()


def surveys_of_person(session: Session, workspace_id: int, person_id: int) -> Sequence[Survey]:
    return session.exec(
        select(Survey)
        .where(Survey.workspace_id == workspace_id, Survey.person_id == person_id)
        .order_by(col(Survey.id))
    ).all()


def forget_sessions(session: Session, pair_ids: Sequence[int]) -> None:
    """The pairs' sessions, pulses, surveys and nudges: they go with the pairs."""
    for table in (Pulse, Survey, Nudge, Meeting):
        session.execute(delete(table).where(col(table.pair_id).in_(pair_ids)))


def _pair_ids_of(session: Session, workspace_id: int, person_id: int) -> list[int]:
    rows = session.exec(
        select(Pair.id).where(
            Pair.workspace_id == workspace_id, (col(Pair.mentor_id) == person_id) | (col(Pair.mentee_id) == person_id)
        )
    ).all()
    return [i for i in rows if i is not None]


def claim_delivery(session: Session, workspace_id: int, delivery_id: str, now: datetime) -> bool:
    """Record an inbound delivery; False if it was handled already (a redelivery)."""
    return _added(session, Delivery(workspace_id=workspace_id, delivery_id=delivery_id, received_at=now))


def forget_deliveries_before(session: Session, before: datetime) -> None:
    session.execute(delete(Delivery).where(col(Delivery.received_at) < before))


def programmes(session: Session, workspace_id: int) -> Sequence[Programme]:
    return session.exec(
        select(Programme).where(Programme.workspace_id == workspace_id).order_by(col(Programme.id))
    ).all()


def pauses_due(session: Session, today: date) -> Sequence[Enrollment]:
    """Paused enrollments, in every workspace, whose date to come back has come."""
    return session.exec(
        select(Enrollment).where(
            Enrollment.status == EnrollmentStatus.PAUSED,
            col(Enrollment.paused_until).is_not(None),
            col(Enrollment.paused_until) <= today,
        )
    ).all()


def people_by_id(session: Session, workspace_id: int, ids: Sequence[int]) -> dict[int, Person]:
    found = session.exec(select(Person).where(Person.workspace_id == workspace_id, col(Person.id).in_(ids))).all()
    return {p.id: p for p in found if p.id is not None}


def people_by_user_id(session: Session, workspace_id: int, user_ids: Sequence[str]) -> dict[str, Person]:
    found = session.exec(
        select(Person).where(Person.workspace_id == workspace_id, col(Person.user_id).in_(user_ids))
    ).all()
    return {p.user_id: p for p in found}


def count_pairs(session: Session, workspace_id: int, programme_id: int) -> dict[PairStatus, int]:
    """A programme's pairs counted by status."""
    rows = session.exec(
        select(Pair.status, func.count())
        .where(Pair.workspace_id == workspace_id, Pair.programme_id == programme_id)
        .group_by(Pair.status)
    ).all()
    return {PairStatus(status): count for status, count in rows}


def pairs_of_programme(session: Session, workspace_id: int, programme_id: int, *statuses: PairStatus) -> Sequence[Pair]:
    return session.exec(
        select(Pair)
        .where(Pair.workspace_id == workspace_id, Pair.programme_id == programme_id, col(Pair.status).in_(statuses))
        .order_by(col(Pair.score).desc(), col(Pair.id))
    ).all()


class ProposedRow(NamedTuple):
    """A proposed pair as a preview reads it: its columns, without the cost of an object each (tens of thousands).
    Its points per component are read only for the pairs a page shows (`pair_components`)."""

    id: int
    mentor_id: int
    mentee_id: int
    score: int
    pinned: bool


def proposed_rows(session: Session, workspace_id: int, programme_id: int) -> list[ProposedRow]:
    columns = [col(c) for c in (Pair.id, Pair.mentor_id, Pair.mentee_id, Pair.score, Pair.pinned)]
    rows = session.execute(
        sql_select(*columns).where(
            col(Pair.workspace_id) == workspace_id,
            col(Pair.programme_id) == programme_id,
            col(Pair.status) == PairStatus.PROPOSED,
        )
    ).all()
    return [ProposedRow(row[0] or 0, row[1], row[2], row[3], row[4]) for row in rows]


def pair_components(session: Session, workspace_id: int, pair_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        sql_select(col(Pair.id), col(Pair.components)).where(
            col(Pair.workspace_id) == workspace_id, col(Pair.id).in_(pair_ids)
        )
    ).all()
    return {row[0]: dict(row[1]) for row in rows}


def pairs_of_person(session: Session, workspace_id: int, person_id: int, *statuses: PairStatus) -> Sequence[Pair]:
    return session.exec(
        select(Pair).where(
            Pair.workspace_id == workspace_id,
            col(Pair.status).in_(statuses),
            (col(Pair.mentor_id) == person_id) | (col(Pair.mentee_id) == person_id),
        )
    ).all()


def get_pair(session: Session, workspace_id: int, pair_id: int) -> Pair | None:
    return session.exec(select(Pair).where(Pair.workspace_id == workspace_id, Pair.id == pair_id)).first()


def lock_pair(session: Session, workspace_id: int, pair_id: int) -> Pair | None:
    """A pair's row, locked until the commit and read afresh, so that its two members act one after the other."""
    return session.exec(
        select(Pair)
        .where(Pair.workspace_id == workspace_id, Pair.id == pair_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def add_commitment(session: Session, workspace_id: int, pair_id: int, person_id: int, now: datetime) -> bool:
    """Record one member's commitment; False if it was recorded already."""
    row = Commitment(workspace_id=workspace_id, pair_id=pair_id, person_id=person_id, committed_at=now)
    return _added(session, row)


def committed(session: Session, workspace_id: int, pair_id: int) -> set[int]:
    """The person ids who committed to a pair's charter."""
    return set(
        session.exec(
            select(Commitment.person_id).where(Commitment.workspace_id == workspace_id, Commitment.pair_id == pair_id)
        ).all()
    )


def past_pairs(session: Session, workspace_id: int) -> Sequence[tuple[int, int]]:
    """Every pair ever confirmed in the workspace, as (mentor, mentee) person ids."""
    rows = session.exec(
        select(Pair.mentor_id, Pair.mentee_id).where(
            Pair.workspace_id == workspace_id, Pair.status != PairStatus.PROPOSED
        )
    ).all()
    return [(a, b) for a, b in rows]


def forbidden_of_programme(session: Session, workspace_id: int, programme_id: int) -> Sequence[Forbidden]:
    return session.exec(
        select(Forbidden).where(Forbidden.workspace_id == workspace_id, Forbidden.programme_id == programme_id)
    ).all()


def delete_proposals(session: Session, workspace_id: int, programme_id: int) -> None:
    """Every proposal of the programme not pinned, in one statement: tens of thousands are not read first."""
    session.execute(
        delete(Pair)
        .where(
            col(Pair.workspace_id) == workspace_id,
            col(Pair.programme_id) == programme_id,
            col(Pair.status) == PairStatus.PROPOSED,
            col(Pair.pinned).is_(False),
        )
        # The session forgets the pairs deleted by their ids, rather than testing each object it holds.
        .execution_options(synchronize_session="fetch")
    )


def insert_pairs(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Pairs given by their columns, in one statement whatever their number (a matching proposes thousands)."""
    if rows:
        # The table's own INSERT, executed for many rows at once: the ORM's bulk path costs twice as much here.
        session.connection().execute(insert(Pair.__table__), list(rows))  # type: ignore[attr-defined]


def latest_run(session: Session, workspace_id: int, programme_id: int) -> MatchRun | None:
    """The latest matching that finished: its proposal is the one shown."""
    return session.exec(
        select(MatchRun)
        .where(
            MatchRun.workspace_id == workspace_id,
            MatchRun.programme_id == programme_id,
            MatchRun.state == MatchRunState.DONE,
        )
        .order_by(col(MatchRun.id).desc())
    ).first()


def open_run(session: Session, workspace_id: int, programme_id: int) -> MatchRun | None:
    """The programme's matching asked for and not finished, if any (there is one at most)."""
    return session.exec(
        select(MatchRun)
        .where(
            MatchRun.workspace_id == workspace_id,
            MatchRun.programme_id == programme_id,
            col(MatchRun.state).in_((MatchRunState.QUEUED, MatchRunState.RUNNING)),
        )
        .order_by(col(MatchRun.id).desc())
    ).first()


def claimable_run(session: Session, now: datetime) -> MatchRun | None:
    """The oldest matching waiting for a worker, or whose worker's claim ran out (it died), in any workspace."""
    return session.exec(
        select(MatchRun)
        .where(
            or_(
                col(MatchRun.state) == MatchRunState.QUEUED,
                and_(col(MatchRun.state) == MatchRunState.RUNNING, col(MatchRun.claimed_until) < now),
            )
        )
        .order_by(col(MatchRun.id))
    ).first()


def get_run(session: Session, run_id: int) -> MatchRun | None:
    return session.exec(select(MatchRun).where(MatchRun.id == run_id).execution_options(populate_existing=True)).first()


def renew_run(session: Session, run_id: int, attempt: int, until: datetime) -> bool:
    """The claim of attempt `attempt` on a running matching, pushed to `until`; False when it is no longer that
    attempt's (taken over, superseded)."""
    renewed = session.execute(
        update(MatchRun)
        .where(
            col(MatchRun.id) == run_id,
            col(MatchRun.state) == MatchRunState.RUNNING,
            col(MatchRun.attempts) == attempt,
        )
        .values(claimed_until=until)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


# What a new outbox row holds besides what its writer gives: nothing tried yet.
OUTBOX_UNTRIED: dict[str, Any] = {
    "state": OutboxState.PENDING,
    "attempts": 0,
    "lease_until": None,
    "maybe_sent": False,
    "first_attempt_at": None,
    "error": None,
    "receipt": {},
    "reported": False,
    "failed_at": None,
    "sent_at": None,
}


def add_outbox(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows, given by their columns (workspace_id, key, recipient, conversation, message, not_before,
    expires_at, created_at); a key already in the outbox, or earlier in `rows`, is left as it is. Returns how many
    were new (a key another transaction writes at the same moment may be counted, though written once)."""
    fresh: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        fresh.setdefault((row["workspace_id"], row["key"]), row)
    for workspace_id in {w for w, _ in fresh}:
        keys = [k for w, k in fresh if w == workspace_id]
        for key in session.exec(
            select(Outbox.key).where(Outbox.workspace_id == workspace_id, col(Outbox.key).in_(keys))
        ).all():
            del fresh[(workspace_id, key)]
    if not fresh:
        return 0
    # Plain values rather than Outbox instances: building a model per row costs more than inserting it.
    values = [OUTBOX_UNTRIED | row for row in fresh.values()]
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Outbox.__table__  # type: ignore[attr-defined]
    # The keys already there were left out above; the conflict clause keeps a key written once when another
    # transaction writes it meanwhile. No RETURNING: the driver then sends the rows as one prepared statement
    # many times over, several times faster than SQLAlchemy's multi-row VALUES that RETURNING needs.
    session.connection().execute(upsert(table).on_conflict_do_nothing(index_elements=["workspace_id", "key"]), values)
    return len(values)


def claimable_outbox(
    session: Session,
    now: datetime,
    limit: int,
    since: datetime,
    latest_lease: datetime,
    latest_wait: datetime,
    pages: int = 4,
) -> Sequence[Outbox]:
    """Up to `limit` rows to send now, oldest first and at most one per conversation; locked for this transaction.

    A row goes when it is due (or its worker's lease ran out), when it is the oldest message not yet sent of its
    conversation (messages to one conversation keep their order), and when its conversation has nothing in
    flight and nothing sent after `since` (the pace per conversation). The due rows are read by pages of their
    ids, oldest first, and only the page's conversations are looked at: a claim costs the rows it looks at, not
    the whole queue. A page whose rows must all wait (a burst to one channel) does not hide the due rows behind
    it: the next page is read, up to `pages`.

    A lease or a wait ending after `latest_lease` / `latest_wait` was set by a clock far ahead of this one (a host
    moved in time): it is not waited out; nor is a message sent after `now`. Rows another worker holds are
    skipped (PostgreSQL); SQLite has one writer at a time anyway.
    """
    state, not_before, lease_until = col(Outbox.state), col(Outbox.not_before), col(Outbox.lease_until)
    # Each state apart: the index on the state then gives the rows in the order of their ids (SQLite's holds the
    # rowid), and a page is read without sorting every waiting row.
    due = (state == OutboxState.PENDING) & ((not_before <= now) | (not_before > latest_wait))
    taken_back = (state == OutboxState.SENDING) & ((lease_until < now) | (lease_until > latest_lease))
    waiting = due | taken_back
    # A workspace the app was removed from gets nothing: its rows wait, unsent, for a reinstall.
    installed = select(Workspace.id).where(col(Workspace.uninstalled_at).is_(None))
    found: list[Outbox] = []
    after, size = 0, 4 * limit
    for _ in range(pages):
        page = sorted(
            (i or 0, conversation)
            for which in (due, taken_back)
            for i, conversation in session.exec(
                select(Outbox.id, Outbox.conversation)
                .where(which, col(Outbox.id) > after, col(Outbox.workspace_id).in_(installed))
                .order_by(col(Outbox.id))
                .limit(size)
            ).all()
        )[:size]
        if not page:
            break
        first, busy = _conversations(session, sorted({c for _, c in page}), now, since, latest_lease)
        chosen = [i for i, c in page if c not in busy and first.get(c) == i][: limit - len(found)]
        if chosen:
            # `waiting` again: a row another worker claimed since the page was read is locked afresh, and left.
            rows = select(Outbox).where(col(Outbox.id).in_(chosen), waiting).order_by(col(Outbox.id))
            found += session.exec(rows.with_for_update(skip_locked=True)).all()
        if len(found) >= limit or len(page) < size:
            break
        after = page[-1][0]
    return found


def _conversations(
    session: Session, conversations: Sequence[str], now: datetime, since: datetime, latest_lease: datetime
) -> tuple[dict[str, int], set[str]]:
    """Of each conversation, its oldest message not yet sent; and those with a message in flight, or one sent
    after `since`, whose next message waits its turn. In one query over the conversations' rows.

    A time after `now` (sent) or after `latest_lease` (in flight) comes from a clock that was ahead: not waited for.
    """
    state, lease_until, sent_at = col(Outbox.state), col(Outbox.lease_until), col(Outbox.sent_at)
    unsent = state.in_((OutboxState.PENDING, OutboxState.SENDING))
    flying = (state == OutboxState.SENDING) & (lease_until >= now) & (lease_until <= latest_lease)
    recent = (sent_at > since) & (sent_at <= now)
    rows = session.exec(
        select(
            Outbox.conversation,
            func.min(case((unsent, col(Outbox.id)))),
            func.max(case((flying | recent, 1), else_=0)),
        )
        .where(col(Outbox.conversation).in_(conversations))
        .group_by(Outbox.conversation)
    ).all()
    first = {conversation: oldest for conversation, oldest, _ in rows if oldest is not None}
    return first, {conversation for conversation, _, waits in rows if waits}


def get_outbox(session: Session, outbox_id: int) -> Outbox | None:
    return session.get(Outbox, outbox_id, with_for_update=True)


def unreported_failures(session: Session, limit: int = 500) -> Sequence[Outbox]:
    return session.exec(
        select(Outbox)
        .where(
            col(Outbox.state).in_((OutboxState.UNDELIVERABLE, OutboxState.DEAD)),
            col(Outbox.reported).is_(False),
        )
        .order_by(col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def get_address(session: Session, workspace_id: int, owner: str, owner_id: int) -> Address | None:
    return session.exec(
        select(Address).where(
            Address.workspace_id == workspace_id, Address.owner == owner, Address.owner_id == owner_id
        )
    ).first()


def keep_address(
    session: Session, workspace_id: int, owner: str, owner_id: int, ref: dict[str, Any], now: datetime
) -> None:
    """Remember where a person or a pair is reached; a newer reference replaces the old one."""
    found = get_address(session, workspace_id, owner, owner_id)
    if found is None:
        added = Address(workspace_id=workspace_id, owner=owner, owner_id=owner_id, ref=ref, updated_at=now)
        if _added(session, added):
            return
        found = get_address(session, workspace_id, owner, owner_id)
    if found is not None and found.ref != ref:
        found.ref, found.updated_at = ref, now


def commitments_of_person(session: Session, workspace_id: int, person_id: int) -> Sequence[Commitment]:
    """Each commitment a person made to a pair's charter."""
    return session.exec(
        select(Commitment)
        .where(Commitment.workspace_id == workspace_id, Commitment.person_id == person_id)
        .order_by(col(Commitment.id))
    ).all()


def add_rematch_request(
    session: Session, workspace_id: int, pair_id: int, person_id: int, now: datetime
) -> RematchRequest:
    request = RematchRequest(workspace_id=workspace_id, pair_id=pair_id, asked_by=person_id, asked_at=now)
    session.add(request)
    session.flush()
    return request


def get_rematch_request(session: Session, workspace_id: int, request_id: int) -> RematchRequest | None:
    return session.exec(
        select(RematchRequest)
        .where(RematchRequest.workspace_id == workspace_id, RematchRequest.id == request_id)
        .execution_options(populate_existing=True)
    ).first()


def rematch_requests_of_pairs(session: Session, workspace_id: int, pair_ids: Sequence[int]) -> Sequence[RematchRequest]:
    """Every request about these pairs, the oldest first."""
    return session.exec(
        select(RematchRequest)
        .where(RematchRequest.workspace_id == workspace_id, col(RematchRequest.pair_id).in_(pair_ids))
        .order_by(col(RematchRequest.id))
        .execution_options(populate_existing=True)
    ).all()


def rematch_requests_of_person(session: Session, workspace_id: int, person_id: int) -> Sequence[RematchRequest]:
    """The requests a person made, the oldest first."""
    return session.exec(
        select(RematchRequest)
        .where(RematchRequest.workspace_id == workspace_id, RematchRequest.asked_by == person_id)
        .order_by(col(RematchRequest.id))
    ).all()


def forget_rematch_requests(session: Session, workspace_id: int, person_id: int, pair_ids: Sequence[int]) -> None:
    """A person erased: requests about their pairs go; a coordinator's decisions stay, without their name."""
    session.execute(
        delete(RematchRequest).where(
            col(RematchRequest.workspace_id) == workspace_id,
            col(RematchRequest.pair_id).in_(pair_ids) | (col(RematchRequest.asked_by) == person_id),
        )
    )
    decided = select(RematchRequest).where(
        RematchRequest.workspace_id == workspace_id, RematchRequest.decided_by == person_id
    )
    for request in session.exec(decided).all():
        request.decided_by = None
    session.flush()


def due_pairs(session: Session, now: datetime, limit: int, workspace_id: int | None = None) -> Sequence[Pair]:
    """Live pairs the tick should look at by `now`, in every workspace, the longest waiting first; locked, and
    skipped when another instance holds them (PostgreSQL), so that two ticks never work on one pair."""
    query = select(Pair).where(col(Pair.status).in_(LIVE_STATUSES), col(Pair.next_check_at) <= now)
    if workspace_id is not None:
        query = query.where(Pair.workspace_id == workspace_id)
    query = query.order_by(col(Pair.next_check_at), col(Pair.id)).limit(limit)
    return session.exec(query.with_for_update(skip_locked=True).execution_options(populate_existing=True)).all()


def meetings_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[Meeting]:
    return session.exec(
        select(Meeting).where(col(Meeting.pair_id).in_(pair_ids)).order_by(col(Meeting.starts_at), col(Meeting.id))
    ).all()


def nudges_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[Nudge]:
    return session.exec(select(Nudge).where(col(Nudge.pair_id).in_(pair_ids)).order_by(col(Nudge.id))).all()


def nudge_times_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[tuple[int, int, str, datetime]]:
    """(pair, period, kind, when written) of every nudge of these pairs, the oldest written first."""
    found = session.exec(
        select(Nudge.pair_id, Nudge.period, Nudge.kind, Nudge.sent_at)
        .where(col(Nudge.pair_id).in_(pair_ids))
        .order_by(col(Nudge.id))
    ).all()
    return [(pair_id, period, kind, sent_at) for pair_id, period, kind, sent_at in found]


def add_nudges(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert nudges, given by their columns, in one statement."""
    if rows:
        session.execute(insert(Nudge), rows)


def outbox_states(
    session: Session, workspace_id: int, keys: Sequence[str]
) -> Sequence[tuple[str, str, datetime | None]]:
    """(key, state, when sent) of the workspace's outbox rows of these keys."""
    if not keys:
        return []
    found = session.exec(
        select(Outbox.key, Outbox.state, Outbox.sent_at).where(
            Outbox.workspace_id == workspace_id, col(Outbox.key).in_(keys)
        )
    ).all()
    return [(key, state, sent_at) for key, state, sent_at in found]


def look_again_at_pairs(session: Session, workspace_id: int, programme_id: int, now: datetime) -> None:
    """Every live pair of the programme is due for the tick by `now`, unless it is due sooner already."""
    next_check = col(Pair.next_check_at)
    session.execute(
        update(Pair)
        .where(
            col(Pair.workspace_id) == workspace_id,
            col(Pair.programme_id) == programme_id,
            col(Pair.status).in_(LIVE_STATUSES),
            next_check.is_(None) | (next_check > now),
        )
        .values(next_check_at=now)
        .execution_options(synchronize_session="fetch")
    )


def set_next_checks(session: Session, looks: Sequence[tuple[Pair, datetime | None]]) -> None:
    """When the tick looks at each of these pairs again, written in one statement; the pairs in the session get
    the same values without being written again one by one (an update per pair is most of a flush's work)."""
    if not looks:
        return
    session.execute(update(Pair), [{"id": pair.id, "next_check_at": at} for pair, at in looks])
    for pair, at in looks:
        set_committed_value(pair, "next_check_at", at)


def pulsed_meetings(session: Session, meeting_ids: Sequence[int]) -> set[int]:
    """The sessions whose pulses were asked already."""
    if not meeting_ids:
        return set()
    return set(session.exec(select(Pulse.meeting_id).where(col(Pulse.meeting_id).in_(meeting_ids))).all())


def surveys_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[Survey]:
    return session.exec(select(Survey).where(col(Survey.pair_id).in_(pair_ids))).all()


def answered_pulses_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[Pulse]:
    return session.exec(
        select(Pulse).where(col(Pulse.pair_id).in_(pair_ids), col(Pulse.answered_at).is_not(None))
    ).all()


def answered_zones(session: Session, programme_id: int, person_ids: Sequence[int]) -> dict[int, Any]:
    """The time zone each of these people gave when they joined the programme (None if none), by person id: that
    answer alone, not their whole enrollment."""
    found = session.exec(
        select(Enrollment.person_id, Enrollment.answers["timezone"]).where(
            Enrollment.programme_id == programme_id, col(Enrollment.person_id).in_(person_ids)
        )
    ).all()
    return dict(found)


def enrollments_of(session: Session, programme_id: int, person_ids: Sequence[int]) -> dict[int, Enrollment]:
    found = session.exec(
        select(Enrollment).where(Enrollment.programme_id == programme_id, col(Enrollment.person_id).in_(person_ids))
    ).all()
    return {e.person_id: e for e in found}


def upcoming_meeting(session: Session, pair_id: int, now: datetime) -> Meeting | None:
    """The pair's next booked session that has not begun."""
    return session.exec(
        select(Meeting)
        .where(Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.BOOKED, col(Meeting.starts_at) > now)
        .order_by(col(Meeting.starts_at))
    ).first()


def held_meeting_since(session: Session, pair_id: int, since: datetime) -> Meeting | None:
    return session.exec(
        select(Meeting).where(
            Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.HELD, col(Meeting.starts_at) >= since
        )
    ).first()


def count_cancelled_by(session: Session, pair_id: int, person_id: int) -> int:
    """How many of the pair's sessions this member cancelled."""
    found = session.exec(
        select(func.count(col(Meeting.id))).where(
            Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.CANCELLED, Meeting.cancelled_by == person_id
        )
    ).one()
    return int(found)


def meeting_by_token(session: Session, token: str) -> Meeting | None:
    """The session whose calendar file this address names, in whichever workspace."""
    return session.exec(select(Meeting).where(Meeting.token == token)).first()


def waiting_outbox(session: Session, workspace_id: int, prefix: str) -> Sequence[Outbox]:
    """Messages still waiting whose key starts with `prefix`."""
    return session.exec(
        select(Outbox).where(
            Outbox.workspace_id == workspace_id,
            col(Outbox.key).startswith(prefix, autoescape=True),
            Outbox.state == OutboxState.PENDING,
        )
    ).all()


def count_held(session: Session, pair_id: int) -> int:
    found = session.exec(
        select(func.count(col(Meeting.id))).where(Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.HELD)
    ).one()
    return int(found)


def programmes_not_erased(session: Session) -> Sequence[Programme]:
    """Every programme, in every workspace, whose personal data is still kept."""
    return session.exec(select(Programme).where(col(Programme.erased_at).is_(None))).all()


def last_confirmation(session: Session, workspace_id: int, programme_id: int) -> datetime | None:
    """When the programme's latest pair was announced, if any was."""
    found = session.exec(
        select(func.max(col(Pair.confirmed_at))).where(
            Pair.workspace_id == workspace_id, Pair.programme_id == programme_id
        )
    ).one()
    return found if isinstance(found, datetime) else None


def pulses_of_meeting(session: Session, meeting_id: int) -> Sequence[Pulse]:
    """The pulses asked about one session, one per member."""
    return session.exec(select(Pulse).where(Pulse.meeting_id == meeting_id).order_by(col(Pulse.id))).all()


def pulses_of_pairs(session: Session, pair_ids: Sequence[int]) -> Sequence[Pulse]:
    return session.exec(select(Pulse).where(col(Pulse.pair_id).in_(pair_ids))).all()


def pairs_by_id(session: Session, workspace_id: int, pair_ids: Sequence[int]) -> dict[int, Pair]:
    held, missing = _held(session, Pair, pair_ids)
    found = {i: p for i, p in held.items() if p.workspace_id == workspace_id}
    if missing:
        rows = session.exec(select(Pair).where(Pair.workspace_id == workspace_id, col(Pair.id).in_(missing))).all()
        found |= {p.id: p for p in rows if p.id is not None}
    return found


def people_of(session: Session, person_ids: Sequence[int]) -> dict[int, Person]:
    """People by id in whichever workspace, as `session.get` finds them: the outbox names its recipients by id."""
    found, missing = _held(session, Person, person_ids)
    if missing:
        rows = session.exec(select(Person).where(col(Person.id).in_(missing))).all()
        found |= {p.id: p for p in rows if p.id is not None}
    return found


def _held(session: Session, model: type[T], ids: Sequence[int]) -> tuple[dict[int, T], list[int]]:
    """The rows of these ids the session holds already, loaded and not deleted, and the ids of the others.

    Reading rows again that the session holds costs as much as the first time, for the same objects (a tick reads
    a batch's pairs and people, then writes its messages to them)."""
    held: dict[int, T] = {}
    missing: list[int] = []
    for row_id in ids:
        row = session.identity_map.get(identity_key(model, row_id))
        if row is not None and not inspect(row).expired_attributes and row not in session.deleted:
            held[row_id] = row
        else:
            missing.append(row_id)
    return held, missing


def outbox_recipients(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, dict[str, Any]]]:
    """The workspace and recipient of each of these outbox rows, by id: those not found are gone."""
    if not ids:
        return {}
    found = session.exec(select(Outbox.id, Outbox.workspace_id, Outbox.recipient).where(col(Outbox.id).in_(ids)))
    return {i: (workspace_id, dict(recipient)) for i, workspace_id, recipient in found.all() if i is not None}


def mark_outbox_sent(session: Session, sent: Sequence[tuple[int, datetime, dict[str, Any]]]) -> None:
    """Rows taken by the platform, each with when and its receipt, in one statement sent with many parameters:
    their lease and last error go; a row no longer there is left alone."""
    if not sent:
        return
    table = Outbox.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            state=OutboxState.SENT,
            sent_at=bindparam("at"),
            receipt=bindparam("receipt"),
            lease_until=None,
            error=None,
        )
    )
    params = [{"row_id": i, "at": at, "receipt": receipt} for i, at, receipt in sent]
    session.connection().execute(statement, params)


def user_ids_of(session: Session, workspace_id: int, person_ids: Sequence[int]) -> dict[int, str]:
    """The platform user id of each of these people of the workspace, by their id: those gone are left out."""
    if not person_ids:
        return {}
    found = session.exec(
        select(Person.id, Person.user_id).where(Person.workspace_id == workspace_id, col(Person.id).in_(person_ids))
    )
    return {i: user_id for i, user_id in found.all() if i is not None}


def pair_members(session: Session, workspace_id: int, pair_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """The mentor and mentee of each of these pairs of the workspace, by the pair's id."""
    if not pair_ids:
        return {}
    found = session.exec(
        select(Pair.id, Pair.mentor_id, Pair.mentee_id).where(
            Pair.workspace_id == workspace_id, col(Pair.id).in_(pair_ids)
        )
    )
    return {i: (mentor, mentee) for i, mentor, mentee in found.all() if i is not None}


def addresses_of(session: Session, workspace_id: int, owner: str, owner_ids: Sequence[int]) -> dict[int, Address]:
    """Where each of these people or pairs was reached before, by their id."""
    if not owner_ids:
        return {}
    found = session.exec(
        select(Address).where(
            Address.workspace_id == workspace_id, Address.owner == owner, col(Address.owner_id).in_(owner_ids)
        )
    ).all()
    return {a.owner_id: a for a in found}


def people_addressed_as(session: Session, workspace_id: int, key: str, values: Sequence[str]) -> dict[str, Person]:
    """The people whose kept address says `key` is one of `values` (any case), by that value in lower case."""
    wanted = sorted({v.lower() for v in values})
    if not wanted:
        return {}
    found = session.exec(
        select(Address, Person)
        .join(Person, col(Person.id) == col(Address.owner_id))
        .where(
            Address.workspace_id == workspace_id,
            Address.owner == "person",
            func.lower(col(Address.ref)[key].as_string()).in_(wanted),
        )
    ).all()
    return {str(address.ref.get(key, "")).lower(): person for address, person in found}


def keep_addresses(
    session: Session, workspace_id: int, owner: str, refs: dict[int, dict[str, Any]], now: datetime
) -> None:
    """As `keep_address`, for many people or pairs at once: one read, one insert of those not known yet."""
    if not refs:
        return
    found = addresses_of(session, workspace_id, owner, sorted(refs))
    for owner_id, address in found.items():
        if address.ref != refs[owner_id]:
            address.ref, address.updated_at = refs[owner_id], now
    new = [
        {"workspace_id": workspace_id, "owner": owner, "owner_id": i, "ref": ref, "updated_at": now}
        for i, ref in refs.items()
        if i not in found
    ]
    if not new:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Address.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["workspace_id", "owner", "owner_id"])
        .returning(table.c.owner_id)
    )
    inserted = set(session.connection().execute(statement, new).scalars())
    # Another transaction inserted some of them first: theirs are updated as `keep_address` would.
    for owner_id in sorted(set(refs) - set(found) - inserted):
        keep_address(session, workspace_id, owner, owner_id, refs[owner_id], now)


def add_download(session: Session, download: Download) -> None:
    session.add(download)
    session.flush()


def get_download(session: Session, token: str, now: datetime) -> Download | None:
    return session.exec(select(Download).where(Download.token == token, col(Download.expires_at) > now)).first()


def forget_downloads_before(session: Session, before: datetime) -> None:
    session.execute(delete(Download).where(col(Download.expires_at) <= before))
