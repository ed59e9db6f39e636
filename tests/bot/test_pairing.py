"""Matching in chat, against the core: preview, adjustments, confirmation, the pair's own conversation."""

import csv
import io

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.recipients import ToCaller
from bot.service import Passerelle
from bot.ui import Buttons, Outcome, Reply, mention
from storage.models import Enrollment, Forbidden, Pair, Person, RematchRequest
from tests.bot.dialog import Dialog, Queued, buttons, flat, last_id, queued
from tests.bot.volunteers import MENTEE, MENTOR, a_volunteer, named
from tests.conftest import Clock

COORD = "UCOORD01"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def coordinator(bot: Passerelle, clock: Clock) -> Dialog:
    return Dialog(bot, clock.now, user=COORD)


def volunteers(bot: Passerelle, clock: Clock) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTOR2", clock.now, MENTOR, topics=["dei"], levels={"dei": 3}, department="Finance")
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    a_volunteer(bot, "UMENTEE2", clock.now, MENTEE, topics=["dei"], levels={"dei": 2})
    a_volunteer(bot, "UMENTEE3", clock.now, MENTEE, languages=["de"])


def pairs(bot: Passerelle, *statuses: str) -> list[Pair]:
    with Session(bot.engine) as session:
        return [p for p in session.exec(select(Pair)).all() if p.status in statuses]


