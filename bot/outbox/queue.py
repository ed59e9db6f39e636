"""The outbox's rows: written with their cause, claimed by a worker under a lease, settled once sent or refused."""

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.i18n import Tr, translator
from bot.outbox.codec import decode, encode
from bot.outbox.parcel import Parcel, Retry, Sent
from bot.people import reading, zone_given
from bot.recipients import WITHOUT_PAIR_CONVERSATIONS, ToCaller, ToChannel, ToCoordinators, ToPair, ToPerson
from bot.ui import MARKUP, Buttons, Message, Reply
from bot.working_hours import WorkingHours, next_open_for_all, of_programme
from storage import queries
from storage.db import session as open_session
from storage.models import Address, Outbox, OutboxState, Pair, Person, Programme, Workspace

# Notices to coordinators about messages that could not be delivered: they never give up, or a failure would go
# untold.
NOTICE = "undeliverable:"
# Between a message's key and the recipient of one of its copies: `intro:pair:5:to:12`.
PAIR_COPY = ":to:"


# How far apart the clocks of two instances may be. A lease or a wait ending later than the policy allows, by more
# than this, was set by a clock moved ahead (a host suspended, set wrong): it is not waited out for months.
SKEW = timedelta(minutes=5)
# The longest a message waits for working hours: a week holds at least one working day.
LONGEST_HOLD = timedelta(days=8)
# The recipients whose conversation is kept, to be reached there again: a channel is its own address.
OWNERS = ("person", "pair")


@dataclass(frozen=True)
class Policy:
    """How hard the worker tries: the lease of a claim, retries and their backoff, the pace per conversation."""

    lease: timedelta = timedelta(seconds=60)
    attempts: int = 20
    first_wait: float = 2.0
    longest_wait: float = 1800.0
    # Slack takes about one message per second in a conversation; other channels are not faster.
    spacing: timedelta = timedelta(seconds=1)


def write(session: Session, programme: Programme, now: datetime, replies: Sequence[Reply]) -> int:
    """Store every reply for someone other than the caller as an outbox row; a key already there is a no-op.

    Each row waits for its recipient's working hours (the programme's, in the recipient's time zone)."""
    hours = of_programme(programme)
    people = _People.load(session, programme, replies)
    rows = [row for reply in replies for row in _rows(people, programme, hours, now, reply)]
    _mark_who_they_are_about(session, programme, rows)
    return queries.add_outbox(session, rows)


def _mark_who_they_are_about(session: Session, programme: Programme, rows: Sequence[dict[str, Any]]) -> None:
    """Each row records the people it names (its mentions) and its programme, so that an erasure finds it."""
    mentioned = [_mentions(row["message"]) for row in rows]
    user_ids = sorted({u for found in mentioned for u in found})
    people = queries.people_by_user_id(session, programme.workspace_id, user_ids) if user_ids else {}
    for row, found in zip(rows, mentioned, strict=True):
        named = {people[u].id for u in found if u in people} | set(row["about"] or ())
        row["about"] = sorted(i for i in named if i is not None) or None
        row["programme_id"] = programme.id


def _mentions(value: object) -> set[str]:
    """The user ids mentioned anywhere in an encoded message."""
    if isinstance(value, str):
        return {m.group(2) for m in MARKUP.finditer(value) if m.group(1) == "@"}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return {u for item in value for u in _mentions(item)}
    return set()


