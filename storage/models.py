"""Every table of Passerelle. Each row belongs to exactly one workspace."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Enum, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage import slack_tables

assert slack_tables  # slack_sdk's tables join the same metadata, migrations and schema comparison


class EnrollmentStatus(StrEnum):
    """Where a person stands in a programme; bot/volunteers/enrollment.py makes every change."""

    ONBOARDING = "onboarding"
    READY = "ready"
    MATCHED = "matched"
    PAUSED = "paused"
    LEFT = "left"


class PairStatus(StrEnum):
    """Where a pair stands; bot/pairing/pair.py makes every change."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    AT_RISK = "at_risk"
    ENDED = "ended"


def _status_type(statuses: type[StrEnum]) -> Enum:
    # The same VARCHAR(16) holding the same words as before, so no row changes: a native PostgreSQL ENUM would
    # need an ALTER TYPE for every new status, and SQLite has none. Values, not member names, are stored, and an
    # unknown word is refused before it reaches the database.
    return Enum(
        statuses,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


LIVE = f"status IN ('{PairStatus.ACTIVE}', '{PairStatus.AT_RISK}')"  # pairs that hold their members


class Workspace(SQLModel, table=True):
    """One installation: a Slack team, a Teams tenant, or the local console."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    created_at: datetime
    # Set when the app is uninstalled or its bot token revoked: nothing more is sent there, and the data stays
    # until its retention ends. A reinstall clears it, and what waited in the outbox goes out.
    uninstalled_at: datetime | None = None


class Person(SQLModel, table=True):
    """A user of a workspace on one platform."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        # A workspace's few coordinators, found without reading all its people (the tick tells them of pairs at risk).
        Index(
            "ix_person_coordinators",
            "workspace_id",
            sqlite_where=text("is_coordinator = 1"),
            postgresql_where=text("is_coordinator"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    user_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    platform_locale: str | None = Field(default=None, max_length=16)
    chosen_locale: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    is_coordinator: bool = False
    created_at: datetime


class Programme(SQLModel, table=True):
    """A reverse-mentoring programme; commands act on the one current programme of its workspace."""

    __table_args__ = (
        Index(
            "uq_programme_current",
            "workspace_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=120)
    is_current: bool = False
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date | None = None
    end_date: date | None = None
    quiet_start: str = Field(default="18:00", max_length=5)
    quiet_end: str = Field(default="09:00", max_length=5)
    locale: str = Field(default="en", max_length=8)
    community_channel: str | None = Field(default=None, max_length=64)
    # Matching: "most-pairs" or "best-pairs", the lowest score kept in best-pairs, the career gap.
    match_mode: str = Field(default="most-pairs", max_length=16)
    min_score: int = 0
    min_gap: int = 1
    match_weights: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # "preferred": a pair with no topic in common may be proposed, scored low; "required": never.
    topic_overlap: str = Field(default="preferred", max_length=16, sa_column_kwargs={"server_default": "preferred"})
    # The cadence (bot/lifecycle/cadence.py): sessions of `session_minutes`, one a month for the first
    # `monthly_sessions` periods, then one a quarter, over `length_months` from the start unless an end is set.
    session_minutes: int = Field(default=60, sa_column_kwargs={"server_default": "60"})
    monthly_sessions: int = Field(default=4, sa_column_kwargs={"server_default": "4"})
    length_months: int = Field(default=6, sa_column_kwargs={"server_default": "6"})
    target_min: int = Field(default=4, sa_column_kwargs={"server_default": "4"})
    target_max: int = Field(default=6, sa_column_kwargs={"server_default": "6"})
    # The days messages go out on (0 is Monday), between quiet_end and quiet_start in each recipient's time zone.
    working_days: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        sa_column=Column(JSON, nullable=False, server_default="[0, 1, 2, 3, 4]"),
    )
    # How long after its end a programme's personal data is kept, in months; once erased, only its anonymous
    # figures are left (bot/lifecycle/retention.py).
    retention_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    # The day the coordinators were last told the erasure would come: never less than a month after they were told.
    erasure_on: date | None = None
    erased_at: datetime | None = None
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    created_at: datetime


class Enrollment(SQLModel, table=True):
    """A person's participation in a programme, with their profile answers."""

    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str | None = Field(default=None, max_length=8)
    status: EnrollmentStatus = Field(default=EnrollmentStatus.ONBOARDING, sa_type=_status_type(EnrollmentStatus))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    paused_until: date | None = None
    # What `resume` gives back (a matched person stays matched while her pair lasts).
    paused_from: EnrollmentStatus | None = Field(default=None, sa_type=_status_type(EnrollmentStatus))
    consented_at: datetime
    updated_at: datetime


class Conversation(SQLModel, table=True):
    """Where a person stands in their onboarding conversation; survives restarts."""

    __table_args__ = (UniqueConstraint("workspace_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    programme_id: int = Field(foreign_key="programme.id")
    step: str = Field(max_length=32)
    draft: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    editing: bool = False
    updated_at: datetime


class Pair(SQLModel, table=True):
    """A mentor and a mentee of a programme: proposed by a matching, then active, at risk or ended."""

    __table_args__ = (
        # A mentee has at most one pair that holds her, and at most one proposed pair, per programme.
        Index(
            "uq_pair_live_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
        Index(
            "uq_pair_proposed_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text(f"status = '{PairStatus.PROPOSED}'"),
            postgresql_where=text(f"status = '{PairStatus.PROPOSED}'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    mentor_id: int = Field(foreign_key="person.id", index=True)
    mentee_id: int = Field(foreign_key="person.id", index=True)
    status: PairStatus = Field(default=PairStatus.PROPOSED, sa_type=_status_type(PairStatus))
    pinned: bool = False  # kept by the coordinator when the matching runs again
    score: int = 0
    components: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    objectives: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ended_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime
    confirmed_at: datetime | None = None
    ended_at: datetime | None = None
    # When the tick should look at this pair again (bot/lifecycle/tick.py): the tick reads only pairs due, so its
    # cost follows the work due, not the number of pairs. None: nothing will be due (proposed or ended).
    next_check_at: datetime | None = Field(default=None, index=True)
    paused_until: date | None = None  # "Pause until": nothing is asked of the pair before that day
    snoozed_until: datetime | None = None  # "Snooze": the next nudge waits until then
    # The last time each member did anything for the pair (pressed, booked, answered): three nudges in a row
    # after it, and that member is asked privately whether to stay.
    mentor_seen_at: datetime | None = None
    mentee_seen_at: datetime | None = None


class Commitment(SQLModel, table=True):
    """One member's commitment to their pair's charter: a row each, so two pressing at once both count."""

    __table_args__ = (UniqueConstraint("pair_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    committed_at: datetime


class MatchRunState(StrEnum):
    """Where a matching stands; bot/pairing/runs.py makes every change."""

    QUEUED = "queued"  # asked for, waiting for a worker
    RUNNING = "running"  # claimed by a worker until `claimed_until`, which it renews while the matching runs
    DONE = "done"  # its proposal is written
    FAILED = "failed"  # it could not finish; the coordinators who asked were told
    SUPERSEDED = "superseded"  # the rules changed (a forbid): a newer run replaces it, and its result is dropped


class MatchRun(SQLModel, table=True):
    """A matching of a programme: asked for, run out of the request, then who was in the pool and why some stayed
    unmatched."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    state: MatchRunState = Field(default=MatchRunState.DONE, sa_type=_status_type(MatchRunState), index=True)
    # The coordinators who asked for it, who get its preview; the first one's channel writes its commands.
    watchers: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    command_prefix: str = Field(default="", max_length=32)
    pool_size: int = 0
    expected_seconds: float = 0.0  # told to whoever asks while it runs
    seconds: float | None = None  # measured: the next run's estimate starts from it
    attempts: int = 0  # a worker that died mid-run leaves its claim to expire, and another takes it over
    claimed_until: datetime | None = None
    started_at: datetime | None = None
    unmatched: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [user, why]
    created_at: datetime


class Forbidden(SQLModel, table=True):
    """A pair a coordinator ruled out for a programme."""

    __table_args__ = (UniqueConstraint("programme_id", "mentor_id", "mentee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    mentor_id: int = Field(foreign_key="person.id")
    mentee_id: int = Field(foreign_key="person.id")
    created_at: datetime


class Delivery(SQLModel, table=True):
    """An inbound delivery already handled (Slack redelivers events with the same id)."""

    __table_args__ = (UniqueConstraint("workspace_id", "delivery_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    delivery_id: str = Field(max_length=64)
    received_at: datetime = Field(index=True)


class Download(SQLModel, table=True):
    """A file handed to a person where their channel cannot carry it (a Teams bot's chat): served for a while at
    an address only its token opens."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    token: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=120)
    content: bytes
    created_at: datetime
    expires_at: datetime = Field(index=True)


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its time, or for its next attempt
    SENDING = "sending"  # claimed by a worker until `lease_until`
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # the platform refused it for good
    DEAD = "dead"  # still failing after the last attempt
    DROPPED = "dropped"  # lost its point before it went out (a reminder for a session moved)


class Outbox(SQLModel, table=True):
    """A message the bot sends on its own, stored in the transaction that causes it; its key is sent once."""

    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    key: str = Field(max_length=120)
    # Who it is for, as the core names them: {"kind": "person"|"pair", "id": …} or {"kind": "channel", "ref": …}.
    recipient: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Messages to one conversation go out one after the other, in order.
    conversation: str = Field(max_length=80, index=True)
    message: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Who the message names or quotes (person ids), and the programme it was written for: an erasure finds the
    # rows that would still hold a person's name or words in someone else's conversation. None: it names nobody.
    about: list[int] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    programme_id: int | None = None
    state: str = Field(default=OutboxState.PENDING, max_length=16, index=True)
    not_before: datetime = Field(index=True)
    # A reminder loses its point at some time (a session's start): not sent after it, however late the delivery.
    expires_at: datetime | None = None
    attempts: int = 0
    lease_until: datetime | None = None
    # An attempt may have reached the platform without an answer (a timeout, a worker killed): look before resending.
    maybe_sent: bool = False
    first_attempt_at: datetime | None = None
    error: str | None = Field(default=None, max_length=120)  # the last failure, as a neutral reason
    receipt: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reported: bool = False  # coordinators told that it could not be delivered
    failed_at: datetime | None = None  # when it was given up
    created_at: datetime
    sent_at: datetime | None = None


class Address(SQLModel, table=True):
    """Where a person or a pair is reached on a platform: a Slack DM or group DM, a Teams conversation reference."""

    __table_args__ = (UniqueConstraint("workspace_id", "owner", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    owner: str = Field(max_length=8)  # "person" or "pair"
    owner_id: int
    ref: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class RematchOutcome(StrEnum):
    ENDED = "ended"
    KEPT = "kept"


class RematchRequest(SQLModel, table=True):
    """A member's "not a good fit": a request to the coordinators, who end the pair or keep it."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    asked_by: int = Field(foreign_key="person.id")
    asked_at: datetime
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    outcome: RematchOutcome | None = Field(default=None, sa_type=_status_type(RematchOutcome))


class MeetingStatus(StrEnum):
    """Where a session stands; bot/lifecycle/meeting.py makes every change."""

    BOOKED = "booked"
    HELD = "held"
    MISSED = "missed"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    """One session of a pair (the vocabulary's Session; named so as not to be taken for a database session)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    starts_at: datetime
    minutes: int = 60
    timezone: str = Field(default="UTC", max_length=64)  # the zone its time was chosen in, for the invite
    format: str = Field(default="video", max_length=16)  # "in_person" or "video"
    place: str = Field(default="", max_length=300)  # a room, an address or a video link
    status: MeetingStatus = Field(default=MeetingStatus.BOOKED, sa_type=_status_type(MeetingStatus))
    sequence: int = 0  # the invite's SEQUENCE, raised on each change
    # The calendar file's address holds this: unguessable, and changed to withdraw a link handed out.
    token: str = Field(max_length=64, unique=True)
    booked_by: int | None = Field(default=None, foreign_key="person.id")
    cancelled_by: int | None = Field(default=None, foreign_key="person.id")
    talking_points: str | None = Field(default=None, max_length=2000)
    created_at: datetime
    updated_at: datetime


class Nudge(SQLModel, table=True):
    """A nudge written for a pair: one of each kind per period, ever."""

    __table_args__ = (UniqueConstraint("pair_id", "period", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    period: int
    kind: str = Field(max_length=16)  # "book", "reminder", "last"
    sent_at: datetime


class Pulse(SQLModel, table=True):
    """One member's feedback on one session: seen by nobody but its author, counted only in aggregates."""

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    happened: str | None = Field(default=None, max_length=16)  # "yes", "postponed", "cancelled"
    rating: int | None = None  # 1–5
    progress: int | None = None  # 1–5, on the pair's objectives
    fit: str | None = Field(default=None, max_length=16)  # "good", "not_good", after the first session only
    comment: str | None = Field(default=None, max_length=2000)
    answered_at: datetime | None = None


class Survey(SQLModel, table=True):
    """One member's answers to the mid-programme checkpoint or to the end-of-programme survey."""

    __table_args__ = (UniqueConstraint("pair_id", "person_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=16)  # "checkpoint" or "end"
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sent_at: datetime
    answered_at: datetime | None = None
