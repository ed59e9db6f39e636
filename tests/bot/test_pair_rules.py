"""Pairs you can trust, against the core: `pair` never makes a second pair for a mentee nor drops a pinned one
silently, the preview counts everyone, and `match confirm` tells only the really unmatched."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from storage.models import Commitment, Pair, Person
from tests.bot.dialog import Dialog, flat, last_id, queued, slackish
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
GERMAN = {"languages": ["de"]}


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD, slack_style=True)


def live_pairs(bot: Passerelle) -> list[tuple[str, str, str]]:
    """(mentor, mentee, status) of every pair, by user id."""
    with Session(bot.engine) as session:
        users = {p.id: p.user_id for p in session.exec(select(Person)).all()}
        return sorted((users[p.mentor_id], users[p.mentee_id], p.status) for p in session.exec(select(Pair)).all())


def tom_and_sophie_paired(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    assert "1 pair confirmed" in coordinator.command("match confirm")
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR)


def test_pair_refuses_a_mentee_already_in_an_active_pair_and_names_that_pair(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    tom_and_sophie_paired(bot, clock, coordinator)
    refused = coordinator.command("pair <@UPAUL001> <@USOPHIE1>")
    assert "<@USOPHIE1> is already paired: <@UTOM0001> → <@USOPHIE1> goes on" in refused
    assert "`unpair @person`" in refused
    assert "match confirm" not in refused  # no proposal was made
    assert live_pairs(bot) == [("UTOM0001", "USOPHIE1", "active")]
    assert coordinator.command("pairs").count("<@USOPHIE1>") == 1


def test_a_pinned_pair_is_never_dropped_by_a_later_pair(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("pair <@UTOM0001> <@USOPHIE1>")
    refused = coordinator.command("pair <@UPAUL001> <@USOPHIE1>")
    assert "<@USOPHIE1> is in the pinned pair <@UTOM0001> → <@USOPHIE1> of the proposal, which I keep" in refused
    assert live_pairs(bot) == [("UTOM0001", "USOPHIE1", "proposed")]


def test_pair_says_which_proposals_it_replaces_and_their_others_stay_in_the_figures(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTOR2", clock.now, MENTOR, topics=["dei"], levels={"dei": 3}, department="Finance")
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    a_volunteer(bot, "UMENTEE2", clock.now, MENTEE, topics=["dei"], levels={"dei": 2})
    assert "Pairs: 2" in coordinator.command("match")
    shown = coordinator.command("pair <@UMENTOR1> <@UMENTEE2>")
    assert "It replaces <@UMENTOR2> → <@UMENTEE2>, <@UMENTOR1> → <@UMENTEE1> in the proposal" in shown
    assert "Pairs: 1" in shown and "Matched: 50 %" in shown
    assert "<@UMENTEE1> — the partner proposed at first was paired with someone else" in shown
    assert "<@UMENTOR2> — the partner proposed at first was paired with someone else" in shown


def test_the_preview_counts_the_people_of_pairs_that_go_on(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    tom_and_sophie_paired(bot, clock, coordinator)
    a_volunteer(bot, "UMENTEE2", clock.now, MENTEE)
    a_volunteer(bot, "UMENTEE3", clock.now, MENTEE, **GERMAN)
    shown = coordinator.command("match")
    assert "Pairs: 1" in shown and "Pairs already active: 1" in shown
    assert "Matched: 80 %" in shown  # tom, sophie, paul and his mentee of five; the German speaker waits


def test_confirm_does_not_tell_someone_in_a_pair_that_goes_on_that_they_have_no_partner(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR, capacity=2)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    coordinator.command("match confirm")
    # A second round where Tom, with room for one more, finds nobody: only German speakers joined.
    a_volunteer(bot, "UMENTOR2", clock.now, MENTOR, **GERMAN)
    a_volunteer(bot, "UMENTEE2", clock.now, MENTEE, **GERMAN)
    a_volunteer(bot, "UMENTEE3", clock.now, MENTEE, **GERMAN)
    shown = coordinator.command("match")
    assert "Pairs: 1" in shown and "<@UTOM0001> —" not in shown  # Tom has a partner
    coordinator.command("pair <@UMENTOR2> <@UMENTEE3>")  # a pinned pair, replacing UMENTEE2's
    before = last_id(bot)
    outcome = bot.command(coordinator.actor, "match confirm", clock.now)
    told = {q.to[0]: q.text for q in queued(bot, before) if "no partner" in q.text}
    assert sorted(told) == ["UMENTEE2"]
    assert "1 volunteer without a partner is told why" in flat(outcome.replies[0].message)


def test_confirm_leaves_out_a_proposal_whose_member_paused_and_tells_the_other(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    Dialog(bot, clock.now, user="USOPHIE1").command("pause")
    before = last_id(bot)
    outcome = bot.command(coordinator.actor, "match confirm", clock.now)
    summary = flat(outcome.replies[0].message)
    assert "No pair could be confirmed" in summary and "1 proposed pair was left out" in summary
    told = queued(bot, before)
    assert [q.to for q in told] == [("UTOM0001",)]  # the paused one hears nothing
    assert "the partner proposed at first is no longer available" in told[0].text
    assert live_pairs(bot) == []


def test_erasing_someone_who_committed_to_a_pair_erases_the_commitment_too(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    tom_and_sophie_paired(bot, clock, coordinator)
    [pair] = [p for p in pairs_in(bot) if p.status == "active"]
    sophie = Dialog(bot, clock.now, user="USOPHIE1")
    committed = bot.pressed(sophie.actor, "pair.commit", [str(pair.id)], clock.now)
    assert committed.replace is not None and "Committed: <@USOPHIE1>" in slackish(flat(committed.replace))
    done = bot.pressed(sophie.actor, "data.delete.confirm", [""], clock.now)
    assert "everything Passerelle stored about you is erased" in flat(done.replies[0].message)
    with Session(bot.engine) as session:
        assert session.exec(select(Commitment)).all() == [] and session.exec(select(Pair)).all() == []


def pairs_in(bot: Passerelle) -> list[Pair]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Pair)).all())