@dataclass
class _People:
    """Everyone the replies go to, with their time zones and pairs, read in a few queries rather than per reply."""

    by_id: dict[int, Person]
    zones: dict[int, str]
    pairs: dict[int, Pair]
    coordinators: Sequence[Person]
    pairs_apart: bool  # the channel has no conversation of a pair's own: each member is written to alone

    @classmethod
    def load(cls, session: Session, programme: Programme, replies: Sequence[Reply]) -> "_People":
        workspace_id = programme.workspace_id
        to = [reply.to for reply in replies]
        pairs = queries.pairs_by_id(session, workspace_id, [t.pair_id for t in to if isinstance(t, ToPair)])
        wanted = {t.person_id for t in to if isinstance(t, ToPerson)}
        wanted |= {m for p in pairs.values() for m in (p.mentor_id, p.mentee_id)}
        found = queries.people_of(session, sorted(wanted)) if wanted else {}
        told = any(isinstance(t, ToCoordinators) for t in to)
        coordinators = queries.coordinators(session, workspace_id) if told else []
        everyone = {p.id: p for p in [*found.values(), *coordinators] if p.id is not None}
        answered = queries.answered_zones(session, programme.id or 0, sorted(everyone))
        zones = {i: zone_given(p, answered.get(i)) for i, p in everyone.items()}
        workspace = session.get(Workspace, workspace_id) if pairs else None
        apart = workspace is not None and workspace.platform in WITHOUT_PAIR_CONVERSATIONS
        return cls(found, zones, pairs, coordinators, apart)

    def zone(self, person: Person | None) -> str:
        """As `zone_of`: the one they gave when they joined, else their platform's, else UTC."""
        return "UTC" if person is None or person.id is None else self.zones[person.id]


def _rows(
    people: _People, programme: Programme, hours: WorkingHours, now: datetime, reply: Reply
) -> list[dict[str, Any]]:
    assert reply.key is not None
    workspace_id, locale = programme.workspace_id, programme.locale

    def row(
        recipient: dict[str, object], conversation: str, tr: Tr, at: datetime, key: str = reply.key or ""
    ) -> dict[str, Any]:
        composed = reply.message if isinstance(reply.message, Message) else reply.message(tr)
        return {
            "workspace_id": workspace_id,
            "key": key,
            "recipient": recipient,
            "conversation": conversation,
            "message": encode(composed),
            "not_before": at,
            "expires_at": reply.expires,
            "about": list(reply.about) or None,
            "created_at": now,
        }

    def opens(person: Person | None) -> datetime:
        if reply.awaited:
            return now
        return hours.next_open_before(now, people.zone(person), reply.expires)

    to = reply.to
    if isinstance(to, ToPerson):
        person = people.by_id.get(to.person_id)
        tr = reading(person, locale)
        return [row({"kind": "person", "id": to.person_id}, f"person:{to.person_id}", tr, opens(person))]
    if isinstance(to, ToCoordinators):
        return [
            row(
                {"kind": "person", "id": c.id},
                f"person:{c.id}",
                reading(c, locale),
                opens(c),
                key=f"{reply.key}:to:{c.id}",
            )
            for c in people.coordinators
        ]
    if isinstance(to, ToPair):
        # A pair's messages come written in the language both members read (`members.tr_for_pair`), when both
        # are at work if their hours meet.
        pair = people.pairs.get(to.pair_id)
        if pair is not None and people.pairs_apart:
            # The same message, in the pair's language, to each member's own chat in their own hours; the key of
            # each names the pair's message (`withdraw` by its prefix reaches both).
            return [
                row(
                    {"kind": "person", "id": m, "pair": to.pair_id},
                    f"person:{m}",
                    translator(locale),
                    opens(people.by_id.get(m)),
                    key=f"{reply.key}{PAIR_COPY}{m}",
                )
                for m in (pair.mentor_id, pair.mentee_id)
            ]
        members = [people.by_id.get(m) for m in (pair.mentor_id, pair.mentee_id)] if pair else []
        at = next_open_for_all(hours, now, [people.zone(m) for m in members])
        return [row({"kind": "pair", "id": to.pair_id}, f"pair:{to.pair_id}", translator(locale), at)]
    if isinstance(to, ToChannel):
        # A channel is read by many, in many zones: its post goes when the coordinator who asked for it acted.
        return [row({"kind": "channel", "ref": to.channel}, f"channel:{to.channel}", translator(locale), now)]
    assert isinstance(to, ToCaller)
    return []


