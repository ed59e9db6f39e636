"""The outbox against the core and a real database: keys written once, leases, retries, pacing, failures told."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.outbox import queue
from bot.outbox.codec import decode, encode
from bot.outbox.parcel import Parcel, Retry, Sent, Undeliverable
from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.recipients import ToChannel, ToCoordinators, ToPair, ToPerson
from bot.service import Passerelle
from bot.ui import (
    Button,
    Buttons,
    Choice,
    DateInput,
    Fields,
    Header,
    Message,
    Option,
    Reply,
    Text,
    TextInput,
    mention,
    message,
)
from storage import queries
from storage.db import session as open_session
from storage.models import Outbox, OutboxState, Person
from tests.bot.dialog import Dialog, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
POLICY = Policy(lease=timedelta(seconds=60), attempts=4, first_wait=2.0, spacing=timedelta(seconds=1))


@dataclass
class FakeSender:
    """Our own sender interface, answered from a script: each call takes the next outcome, else it is sent."""

    script: list[Exception | None] = field(default_factory=list)
    sent: list[Parcel] = field(default_factory=list)
    tried: list[Parcel] = field(default_factory=list)

    async def send(self, parcel: Parcel) -> Sent:
        self.tried.append(parcel)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append(parcel)
        return Sent({"ts": str(len(self.sent))}, {"channel": f"D{parcel.people[0]}"} if parcel.people else None)


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


def worker(bot: Passerelle, clock: Clock, sender: FakeSender, policy: Policy = POLICY) -> Worker:
    return Worker(bot.engine, {"slack": sender}, clock, policy)


def drain(w: Worker) -> None:
    asyncio.run(w.drain())


def person_id(bot: Passerelle, user: str) -> int:
    with Session(bot.engine) as session:
        found = session.exec(select(Person).where(Person.user_id == user)).one()
        assert found.id is not None
        return found.id


def rows(bot: Passerelle) -> list[Outbox]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)).all())  # type: ignore[arg-type]


def write(bot: Passerelle, clock: Clock, *replies: Reply) -> int:
    with open_session(bot.engine) as session:
        programme = queries.current_programme(session, 1)
        assert programme is not None
        written = queue.write(session, programme, clock.now, replies)
        session.commit()
        return written


def hello(text: str) -> Message:
    return message(Text(text))


@pytest.fixture
def people(bot: Passerelle, clock: Clock) -> dict[str, int]:
    Dialog(bot, clock.now, user=COORD).command("help")
    a_volunteer(bot, "UANA0001", clock.now, MENTOR)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE)
    return {user: person_id(bot, user) for user in (COORD, "UANA0001", "UMARC001")}


def test_a_key_is_written_once_however_often_its_cause_runs(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    to_ana = Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="greeting:ana")
    assert write(bot, clock, to_ana) == 1
    assert write(bot, clock, to_ana, to_ana) == 0
    assert [r.key for r in rows(bot)] == ["greeting:ana"]


def test_a_message_to_the_coordinators_reaches_each_one_in_their_own_language(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    Dialog(bot, clock.now, user="UJEAN001", locale="fr-FR").command("help")
    Dialog(bot, clock.now, user=COORD).command(f"coordinators add {mention('UJEAN001')}")
    notice = Reply(lambda tr: hello(tr("Nothing was erased.")), to=ToCoordinators(), key="notice")
    write(bot, clock, notice)
    by_user = {q.to[0]: q.text for q in queued(bot)}
    assert by_user == {COORD: "Nothing was erased.", "UJEAN001": "Rien n'a été effacé."}


def test_each_row_is_sent_once_and_its_receipt_and_address_are_kept(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("one"), to=ToPerson(people["UANA0001"]), key="one"))
    sender = FakeSender()
    drain(worker(bot, clock, sender))
    drain(worker(bot, clock, sender))
    assert [p.key for p in sender.sent] == ["one"] and sender.sent[0].people == ("UANA0001",)
    (row,) = rows(bot)
    assert (row.state, row.receipt, row.attempts) == (OutboxState.SENT, {"ts": "1"}, 1)
    write(bot, clock, Reply(hello("two"), to=ToPerson(people["UANA0001"]), key="two"))
    clock.travel(seconds=2)
    drain(worker(bot, clock, sender))
    assert sender.sent[1].address == {"channel": "DUANA0001"}  # the conversation found the first time


def test_a_pair_is_reached_with_both_members(bot: Passerelle, clock: Clock, people: dict[str, int]) -> None:
    coordinator = Dialog(bot, clock.now, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    sender = FakeSender()
    drain(worker(bot, clock, sender))
    intro = next(p for p in sender.sent if p.key.startswith("intro:pair:"))
    assert intro.people == ("UANA0001", "UMARC001") and "Our charter" in " ".join(
        b.text for b in intro.message.blocks if isinstance(b, Text)
    )


def test_messages_to_one_conversation_go_in_order_and_spaced_out(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    ana, marc = ToPerson(people["UANA0001"]), ToPerson(people["UMARC001"])
    write(bot, clock, *(Reply(hello(f"{n}"), to=ana, key=f"ana:{n}") for n in range(3)))
    write(bot, clock, Reply(hello("m"), to=marc, key="marc"))
    sender = FakeSender()
    drain(worker(bot, clock, sender))
    assert [p.key for p in sender.sent] == ["ana:0", "marc"]  # one per conversation per second
    clock.travel(seconds=0.5)
    drain(worker(bot, clock, sender))
    assert len(sender.sent) == 2
    for _ in range(2):
        clock.travel(seconds=1)
        drain(worker(bot, clock, sender))
    assert [p.key for p in sender.sent] == ["ana:0", "marc", "ana:1", "ana:2"]


def test_a_passing_failure_is_retried_with_backoff_never_sooner_than_the_platform_asked(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    sender = FakeSender([Retry("ratelimited", after=30), Retry("HTTP 500")])
    w = worker(bot, clock, sender)
    drain(w)
    clock.travel(seconds=29)
    drain(w)
    assert len(sender.tried) == 1  # Slack said 30 seconds
    clock.travel(seconds=5)
    drain(w)
    assert len(sender.tried) == 2 and not sender.sent
    row = rows(bot)[0]
    assert row.state == OutboxState.PENDING and timedelta(seconds=1) <= row.not_before - clock.now
    clock.travel(minutes=1)
    drain(w)
    # Waiting when Slack asked is pacing, not a failed attempt: only the server error counted.
    assert [p.key for p in sender.sent] == ["hi"] and rows(bot)[0].attempts == 2


def test_a_rate_limit_never_kills_a_message(bot: Passerelle, clock: Clock, people: dict[str, int]) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    sender = FakeSender([Retry("ratelimited", after=60)] * (POLICY.attempts * 2))
    w = worker(bot, clock, sender)
    for _ in range(POLICY.attempts * 2 + 1):
        drain(w)
        clock.travel(minutes=2)
    assert [p.key for p in sender.sent] == ["hi"] and rows(bot)[0].state == OutboxState.SENT


def test_a_refused_message_is_undeliverable_and_the_coordinators_are_told_once(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    write(bot, clock, Reply(hello("post"), to=ToChannel("C0GONE"), key="post"))
    sender = FakeSender([Undeliverable("inactive", "account_inactive"), Undeliverable("no_channel")])
    w = worker(bot, clock, sender)
    for _ in range(3):
        drain(w)
        clock.travel(minutes=5)
    states = {r.key: r.state for r in rows(bot)}
    assert (states["hi"], states["post"]) == (OutboxState.UNDELIVERABLE, OutboxState.UNDELIVERABLE)
    notices = [p for p in sender.sent if p.people == (COORD,)]
    assert len(notices) == 1  # both failures in one notice, told once
    text = notices[0].message.blocks[0]
    assert isinstance(text, Text) and "I could not deliver 2 messages" in text.text
    assert "⟦@UANA0001|Ana0001⟧: their account is deactivated" in text.text
    assert "⟦#C0GONE⟧: the channel no longer exists" in text.text


def test_after_the_last_attempt_a_row_is_dead_and_told(bot: Passerelle, clock: Clock, people: dict[str, int]) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPair(999), key="ghost"))  # a pair that does not exist
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    sender = FakeSender([Retry("HTTP 500")] * POLICY.attempts)
    w = worker(bot, clock, sender)
    for _ in range(POLICY.attempts + 2):
        drain(w)
        clock.travel(minutes=10)  # within the coordinator's working hours, who is told
    states = {r.key: r.state for r in rows(bot)}
    assert states["hi"] == OutboxState.DEAD and states["ghost"] == OutboxState.UNDELIVERABLE
    told = [p for p in sender.sent if p.people == (COORD,)]
    assert len(told) == 1 and "still failing after 4 attempts" in str(told[0].message.blocks[0])


def test_a_row_whose_worker_died_is_taken_again_after_its_lease_and_looked_for_first(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    claimed = queue.claim(bot.engine, clock.now, 4, POLICY)  # a worker claims it, then is killed
    assert [p.maybe_sent for p in claimed] == [False]
    assert queue.claim(bot.engine, clock.now + timedelta(seconds=59), 4, POLICY) == []  # its lease holds
    sender = FakeSender()
    clock.travel(seconds=61)
    drain(worker(bot, clock, sender))
    assert [(p.key, p.maybe_sent) for p in sender.sent] == [("hi", True)]
    assert rows(bot)[0].attempts == 2


def test_a_timeout_marks_the_row_as_maybe_sent(bot: Passerelle, clock: Clock, people: dict[str, int]) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    sender = FakeSender([Retry("TimeoutError", maybe_sent=True), RuntimeError("a bug in a sender")])
    w = worker(bot, clock, sender)
    for _ in range(3):
        drain(w)
        clock.travel(minutes=5)
    assert [p.maybe_sent for p in sender.tried] == [False, True, True]


def test_erasing_ones_data_erases_what_was_queued_for_them(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("hi"), to=ToPerson(people["UANA0001"]), key="hi"))
    drain(worker(bot, clock, FakeSender()))
    Dialog(bot, clock.now, user="UANA0001").pick("data.delete.confirm", "")
    assert [r.key for r in rows(bot) if r.recipient.get("id") == people["UANA0001"]] == []


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
BLOCKS = st.one_of(
    st.builds(Header, TEXT),
    st.builds(Text, TEXT),
    st.builds(Fields, st.lists(st.tuples(TEXT, TEXT), max_size=3).map(tuple)),
    st.builds(
        Buttons,
        st.lists(st.builds(Button, TEXT, TEXT, TEXT, st.sampled_from([None, "primary", "danger"])), max_size=3).map(
            tuple
        ),
    ),
    st.builds(
        Choice,
        TEXT,
        st.lists(st.builds(Option, TEXT, TEXT), max_size=3).map(tuple),
        st.booleans(),
        st.lists(TEXT, max_size=2).map(tuple),
    ),
    st.builds(TextInput, TEXT, TEXT, TEXT, st.booleans(), TEXT),
    st.builds(DateInput, TEXT, TEXT, st.none() | st.dates()),
)


@given(st.lists(BLOCKS, max_size=6))
def test_every_neutral_message_survives_the_outbox_unchanged(blocks: list[object]) -> None:
    shown = Message(tuple(blocks))  # type: ignore[arg-type]
    assert decode(encode(shown)) == shown


def test_a_clock_that_was_months_ahead_holds_nothing_back_once_it_is_right(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    ana = ToPerson(people["UANA0001"])
    ahead = Clock(clock.now + timedelta(days=90))
    write(bot, ahead, Reply(hello("sent ahead"), to=ana, key="sent"))
    drain(worker(bot, ahead, FakeSender()))  # sent while the clock was 90 days ahead
    write(bot, ahead, Reply(hello("claimed ahead"), to=ToPerson(people["UMARC001"]), key="claimed"))
    queue.claim(bot.engine, ahead.now, 4, POLICY)  # claimed ahead, then that worker was killed
    write(bot, ahead, Reply(hello("waiting ahead"), to=ToPerson(people[COORD]), key="waiting"))
    drain(worker(bot, ahead, FakeSender([Retry("HTTP 500")])))  # its retry was set 90 days ahead
    write(bot, clock, Reply(hello("now"), to=ana, key="now"))
    sender = FakeSender()
    drain(worker(bot, clock, sender))  # the clock is right again
    assert sorted(p.key for p in sender.sent) == ["claimed", "now", "waiting"]
    assert [p.maybe_sent for p in sender.sent if p.key == "claimed"] == [True]


def test_a_due_message_is_sent_whatever_waits_ahead_of_it_in_other_conversations(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    with open_session(bot.engine) as session:
        for n in range(80):  # in backoff, in conversations of their own
            session.add(
                Outbox(
                    workspace_id=1,
                    key=f"later:{n}",
                    recipient={"kind": "channel", "ref": f"C{n:04d}"},
                    conversation=f"channel:C{n:04d}",
                    message=encode(hello("later")),
                    not_before=clock.now + timedelta(minutes=10),
                    created_at=clock.now,
                )
            )
        session.commit()
    write(bot, clock, Reply(hello("now"), to=ToPerson(people["UANA0001"]), key="now"))
    sender = FakeSender()
    drain(worker(bot, clock, sender))
    assert [p.key for p in sender.sent] == ["now"]


def test_failures_of_one_burst_are_told_together_and_a_notice_never_gives_up(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    write(bot, clock, Reply(hello("a"), to=ToChannel("C0GONE1"), key="a"))
    sender = FakeSender([Undeliverable("no_channel")])
    w = worker(bot, clock, sender)
    drain(w)
    clock.travel(seconds=40)
    write(bot, clock, Reply(hello("b"), to=ToChannel("C0GONE2"), key="b"))
    sender.script = [Undeliverable("archived")]
    drain(w)
    clock.travel(seconds=40)
    drain(w)  # the second failure is 40 seconds old: the burst may not be over
    assert not [p for p in sender.tried if p.people == (COORD,)]
    sender.script = [Retry("HTTP 500")] * (POLICY.attempts * 2)  # Slack down when the notice goes out
    for _ in range(POLICY.attempts * 2 + 2):
        clock.travel(hours=1)
        drain(w)
    notices = [p for p in sender.sent if p.people == (COORD,)]
    assert len(notices) == 1 and "I could not deliver 2 messages" in str(notices[0].message.blocks[0])


def channel_rows(clock: Clock, count: int, channel: str, due: bool = True) -> list[Outbox]:
    return [
        Outbox(
            workspace_id=1,
            key=f"{channel}:{n}",
            recipient={"kind": "channel", "ref": channel},
            conversation=f"channel:{channel}",
            message=encode(hello(f"{channel} {n}")),
            not_before=clock.now if due else clock.now + timedelta(minutes=10),
            created_at=clock.now,
        )
        for n in range(count)
    ]


def test_a_burst_to_one_conversation_does_not_hold_back_the_messages_queued_after_it(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    with open_session(bot.engine) as session:
        session.add_all(channel_rows(clock, 300, "C0BURST1"))  # an announcement's posts, one a second
        session.commit()
    write(bot, clock, Reply(hello("now"), to=ToPerson(people["UANA0001"]), key="now"))
    sender = FakeSender()
    asyncio.run(worker(bot, clock, sender).round())
    assert [p.key for p in sender.sent] == ["C0BURST1:0", "now"]
    clock.travel(seconds=1)
    asyncio.run(worker(bot, clock, sender).round())
    assert [p.key for p in sender.sent][2:] == ["C0BURST1:1"]  # the channel keeps its order and its pace


@dataclass
class Statements:
    """Every statement the engine runs while it counts: what a round costs the database."""

    engine: Engine
    seen: list[str] = field(default_factory=list)

    def __enter__(self) -> "Statements":
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.seen.append(statement)


def test_a_round_costs_the_database_a_few_statements_however_many_messages_it_takes(
    bot: Passerelle, clock: Clock, people: dict[str, int]
) -> None:
    counts = []
    for round_, channels in enumerate((2, 30)):
        with open_session(bot.engine) as session:
            session.add_all(row for n in range(channels) for row in channel_rows(clock, 1, f"C{round_}{n:04d}"))
            session.commit()
        to = [ToPerson(people[user]) for user in ("UANA0001", "UMARC001", COORD)]
        write(bot, clock, *(Reply(hello("hi"), to=t, key=f"hi:{round_}:{t.person_id}") for t in to))
        with Statements(bot.engine) as claiming:
            parcels = queue.claim(bot.engine, clock.now, 64, POLICY)
        assert len(parcels) == channels + 3
        sent = [
            (p, Sent({"ts": "1"}, {"channel": f"D{p.people[0]}"} if p.people else None), clock.now) for p in parcels
        ]
        with Statements(bot.engine) as settling:
            queue.sent_all(bot.engine, sent)
        counts.append((len(claiming.seen), len(settling.seen)))
        clock.travel(seconds=2)
    # The second round takes fifteen times as many messages; the first keeps where the people were reached.
    (claimed, settled), (claimed_more, settled_more) = counts
    assert claimed_more <= claimed and settled_more <= settled
    assert {row.state for row in rows(bot)} == {OutboxState.SENT}
