"""Erasure in travelled time: once a person or a programme is erased, no outbox row names or quotes them, whoever
it went to and whether or not it was sent."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, text
from sqlmodel import Session, SQLModel, select

from bot.outbox import queue
from bot.outbox.parcel import Sent
from bot.service import Passerelle
from storage.models import Enrollment, Outbox, OutboxState, Pair
from storage.slack_tables import installations
from tests.bot.dialog import Dialog, announced
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # a Thursday
AT_RISK = datetime(2026, 12, 10, 14, 31, tzinfo=UTC)  # three reminders and nothing booked
MENTEE_WORDS = "My mentor never answers"
MENTOR_WORDS = "My mentee is lovely"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pair(bot: Passerelle, clock: Clock) -> Pair:
    """A pair at risk; each member sent a concern, the mentee asked for a new partner; some of it was sent."""
    found = announced(bot, clock.now, COORD, "end 2027-01-31", "retention 6")
    sent_so_far(bot, NOW)  # the matching's preview to the coordinator, the introduction, the guide
    Dialog(bot, NOW, user="UMENTEE1").command(f"concern {MENTEE_WORDS}")
    # The first concern went out (to the coordinator, a second after the preview: a conversation takes one message
    # a second); what follows waits.
    sent_so_far(bot, NOW + timedelta(seconds=1))
    Dialog(bot, NOW, user="UMENTOR1").command(f"concern {MENTOR_WORDS}")
    bot.tick(datetime(2026, 12, 3, 14, 30, tzinfo=UTC))  # the reminder
    bot.tick(AT_RISK)
    Dialog(bot, AT_RISK, user="UMENTEE1").pick("pair.rematch.confirm", str(found.id))
    return found


def sent_so_far(bot: Passerelle, now: datetime) -> None:
    """The worker's own steps, without a platform: everything due is claimed, then settled as sent."""
    while parcels := queue.claim(bot.engine, now, 50, queue.Policy()):
        queue.sent_all(bot.engine, [(p, Sent({"ts": str(p.id)}), now) for p in parcels])


def rows(bot: Passerelle) -> list[Outbox]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Outbox)).all())


def naming(bot: Passerelle, *words: str) -> list[str]:
    """The keys of the rows whose message, key or bookkeeping hold any of these words."""
    found = []
    for row in rows(bot):
        stored = json.dumps(row.model_dump(mode="json"), ensure_ascii=False)
        if any(word in stored for word in words):
            found.append(row.key)
    return found


HER = ("UMENTEE1", "Umentee1", MENTEE_WORDS)


def test_before_an_erasure_the_coordinators_rows_name_her_as_they_should(bot: Passerelle, pair: Pair) -> None:
    named = naming(bot, *HER)
    assert any(k.startswith("concern:") for k in named) and any(k.startswith("rematch:") for k in named)
    assert any(k.startswith("at_risk:") for k in named)
    assert any(r.state == OutboxState.SENT and r.key.startswith("concern:") for r in rows(bot))


def test_forget_me_leaves_no_row_naming_or_quoting_her_sent_or_waiting(bot: Passerelle, pair: Pair) -> None:
    Dialog(bot, AT_RISK, user="UMENTEE1").pick("data.delete.confirm", "")
    assert naming(bot, *HER) == []
    kept = [r for r in rows(bot) if r.key.startswith("concern:")]
    # The mentor's concern names only him, and still goes; the partner and the coordinators are told it ended.
    assert [MENTOR_WORDS in json.dumps(r.message) for r in kept] == [True]
    assert any(r.key.startswith(f"ended:pair:{pair.id}:person:") and r.state == OutboxState.PENDING for r in rows(bot))
    assert any(r.key.startswith(f"ended:pair:{pair.id}:coordinators") for r in rows(bot))


def test_the_end_of_retention_leaves_no_row_naming_or_quoting_the_programmes_people(
    bot: Passerelle, pair: Pair
) -> None:
    sent_so_far(bot, AT_RISK)
    bot.tick(datetime(2027, 7, 1, 10, 0, tzinfo=UTC))  # the notice
    bot.tick(datetime(2027, 8, 1, 0, 1, tzinfo=UTC))  # the erasure
    assert naming(bot, "UMENTEE1", "Umentee1", "UMENTOR1", "Umentor1", MENTEE_WORDS, MENTOR_WORDS) == []
    assert any(r.key.startswith("retention:") for r in rows(bot))  # what names nobody stays


def test_forget_me_takes_her_out_of_others_answers_that_name_her(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UOTHER01", clock.now, MENTEE, manager="UMENTOR1", not_with=["UMENTOR1", "UKEPT001"])
    with Session(bot.engine) as session:  # she installed the app in OAuth mode
        session.execute(insert(installations).values(client_id="1.2", app_id="A1", team_id="T1", user_id="UMENTOR1"))
        session.commit()
    Dialog(bot, clock.now, user="UMENTOR1").pick("data.delete.confirm", "")
    with Session(bot.engine) as session:
        [other] = session.exec(select(Enrollment)).all()
        assert other.answers["manager"] == "" and other.answers["not_with"] == ["UKEPT001"]
        every_table = " ".join(
            json.dumps([list(map(str, row)) for row in session.execute(text(f'SELECT * FROM "{table.name}"'))])
            for table in SQLModel.metadata.sorted_tables
        )
    assert "UMENTOR1" not in every_table