def rewrite_waiting(session: Session, workspace_id: int, key: str, message: Message) -> int:
    """The copies of a pair's message `key` not sent yet go out as it reads now: one member committed to the
    charter while the other's copy waited for their working hours, and that copy must not say nobody has."""
    rows = queries.waiting_outbox(session, workspace_id, key + PAIR_COPY)
    for row in rows:
        row.message = encode(message)
    return len(rows)


def withdraw(session: Session, workspace_id: int, prefix: str) -> int:
    """Messages still waiting whose key starts with `prefix` have lost their point: dropped, never sent."""
    rows = queries.waiting_outbox(session, workspace_id, prefix)
    for row in rows:
        row.state = OutboxState.DROPPED
    return len(rows)


def claim(engine: Engine, now: datetime, limit: int, policy: Policy) -> list[Parcel]:
    """Take up to `limit` due rows, one per conversation, and commit the lease before anything is sent."""
    return settle_and_claim(engine, [], now, limit, policy)


def settle_and_claim(
    engine: Engine, settled: Sequence[tuple[Parcel, Sent, datetime]], now: datetime, limit: int, policy: Policy
) -> list[Parcel]:
    """`sent_all` then `claim`, in one transaction: a busy worker's round is one commit, not two."""
    with open_session(engine) as session:
        _settle(session, settled)
        parcels = _claim(session, now, limit, policy) if limit > 0 else []
        session.commit()
        return parcels


def _claim(session: Session, now: datetime, limit: int, policy: Policy) -> list[Parcel]:
    latest_lease = now + policy.lease + SKEW
    latest_wait = now + max(timedelta(seconds=policy.longest_wait), LONGEST_HOLD) + SKEW
    rows = queries.claimable_outbox(session, now, limit, now - policy.spacing, latest_lease, latest_wait)
    live = []
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now and row.state == OutboxState.PENDING:
            row.state, row.error = OutboxState.DROPPED, "lost its point"  # the next in line goes at the next claim
        else:
            live.append(row)
    parcels: list[Parcel] = []
    found = _parcels(session, live)
    for row in live:
        parcel = found[row.id or 0]
        if parcel is None:
            row.state, row.reported, row.error = OutboxState.UNDELIVERABLE, True, "recipient erased"
            continue
        row.maybe_sent = row.maybe_sent or row.state == OutboxState.SENDING  # its worker died mid-way
        row.state, row.attempts, row.lease_until = OutboxState.SENDING, row.attempts + 1, now + policy.lease
        row.first_attempt_at = row.first_attempt_at or now
        parcels.append(replace(parcel, maybe_sent=row.maybe_sent))
    return parcels


def _parcels(session: Session, rows: Sequence[Outbox]) -> dict[int, Parcel | None]:
    """Who each row is for, as its channel needs to know them, None when they are gone; read for all the rows in
    a few queries per workspace, not a few per row."""
    by_workspace: dict[int, list[Outbox]] = defaultdict(list)
    for row in rows:
        by_workspace[row.workspace_id].append(row)
    found: dict[int, Parcel | None] = {}
    for workspace_id, theirs in by_workspace.items():
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None

        def owners(kind: str, theirs: list[Outbox] = theirs) -> list[int]:
            return sorted({int(r.recipient.get("id", 0)) for r in theirs if r.recipient.get("kind") == kind})

        # A pair's message sent to each member alone names the pair: the other member is who it is shared with.
        apart = sorted({int(r.recipient["pair"]) for r in theirs if "pair" in r.recipient})
        # Ids rather than whole rows: this is read for every message sent.
        pairs = queries.pair_members(session, workspace_id, sorted({*owners("pair"), *apart}))
        members = [m for pair in pairs.values() for m in pair]
        people = queries.user_ids_of(session, workspace_id, sorted({*owners("person"), *members}))
        partners = sorted({m for i in apart for m in pairs.get(i, ())})
        addresses = {
            kind: queries.addresses_of(session, workspace_id, kind, sorted({*owners(kind), *partners}))
            if kind == "person"
            else queries.addresses_of(session, workspace_id, kind, owners(kind))
            for kind in OWNERS
        }
        for row in theirs:
            assert row.id is not None
            found[row.id] = _parcel(row, workspace, people, pairs, addresses)
    return found