def test_the_preview_shows_pairs_with_reasons_unmatched_with_reasons_and_totals(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    volunteers(bot, clock)
    shown = coordinator.command("match")
    assert "Matching preview" in shown and "Pairs: 2" in shown and "Topic coverage: 100 %" in shown
    assert f"{named('UMENTOR1')} → {named('UMENTEE1')}" in shown and "Topics: AI assistants" in shown
    assert f"{named('UMENTEE3')} — no candidate speaks a language in common" in shown
    assert len(pairs(bot, "proposed")) == 2 and pairs(bot, "active") == []  # nothing announced yet


def test_a_volunteer_cannot_match(bot: Passerelle, clock: Clock) -> None:
    assert "for the programme's coordinators" in Dialog(bot, clock.now, user="UMENTEE1").command("match")


def test_pin_forbid_and_run_again(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    volunteers(bot, clock)
    coordinator.command("match")
    first = next(p for p in pairs(bot, "proposed") if p.score == max(q.score for q in pairs(bot, "proposed")))
    pinned = bot.pressed(coordinator.actor, "match.pin", [str(first.id)], clock.now)
    assert pinned.replace is not None and "pinned" in flat(pinned.replace)
    other = next(p for p in pairs(bot, "proposed") if not p.pinned)
    bot.pressed(coordinator.actor, "match.forbid", [str(other.id)], clock.now)
    with Session(bot.engine) as session:
        assert len(session.exec(select(Forbidden)).all()) == 1
    left = pairs(bot, "proposed")
    assert [p.id for p in left] == [first.id]  # the forbidden pair is gone and not proposed again
    coordinator.command("match")
    assert [p.id for p in pairs(bot, "proposed")] == [first.id]


def test_pairing_by_hand_checks_the_hard_rules_and_overrides_a_low_score(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    volunteers(bot, clock)
    coordinator.command("match")
    refused = coordinator.command(f"pair {mention('UMENTOR1')} {mention('UMENTEE3')}")
    assert f"{named('UMENTOR1')} and {named('UMENTEE3')} cannot be paired: no candidate speaks a language" in refused
    assert "first must be a mentor" in coordinator.command(f"pair {mention('UMENTEE1')} {mention('UMENTOR1')}")
    nobody = coordinator.command(f"pair {mention('UNOBODY1', 'Nobody')} {mention('UMENTEE1')}")
    assert f"{mention('UNOBODY1')} is not a volunteer ready" in nobody
    # No topic in common: a soft preference. A name with spaces stays one word of the command.
    coordinator.command(f"pair {mention('UMENTOR1', 'Ana Lopez')} {mention('UMENTEE2')}")
    found = {(p.mentor_id, p.mentee_id, p.pinned) for p in pairs(bot, "proposed")}
    assert len(found) == 1 and next(iter(found))[2]  # UMENTOR1 had room for one: the old pair gave way


def test_swap_exchanges_partners_when_the_rules_allow(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    volunteers(bot, clock)
    coordinator.command("match")
    before = {p.mentee_id: p.mentor_id for p in pairs(bot, "proposed")}
    coordinator.command(f"match swap {mention('UMENTEE1')} {mention('UMENTEE2')}")
    after = {p.mentee_id: p.mentor_id for p in pairs(bot, "proposed")}
    assert after != before and set(after.values()) == set(before.values())
    assert "Mention two people" in coordinator.command(f"match swap {mention('UMENTEE1')}")
    assert "Mention two people" in coordinator.command(f"match swap {mention('UMENTEE1')} {mention('UMENTOR1')}")
    assert "Mention two people" in coordinator.command("match swap <@UMENTEE1> <@UMENTEE2>")  # Slack's, not ours


def test_confirm_makes_pairs_introduces_them_and_tells_the_unmatched(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    volunteers(bot, clock)
    assert "There is no proposal" in coordinator.command("match confirm")
    coordinator.command("match")
    outcome = bot.command(coordinator.actor, "match confirm", clock.now)
    assert "2 pairs confirmed" in flat(outcome.replies[0].message)
    assert "introductions are on their way" in flat(outcome.replies[0].message)
    sent = queued(bot)
    groups = [q for q in sent if q.key.startswith("intro:pair:")]
    assert len(groups) == 2 and all(len(q.to) == 2 for q in groups)
    assert "Our charter" in groups[0].text and "Why you two" in groups[0].text
    assert any("A few words for mentors" in q.text for q in sent if len(q.to) == 1)
    alone = [q for q in sent if q.to == ("UMENTEE3",)]
    assert len(alone) == 1 and "no candidate speaks a language in common" in alone[0].text
    assert len(pairs(bot, "active")) == 2
    with Session(bot.engine) as session:
        statuses = sorted(e.status for e in session.exec(select(Enrollment)).all())
    assert statuses == ["matched"] * 4 + ["ready"]


def user_ids(bot: Passerelle) -> dict[int | None, str]:
    with Session(bot.engine) as session:
        return {p.id: p.user_id for p in session.exec(select(Person)).all()}


def confirmed(bot: Passerelle, clock: Clock, coordinator: Dialog) -> list[Reply]:
    volunteers(bot, clock)
    coordinator.command("match")
    return bot.command(coordinator.actor, "match confirm", clock.now).replies


def told(bot: Passerelle, after: int) -> dict[str, str]:
    """What each person was sent on their own since outbox row `after`."""
    return {q.to[0]: q.text for q in queued(bot, after) if len(q.to) == 1}


def test_members_commit_to_the_charter_and_set_objectives(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    confirmed(bot, clock, coordinator)
    pair = pairs(bot, "active")[0]
    users = user_ids(bot)
    mentor = Dialog(bot, clock.now, user=users[pair.mentor_id])
    committed = bot.pressed(mentor.actor, "pair.commit", [str(pair.id)], clock.now)
    assert committed.replace is not None
    assert f"Committed: {mention(mentor.user, mentor.actor.name)}" in flat(committed.replace)
    stranger = Dialog(bot, clock.now, user="UMENTEE3")
    assert "for the two members" in flat(
        bot.pressed(stranger.actor, "pair.commit", [str(pair.id)], clock.now).replies[0].message
    )
    form = bot.pressed(mentor.actor, "pair.objectives", [str(pair.id)], clock.now).form
    assert form is not None and form.action == f"pair.objectives:{pair.id}"
    empty = bot.submitted(mentor.actor, form.action, {"objective1": None}, clock.now)
    assert "objective1" in empty.form_errors
    before = last_id(bot)
    bot.submitted(mentor.actor, form.action, {"objective1": "Use Copilot daily", "objective2": " "}, clock.now)
    shared = queued(bot, before)
    assert [q.to for q in shared] == [(users[pair.mentor_id], users[pair.mentee_id])]
    assert "1. Use Copilot daily" in shared[0].text
    assert next(p for p in pairs(bot, "active") if p.id == pair.id).objectives == ["Use Copilot daily"]


def rematch_asked(bot: Passerelle, clock: Clock, coordinator: Dialog) -> tuple[Pair, dict[int | None, str], Queued]:
    """A confirmed pair whose mentee pressed Not a good fit, and the notice each coordinator got."""
    confirmed(bot, clock, coordinator)
    pair = pairs(bot, "active")[0]
    users = user_ids(bot)
    mentee = Dialog(bot, clock.now, user=users[pair.mentee_id])
    asked = bot.pressed(mentee.actor, "pair.rematch", [str(pair.id)], clock.now)
    assert asked.replies[0].to == ToCaller() and "Ask them?" in flat(asked.replies[0].message)
    before = last_id(bot)
    done = bot.pressed(mentee.actor, "pair.rematch.confirm", [str(pair.id)], clock.now)
    assert "Your request is with the coordinators" in flat(done.replies[0].message)
    assert pair.id in [p.id for p in pairs(bot, "active")]  # nothing ends until a coordinator decides
    [notice] = [q for q in queued(bot, before)]
    assert notice.to == (COORD,) and f"*Rematch request* · ⟦@{users[pair.mentee_id]}|" in notice.text
    again = bot.pressed(mentee.actor, "pair.rematch.confirm", [str(pair.id)], clock.now)
    assert "You have asked already" in flat(again.replies[0].message) and len(queued(bot, before)) == 1
    return pair, users, notice


def press(bot: Passerelle, who: Dialog, notice: Queued, label: str) -> Outcome:
    [button] = [b for blk in notice.message.blocks if isinstance(blk, Buttons) for b in blk.buttons if b.label == label]
    return bot.pressed(who.actor, button.action, [button.value], who.now)


def test_not_a_good_fit_asks_the_coordinators_who_end_the_pair_and_both_are_told_kindly(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair, users, notice = rematch_asked(bot, clock, coordinator)
    mentor = Dialog(bot, clock.now, user=users[pair.mentor_id])
    assert "for the programme's coordinators" in flat(press(bot, mentor, notice, "End the pair").replies[0].message)
    before = last_id(bot)
    ended = press(bot, coordinator, notice, "End the pair")
    assert ended.replace is not None and "You ended this pair" in flat(ended.replace)
    assert "[End the pair]" not in flat(ended.replace)
    sent = told(bot, before)
    for member in (users[pair.mentor_id], users[pair.mentee_id]):
        assert "the coordinators think another partner would suit you both better" in sent[member]
        assert "asked" not in sent[member] and "not a good fit" not in sent[member]
    assert "not a good fit" in sent[COORD]
    [ended_pair] = [p for p in pairs(bot, "ended") if p.id == pair.id]
    assert ended_pair.ended_reason == "not_a_good_fit"
    with Session(bot.engine) as session:
        [request] = session.exec(select(RematchRequest)).all()
        coordinator_id = session.exec(select(Person.id).where(Person.user_id == COORD)).one()
    assert (request.pair_id, request.asked_by, request.outcome) == (pair.id, pair.mentee_id, "ended")
    assert (request.decided_by, request.decided_at is not None) == (coordinator_id, True)
    late = press(bot, coordinator, notice, "End the pair")
    assert "This pair has already ended (⟦@UCOORD01" in flat(late.replies[0].message)
    assert "has already ended" in flat(press(bot, coordinator, notice, "Keep the pair").replies[0].message)
    coordinator.command("match")
    again = {(p.mentor_id, p.mentee_id) for p in pairs(bot, "proposed")}
    assert (pair.mentor_id, pair.mentee_id) not in again  # never paired again


def test_a_coordinator_who_keeps_the_pair_tells_only_the_one_who_asked(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair, users, notice = rematch_asked(bot, clock, coordinator)
    assert coordinator.command("pairs").count("rematch requested") == 1
    before = last_id(bot)
    kept = press(bot, coordinator, notice, "Keep the pair")
    assert kept.replace is not None and "You kept this pair" in flat(kept.replace)
    assert told(bot, before).keys() == {users[pair.mentee_id]}
    assert "it goes on for now" in told(bot, before)[users[pair.mentee_id]]
    assert [p.id for p in pairs(bot, "active")].count(pair.id) == 1
    assert "already kept this pair" in flat(press(bot, coordinator, notice, "End the pair").replies[0].message)
    assert "rematch requested" not in coordinator.command("pairs")


def test_a_pair_unpaired_meanwhile_settles_the_request_and_end_says_so(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair, users, notice = rematch_asked(bot, clock, coordinator)
    coordinator.command(f"unpair {mention(users[pair.mentor_id])}")
    late = flat(press(bot, coordinator, notice, "End the pair").replies[0].message)
    assert "This pair has already ended" in late
    with Session(bot.engine) as session:
        assert session.exec(select(RematchRequest)).one().outcome == "ended"


def test_a_confidential_not_with_list_is_never_paired_and_never_shown(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    mentee = Dialog(bot, clock.now, user="UMENTEE1")
    assert "Nobody else sees this" in mentee.command(f"not-with {mention('UMENTOR1')}")
    assert f"never be paired with: {named('UMENTOR1')}" in mentee.command("not-with")
    shown = coordinator.command("match")
    assert "Pairs: 0" in shown and "no compatible partner this time" in shown and "not-with" not in shown
    assert "refus" not in shown.lower()
    assert "off your list" in mentee.command(f"not-with remove {mention('UMENTOR1')}")
    assert "Pairs: 1" in coordinator.command("match")
    assert "That is you" in mentee.command(f"not-with {mention('UMENTEE1')}")


@pytest.mark.parametrize("how", ["leave", "erase"])
def test_leaving_or_erasing_ends_the_pair_and_the_partner_returns_to_the_pool(
    bot: Passerelle, clock: Clock, coordinator: Dialog, how: str
) -> None:
    confirmed(bot, clock, coordinator)
    pair = pairs(bot, "active")[0]
    users = user_ids(bot)
    leaver = Dialog(bot, clock.now, user=users[pair.mentee_id])
    before = last_id(bot)
    if how == "leave":
        assert "Your pair with" in leaver.command("leave")
        assert told(bot, before) == {}  # asking ends nothing
        leaver.press("Yes, leave")
    else:
        bot.pressed(leaver.actor, "data.delete.confirm", [""], clock.now)
    sent = told(bot, before)
    assert "has ended" in sent[users[pair.mentor_id]]
    assert "left the programme" in sent[COORD]
    if how == "erase":  # nothing that outlives the erasure names her
        assert all(users[pair.mentee_id] not in text for text in sent.values())
    with Session(bot.engine) as session:
        mentor = session.exec(select(Enrollment).where(Enrollment.person_id == pair.mentor_id)).one()
    assert mentor.status == "ready"


def test_a_pair_who_both_read_french_is_introduced_in_french(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    for user in ("UMENTOR1", "UMENTEE1"):
        Dialog(bot, clock.now, user=user).command("language fr")
    coordinator.command("match")
    coordinator.command("match confirm")
    [intro] = [q for q in queued(bot) if q.key.startswith("intro:pair:")]
    assert "Votre binôme de mentorat inversé" in intro.text
    assert "Our charter" not in intro.text


def test_the_partner_is_told_with_whom_the_pairing_ended(bot: Passerelle, clock: Clock, coordinator: Dialog) -> None:
    confirmed(bot, clock, coordinator)
    pair = pairs(bot, "active")[0]
    users = user_ids(bot)
    before = last_id(bot)
    leaver = Dialog(bot, clock.now, user=users[pair.mentee_id])
    leaver.command("leave")
    leaver.press("Yes, leave")
    sent = told(bot, before)
    assert f"⟦@{users[pair.mentee_id]}|" in sent[users[pair.mentor_id]]


@pytest.mark.parametrize(
    ("locale", "delimiter", "reason"), [("en-US", ",", "a language in common"), ("fr-FR", ";", "une langue en commun")]
)
def test_the_proposal_as_csv_opens_in_the_coordinators_excel(
    bot: Passerelle, clock: Clock, locale: str, delimiter: str, reason: str
) -> None:
    """UTF-8 with a BOM, split on the separator of the reader's region, names beside ids, yes or no."""
    volunteers(bot, clock)
    coordinator = Dialog(bot, clock.now, user=COORD, locale=locale)
    coordinator.command("match")
    coordinator.command("match csv")
    (document,) = coordinator.last.files
    assert document.content.startswith("\ufeffmentor" + delimiter + "mentor_name" + delimiter)
    rows = list(csv.DictReader(io.StringIO(document.content.removeprefix("\ufeff"), newline=""), delimiter=delimiter))
    paired = [(r["mentor"], r["mentor_name"], r["mentee"], r["mentee_name"], r["pinned"]) for r in rows if r["mentor"]]
    assert sorted(paired) == [
        ("UMENTOR1", "Mentor1", "UMENTEE1", "Mentee1", "no"),
        ("UMENTOR2", "Mentor2", "UMENTEE2", "Mentee2", "no"),
    ]
    (alone,) = [r for r in rows if r["unmatched"]]
    assert (alone["unmatched"], alone["unmatched_name"]) == ("UMENTEE3", "Mentee3") and reason in alone["reason"]


def test_erasing_the_member_who_asked_erases_the_request_and_end_says_it_is_gone(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    pair, users, notice = rematch_asked(bot, clock, coordinator)
    mentee = Dialog(bot, clock.now, user=users[pair.mentee_id])
    done = bot.pressed(mentee.actor, "data.delete.confirm", [""], clock.now)
    assert "everything Passerelle stored about you is erased" in flat(done.replies[0].message)
    with Session(bot.engine) as session:
        assert session.exec(select(RematchRequest)).all() == []
    assert "This request is no longer there" in flat(press(bot, coordinator, notice, "End the pair").replies[0].message)


def test_a_button_of_an_older_preview_never_acts_on_a_pair_proposed_since_under_the_same_id(
    bot: Passerelle, clock: Clock, coordinator: Dialog
) -> None:
    a_volunteer(bot, "UMENTOR1", clock.now, MENTOR)
    a_volunteer(bot, "UMENTEE1", clock.now, MENTEE)
    a_volunteer(bot, "UMENTEE2", clock.now, MENTEE, topics=["dei"], levels={"dei": 2})
    coordinator.command("match")
    forbid = buttons(coordinator.last)["Forbid"]  # on the preview, for the one pair proposed
    [shown] = pairs(bot, "proposed")
    with Session(bot.engine) as session:
        paired = session.get(Person, shown.mentee_id)
        other = "UMENTEE2" if paired is not None and paired.user_id == "UMENTEE1" else "UMENTEE1"
    coordinator.command(f"pair {mention('UMENTOR1')} {mention(other)}")  # the mentor's one place: replaced
    [now] = pairs(bot, "proposed")
    assert now.mentee_id != shown.mentee_id
    assert now.id == shown.id or bot.engine.dialect.name != "sqlite"  # SQLite gives the deleted row's id again
    refused = bot.pressed(coordinator.actor, forbid.action, [forbid.value], clock.now)
    assert "That pair is no longer in the proposal" in flat(refused.replies[0].message)
    with Session(bot.engine) as session:
        assert session.exec(select(Forbidden)).all() == []
    assert [(p.id, p.mentee_id) for p in pairs(bot, "proposed")] == [(now.id, now.mentee_id)]
