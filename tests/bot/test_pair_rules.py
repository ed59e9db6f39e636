"""Pairs you can trust, against the core: `pair` never makes a second pair for a mentee nor drops a pinned one
silently, the preview counts everyone, and `match confirm` tells only the really unmatched."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.service import Passerelle
from bot.ui import Outcome, Reply
from storage.models import Commitment, Pair, Person
from tests.bot.dialog import Dialog, flat, last_id, queued, slackish
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer
from tests.conftest import Clock

COORD = "UCOORD01"
GERMAN = {"languages": ["de"]}
SPANISH = {"languages": ["es"]}


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


def proposed_ids(bot: Passerelle) -> list[int | None]:
    return [p.id for p in pairs_in(bot) if p.status == "proposed"]


def test_forbid_says_what_it_did_lists_the_pair_and_undo_lifts_it(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    [pair_id] = proposed_ids(bot)
    forbidden = bot.pressed(coordinator.actor, "match.forbid", [str(pair_id)], clock.now)
    assert forbidden.replace is not None
    shown = slackish(flat(forbidden.replace))
    assert "Forbidden: <@UTOM0001> → <@USOPHIE1> will not be proposed again in this programme" in shown
    assert "`match unforbid @mentor @mentee`" in shown and "[Undo]" in shown and "is running" in shown
    [made_again] = [q for q in queued(bot) if q.key.startswith("match:run:")][-1:]  # sent to the coordinator
    assert made_again.to == (coordinator.user,)
    assert "*Forbidden pairs (1)*\n• <@UTOM0001> → <@USOPHIE1>" in slackish(made_again.text)
    assert "<@USOPHIE1> — every candidate left is ruled out by a coordinator's forbid" in slackish(made_again.text)
    assert proposed_ids(bot) == []
    coordinator.last = Outcome([Reply(forbidden.replace)])
    assert "<@UTOM0001> → <@USOPHIE1> is no longer forbidden" in coordinator.press("Undo")
    assert "Forbidden pairs" not in coordinator.command("match") and len(proposed_ids(bot)) == 1
    again = coordinator.command("match unforbid <@UTOM0001> <@USOPHIE1>")
    assert "<@UTOM0001> → <@USOPHIE1> was not forbidden in this programme; nothing changed." in again
    assert "Mention the mentor, then the mentee" in coordinator.command("match unforbid <@UTOM0001>")


def test_forbid_by_command_drops_the_proposal_and_says_how_to_undo(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    coordinator.command("match")
    shown = coordinator.command("match forbid <@UTOM0001> <@USOPHIE1>")
    assert "Forbidden: <@UTOM0001> → <@USOPHIE1>" in shown and "[Undo]" in shown
    assert proposed_ids(bot) == []
    assert "is forbidden already" in coordinator.command("match forbid <@UTOM0001> <@USOPHIE1>")


def test_a_pair_with_no_topic_in_common_is_flagged_and_the_programme_can_forbid_them(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR, topics=["dei"], levels={"dei": 3})
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    shown = coordinator.command("match")
    assert "Pairs: 1" in shown and "<@UTOM0001> → <@USOPHIE1>" in shown
    assert "No topic in common ·" in shown
    assert "⚠️ 1 proposed pair has no topic in common. `program set topic-overlap required` keeps" in shown
    assert "Topic in common: required" in coordinator.command("program set topic-overlap required")
    shown = coordinator.command("match")
    assert "Pairs: 0" in shown and "<@USOPHIE1> — no candidate shares a topic yet" in shown
    assert "preferred" in coordinator.command("program set topic-overlap maybe")
    coordinator.command("program set topic-overlap preferred")
    coordinator.command("match")
    coordinator.command("match confirm")
    [intro] = [q for q in queued(bot) if q.key.startswith("intro:pair:")]
    assert "*Why you two:* No topic in common" in intro.text  # the introduction does not hide it either


def test_the_coordinator_reads_the_real_reason_and_the_volunteer_what_concerns_them(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE, manager="UTOM0001")  # an odd chart, but a reporting line
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR, site="Paris", format="in_person")
    a_volunteer(bot, "UMARC001", clock.now, MENTEE, site="Lille", format="in_person")
    # One pair apart from the others, to confirm: with nothing to confirm nobody is told anything.
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, **SPANISH)
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, **SPANISH)
    shown = coordinator.command("match")
    assert "<@UTOM0001> — every candidate left is ruled out by a reporting line" in shown
    assert "<@USOPHIE1> — every candidate left is ruled out by a reporting line" in shown
    assert "no compatible partner this time" not in shown
    before = last_id(bot)
    coordinator.command("match confirm")
    told = {q.to[0]: q.text for q in queued(bot, before)}
    # To the volunteer, a reporting line would say that their manager volunteered: it is not named.
    assert "no compatible partner for you" in told["USOPHIE1"] and "reporting line" not in told["USOPHIE1"]
    assert "choose *either* as format to be matched across sites (`profile`)" in told["UMARC001"]
    assert "choose *either*" in told["UPAUL001"]


def test_the_volunteer_never_reads_someone_elses_list_or_a_coordinators_forbid(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR, not_with=["USOPHIE1"])
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    a_volunteer(bot, "UPAUL001", clock.now, MENTOR, **GERMAN)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE, **GERMAN)
    a_volunteer(bot, "UANNE001", clock.now, MENTOR, **SPANISH)
    a_volunteer(bot, "UBOB0001", clock.now, MENTEE, **SPANISH)
    coordinator.command("match")
    coordinator.command("match forbid <@UPAUL001> <@UMARC001>")
    shown = coordinator.command("match")
    assert "<@USOPHIE1> — no compatible partner this time" in shown  # a not-with list stays unnamed to all
    assert "<@UMARC001> — every candidate left is ruled out by a coordinator's forbid" in shown
    before = last_id(bot)
    coordinator.command("match confirm")
    told = {q.to[0]: q.text for q in queued(bot, before)}
    assert "no compatible partner for you" in told["USOPHIE1"] and "not-with" not in told["USOPHIE1"]
    assert "the only candidates are on your not-with list (`not-with` shows it)" in told["UTOM0001"]
    assert "no compatible partner for you" in told["UMARC001"] and "forbid" not in told["UMARC001"]


def test_an_empty_preview_says_why_and_never_points_at_reasons_that_are_not_there(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "USEED001", clock.now, MENTOR)
    Dialog(bot, clock.now, user="USEED001").command("pause")
    shown = coordinator.command("match")
    assert "The reasons above" not in shown and "nobody is ready to be paired" in shown
    tom_and_sophie_paired(bot, clock, coordinator)
    Dialog(bot, clock.now, user="UPAUL001").command("pause")
    shown = coordinator.command("match")
    assert "The reasons above" not in shown and "everyone ready to be paired is in a pair that goes on" in shown


def test_the_share_matched_is_rounded_to_the_nearest_percent(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    a_volunteer(bot, "UMARC001", clock.now, MENTEE, **GERMAN)
    shown = coordinator.command("match")
    assert "Matched: 67 %" in shown
    assert "Topic coverage: the share of proposed pairs whose mentor offers the mentee's most wanted topic" in shown


def test_the_topics_of_ready_volunteers_count_only_those_ready(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    tom_and_sophie_paired(bot, clock, coordinator)  # Tom and Sophie are matched; Paul is ready
    shown = coordinator.command("volunteers")
    assert "*Topics (ready volunteers)*" in shown
    assert "AI assistants (Copilot, ChatGPT…): mentors 1, mentees 0" in shown


def test_forbid_and_unforbid_want_the_mentor_then_the_mentee(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UTOM0001", clock.now, MENTOR)
    a_volunteer(bot, "USOPHIE1", clock.now, MENTEE)
    assert "Mention the mentor, then the mentee" in coordinator.command("match forbid <@USOPHIE1> <@UTOM0001>")
    assert "Mention the mentor, then the mentee" in coordinator.command("match forbid <@UNOBODY1> <@USOPHIE1>")
    assert "Usage: `match unforbid @mentor @mentee`" in coordinator.command("match unforbid")
    assert pairs_in(bot) == [] and "Forbidden pairs" not in coordinator.command("match")