def _parcel(
    row: Outbox,
    workspace: Workspace,
    people: dict[int, str],
    pairs: dict[int, tuple[int, int]],
    addresses: dict[str, dict[int, Address]],
) -> Parcel | None:
    assert row.id is not None
    kind = str(row.recipient.get("kind"))
    base = Parcel(row.id, row.key, workspace.platform, workspace.external_id, decode(row.message))
    if kind == "channel":
        return replace(base, channel=str(row.recipient.get("ref")))
    owner_id = int(row.recipient.get("id", 0))
    members = (owner_id,) if kind == "person" else pairs.get(owner_id, ())
    if not members or any(m not in people for m in members):
        return None
    reached = tuple(people[m] for m in members)
    address = addresses.get(kind, {}).get(owner_id)
    others = [m for m in pairs.get(int(row.recipient.get("pair", 0)), ()) if m != owner_id]
    shared = tuple((people[m], _ref(addresses["person"].get(m))) for m in others if m in people)
    return replace(base, people=reached, address=address.ref if address else None, shared_with=shared)


def _ref(address: Address | None) -> dict[str, Any] | None:
    return address.ref if address else None


def sent(engine: Engine, parcel: Parcel, result: Sent, now: datetime) -> None:
    sent_all(engine, [(parcel, result, now)])


def sent_all(engine: Engine, settled: Sequence[tuple[Parcel, Sent, datetime]]) -> None:
    """Rows the platform took, settled in one transaction: a worker with many in flight commits once a round."""
    if not settled:
        return
    with open_session(engine) as session:
        _settle(session, settled)
        session.commit()


def _settle(session: Session, settled: Sequence[tuple[Parcel, Sent, datetime]]) -> None:
    if not settled:
        return
    queries.mark_outbox_sent(session, [(parcel.id, at, result.receipt) for parcel, result, at in settled])
    # Where each person or pair was reached, when it is new, kept in one statement per workspace and kind, not one
    # per row. The rows are read for their recipients only then: most were reached where they were before.
    reached = {p.id: r.address for p, r, _ in settled if r.address and r.address != p.address}
    kept: dict[tuple[int, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for i, (workspace_id, recipient) in queries.outbox_recipients(session, sorted(reached)).items():
        kind = str(recipient.get("kind"))
        if kind in OWNERS:
            kept[workspace_id, kind][int(recipient["id"])] = reached[i]
    latest = max(at for _, _, at in settled)
    for (workspace_id, kind), refs in kept.items():
        queries.keep_addresses(session, workspace_id, kind, refs, latest)


def retry(engine: Engine, parcel: Parcel, failure: Retry, now: datetime, policy: Policy) -> None:
    """Try again later, never sooner than the platform asked; after the last attempt the row is dead."""
    with open_session(engine) as session:
        row = queries.get_outbox(session, parcel.id)
        if row is None:
            return
        row.maybe_sent = row.maybe_sent or failure.maybe_sent
        row.error, row.lease_until = failure.why[:120], None
        if failure.after is not None:
            # The platform said when: that is pacing, not a failure of the message, and costs no attempt.
            row.attempts -= 1
            wait = min(
                max(failure.after, policy.spacing.total_seconds()) * random.uniform(1.0, 1.1), policy.longest_wait
            )
        elif row.attempts >= policy.attempts and not row.key.startswith(NOTICE):
            row.state, row.failed_at = OutboxState.DEAD, now
            session.commit()
            return
        else:
            backoff = min(policy.longest_wait, policy.first_wait * 2 ** (row.attempts - 1))
            wait = max(backoff * random.uniform(0.5, 1.5), policy.spacing.total_seconds())
        row.state, row.not_before = OutboxState.PENDING, now + timedelta(seconds=wait)
        session.commit()


def undeliverable(engine: Engine, parcel: Parcel, reason: str, now: datetime) -> None:
    with open_session(engine) as session:
        row = queries.get_outbox(session, parcel.id)
        if row is not None:
            row.state, row.error, row.lease_until, row.failed_at = OutboxState.UNDELIVERABLE, reason, None, now
            session.commit()


def delivered(engine: Engine, platform: str, workspace: str, per_conversation: int = 20) -> list[Parcel]:
    """The latest messages sent to each conversation of a workspace, oldest first, with who they went to: a channel
    that keeps no history of its own (the console) shows them again after a restart. Those whose recipients are
    gone are left out; nothing is changed."""
    with open_session(engine) as session:
        found = queries.get_workspace(session, platform, workspace)
        if found is None or found.id is None:
            return []
        latest = (
            select(Outbox.id)
            .where(Outbox.workspace_id == found.id, Outbox.state == OutboxState.SENT)
            .add_columns(
                func.row_number()
                .over(partition_by=col(Outbox.conversation), order_by=col(Outbox.id).desc())
                .label("rank")
            )
            .subquery()
        )
        wanted = select(latest.c.id).where(latest.c.rank <= per_conversation)
        rows = session.exec(select(Outbox).where(col(Outbox.id).in_(wanted)).order_by(col(Outbox.id))).all()
        parcels = _parcels(session, rows)
        return [parcel for row in rows if (parcel := parcels[row.id or 0]) is not None]


def copies(
    engine: Engine, platform: str, workspace: str, user_id: str, key: str, action: str, value: str
) -> list[dict[str, Any]]:
    """The other members' copies of a pair's message sent to each member alone, when `key` names the caller's own
    copy and the button answered (`action`, `value`) is one of its own: an answer on one (a commitment to the
    charter) rewrites them all. Each is its receipt, with `address`, where its member was reached. Nothing for a
    key that is not the caller's, or an answer that is not to that message: a forged one changes nobody's."""
    with open_session(engine) as session:
        found = queries.get_workspace(session, platform, workspace)
        person = queries.get_person(session, found.id, user_id) if found and found.id else None
        if found is None or found.id is None or person is None or PAIR_COPY not in key:
            return []
        workspace_id = found.id
        own = session.exec(select(Outbox).where(Outbox.workspace_id == workspace_id, Outbox.key == key)).first()
        if own is None or own.recipient.get("id") != person.id or "pair" not in own.recipient:
            return []
        if not _offers(own.message, action, value):
            return []
        base = key.rsplit(PAIR_COPY, 1)[0]
        others = session.exec(
            select(Outbox).where(
                Outbox.workspace_id == workspace_id,
                col(Outbox.key).startswith(base + PAIR_COPY, autoescape=True),
                Outbox.state == OutboxState.SENT,
                Outbox.id != own.id,
            )
        ).all()
        members = [int(row.recipient.get("id", 0)) for row in others]
        addresses = queries.addresses_of(session, workspace_id, "person", members)
        return [
            {**row.receipt, "address": _ref(addresses.get(member))}
            for row, member in zip(others, members, strict=True)
            if row.recipient.get("pair") == own.recipient.get("pair")
        ]


def _offers(stored: dict[str, Any], action: str, value: str) -> bool:
    """Whether the message stored has that button."""
    try:
        message = decode(stored)
    except (ValueError, TypeError, KeyError):
        return False
    return any(
        (button.action, button.value) == (action, value)
        for block in message.blocks
        if isinstance(block, Buttons)
        for button in block.buttons
    )
