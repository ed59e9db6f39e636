"""Matching: no hard rule is ever broken, and on small programmes the result is the brute-force optimum."""

import itertools
import random
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from bot.matching.candidates import Scorer, build
from bot.matching.encode import WINDOW_SLOTS, encode, utc_slots
from bot.matching.exclusions import managers_above
from bot.matching.match import match
from bot.matching.model import POINTS, Proof, Rules, Volunteer, Weights

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata"]


@st.composite
def programmes(draw: st.DrawFn) -> list[Volunteer]:
    count = draw(st.integers(2, 9))
    ids = [f"p{i}" for i in range(count)]
    people = []
    for pid in ids:
        role = draw(st.sampled_from(["mentor", "mentee"]))
        # Mostly plausible people (juniors mentor, few reporting lines and refusals), so that most programmes
        # have pairs to find, with every rule still in play.
        people.append(
            Volunteer(
                id=pid,
                role=role,
                career_stage=draw(st.integers(1, 3) if role == "mentor" else st.integers(2, 5)),
                department=draw(st.sampled_from(["", "Sales", "Finance"])),
                site=draw(st.sampled_from(["", "Lyon", "Paris"])),
                manager_id=draw(st.sampled_from(["", "", "", "", *ids])),
                languages=frozenset({"fr", *draw(st.sets(st.sampled_from(["en", "de"])))})
                if draw(st.integers(0, 4))
                else frozenset({"de"}),
                format=draw(st.sampled_from(["in_person", "video", "either", "either", "either"])),
                timezone=draw(st.sampled_from(ZONES)),
                windows=frozenset(draw(st.sets(st.sampled_from(list(WINDOW_SLOTS))))),
                topics=draw(st.dictionaries(st.sampled_from(["ai", "dei", "csr"]), st.integers(1, 3))),
                style=frozenset(
                    draw(
                        st.sampled_from(
                            [(), ("structured", "hands_on"), ("free", "discussion"), ("structured", "discussion")]
                        )
                    )
                ),
                capacity=draw(st.integers(1, 2)),
                not_with=frozenset(
                    draw(st.sets(st.sampled_from(ids), max_size=1)) if draw(st.integers(0, 3)) == 0 else ()
                ),
            )
        )
    return people


def allowed(mentor: Volunteer, mentee: Volunteer, everyone: list[Volunteer], rules: Rules) -> bool:
    """The hard rules, written plainly: the oracle the vectorised code is checked against."""
    manager_of = {v.id: v.manager_id for v in everyone if v.manager_id}
    return (
        mentee.career_stage - mentor.career_stage >= rules.min_gap
        and bool(mentor.languages & mentee.languages)
        and mentor.id not in managers_above(mentee.id, manager_of)
        and mentee.id not in managers_above(mentor.id, manager_of)
        and mentee.id not in mentor.not_with
        and mentor.id not in mentee.not_with
        and {mentor.format, mentee.format} != {"in_person", "video"}
        and ("in_person" not in (mentor.format, mentee.format) or (mentor.site == mentee.site and mentor.site != ""))
    )


def score(mentor: Volunteer, mentee: Volunteer, weights: Weights) -> int:
    """The score, written plainly."""
    w = weights.normalised()
    wanted = sum(mentee.topics.values())
    topics = sum(p * mentor.topics.get(t, 0) for t, p in mentee.topics.items()) / max(wanted * 3, 1)
    day = NOW.date().isoformat()
    a, b = set(utc_slots(mentee.windows, mentee.timezone, day)), set(utc_slots(mentor.windows, mentor.timezone, day))
    times = len(a & b) / min(len(a), len(b)) if a and b else 0.5
    style = len(mentor.style & mentee.style) / 2
    known = mentor.department and mentee.department
    departments = float(mentor.department != mentee.department) if known else 0.5
    # Each component is rounded on its own, so that the components of a pair add up to its score.
    values = {"topics": topics, "times": times, "style": style, "departments": departments}
    return sum(round(w[name] * POINTS * value) for name, value in values.items())


def best_by_brute_force(people: list[Volunteer], rules: Rules) -> tuple[int, int]:
    mentors = [v for v in people if v.role == "mentor"]
    mentees = [v for v in people if v.role == "mentee"]
    options = []
    for mentee in mentees:
        choices: list[Volunteer | None] = [None]
        for mentor in mentors:
            ok = allowed(mentor, mentee, people, rules)
            if ok and (rules.mode == "most-pairs" or score(mentor, mentee, rules.weights) >= rules.min_score):
                choices.append(mentor)
        options.append(choices)
    best = (0, 0)
    for picks in itertools.product(*options):
        used = [m.id for m in picks if m]
        if any(used.count(m.id) > m.capacity for m in mentors):
            continue
        total = sum(score(m, e, rules.weights) for m, e in zip(picks, mentees, strict=True) if m)
        value = (len(used), total) if rules.mode == "most-pairs" else (0, total)
        best = max(best, value)
    return best


@given(programmes(), st.sampled_from(["most-pairs", "best-pairs"]), st.integers(0, 800))
@settings(max_examples=300)
def test_no_hard_rule_is_ever_broken(people: list[Volunteer], mode: str, min_score: int) -> None:
    rules = Rules(mode=mode, min_score=min_score)  # type: ignore[arg-type]
    found = match(people, rules, NOW)
    by_id = {v.id: v for v in people}
    taken: dict[str, int] = {}
    for pair in found.pairs:
        mentor, mentee = by_id[pair.mentor_id], by_id[pair.mentee_id]
        assert mentor.role == "mentor" and mentee.role == "mentee"
        assert allowed(mentor, mentee, people, rules)
        assert pair.score == score(mentor, mentee, rules.weights)
        assert sum(pair.components.values()) == pair.score
        if mode == "best-pairs":
            assert pair.score >= min_score
        taken[mentor.id] = taken.get(mentor.id, 0) + 1
        assert taken[mentor.id] <= mentor.capacity
    mentees = [p.mentee_id for p in found.pairs]
    assert len(mentees) == len(set(mentees))
    matched = {p.mentor_id for p in found.pairs} | set(mentees)
    assert {u.volunteer_id for u in found.unmatched} == set(by_id) - matched


@given(programmes(), st.sampled_from(["most-pairs", "best-pairs"]), st.integers(0, 800))
@settings(max_examples=300)
def test_small_programmes_get_the_brute_force_optimum(people: list[Volunteer], mode: str, min_score: int) -> None:
    rules = Rules(mode=mode, min_score=min_score)  # type: ignore[arg-type]
    found = match(people, rules, NOW)
    value = (len(found.pairs), found.total_score) if mode == "most-pairs" else (0, found.total_score)
    assert value == best_by_brute_force(people, rules)


@given(programmes())
def test_the_same_input_gives_the_same_proposal(people: list[Volunteer]) -> None:
    assert match(people, Rules(), NOW) == match(list(reversed(people)), Rules(), NOW)


def person(pid: str, role: str, **answers: object) -> Volunteer:
    defaults: dict[str, object] = {
        "career_stage": 1 if role == "mentor" else 4,
        "languages": frozenset({"fr"}),
        "topics": {"ai": 3},
    }
    return Volunteer(id=pid, role=role, **(defaults | answers))  # type: ignore[arg-type]


def reasons(people: list[Volunteer], rules: Rules | None = None) -> dict[str, str]:
    return {u.volunteer_id: u.reason for u in match(people, rules or Rules(), NOW).unmatched}


def test_each_unmatched_volunteer_gets_the_reason_that_left_them_alone() -> None:
    assert reasons([person("m", "mentor"), person("e", "mentee", languages=frozenset({"de"}))]) == {
        "m": "no_shared_language",
        "e": "no_shared_language",
    }
    assert reasons([person("m", "mentor", career_stage=4), person("e", "mentee", career_stage=4)])["e"] == (
        "no_career_gap"
    )
    assert (
        reasons(
            [
                person("m", "mentor", format="in_person", site="Lyon"),
                person("e", "mentee", format="either", site="Paris"),
            ]
        )["e"]
        == "no_compatible_format"
    )
    assert reasons(
        [person("m", "mentor"), person("e", "mentee"), person("f", "mentee", topics={"ai": 1, "dei": 3})]
    ) == {"f": "all_taken"}
    # Two mentees tied for one mentor: whichever is left alone shares no topic with anyone.
    assert list(
        reasons([person("m", "mentor", topics={"dei": 2}), person("e", "mentee"), person("f", "mentee")]).values()
    ) == ["no_topic_in_common"]
    assert reasons([person("m", "mentor"), person("e", "mentee")], Rules(mode="best-pairs", min_score=999)) == {
        "m": "below_min_score",
        "e": "below_min_score",
    }
    assert reasons([person("e", "mentee")]) == {"e": "no_one_in_other_role"}


def test_confidential_rules_are_never_the_stated_reason() -> None:
    boss = person("m", "mentor")
    assert reasons([boss, person("e", "mentee", manager_id="m")])["e"] == "no_compatible_partner"
    assert reasons([boss, person("e", "mentee", not_with=frozenset({"m"}))])["m"] == "no_compatible_partner"
    past = match([boss, person("e", "mentee")], Rules(), NOW, excluded={frozenset({"m", "e"})})
    assert {u.reason for u in past.unmatched} == {"no_compatible_partner"}


def test_a_mentor_takes_as_many_mentees_as_their_capacity_and_most_pairs_beats_best_score() -> None:
    people = [
        person("m", "mentor", capacity=2, topics={"ai": 3, "dei": 3}),
        person("n", "mentor", topics={"dei": 1}),
        person("e", "mentee", topics={"ai": 3}),
        person("f", "mentee", topics={"dei": 3}),
        person("g", "mentee", topics={"ai": 3, "dei": 3}),
    ]
    found = match(people, Rules(), NOW)
    assert len(found.pairs) == 3
    assert sum(p.mentor_id == "m" for p in found.pairs) == 2


def excluded_by(people: list[Volunteer], **kwargs: object) -> dict[str, set[str]]:
    found = match(people, Rules(), NOW, **kwargs)  # type: ignore[arg-type]
    return {u.volunteer_id: set(u.excluded_by) for u in found.unmatched}


def test_what_rules_out_every_candidate_is_known_as_each_person_sees_it() -> None:
    boss = person("m", "mentor")
    assert excluded_by([boss, person("e", "mentee", manager_id="m")]) == {
        "m": {"reporting_line"},
        "e": {"reporting_line"},
    }
    assert excluded_by([boss, person("e", "mentee", not_with=frozenset({"m"}))]) == {
        "m": {"their_not_with"},
        "e": {"own_not_with"},
    }
    assert excluded_by([boss, person("e", "mentee")], excluded={frozenset({"m", "e"})}) == {
        "m": {"past_pair"},
        "e": {"past_pair"},
    }
    two = [boss, person("n", "mentor", manager_id="e"), person("e", "mentee")]
    assert excluded_by(two, forbids={frozenset({"m", "e"})})["e"] == {"forbidden", "reporting_line"}
    # A candidate another rule rules out already (no language in common) is no part of the explanation.
    german = [boss, person("n", "mentor", languages=frozenset({"de"})), person("e", "mentee")]
    assert excluded_by(german, forbids={frozenset({"m", "e"})})["e"] == {"forbidden"}
    assert excluded_by([boss, person("e", "mentee", languages=frozenset({"de"}))]) == {"m": set(), "e": set()}


def test_a_programme_that_requires_a_topic_in_common_never_pairs_without_one() -> None:
    people = [person("m", "mentor", topics={"dei": 2}), person("e", "mentee")]
    assert len(match(people, Rules(), NOW).pairs) == 1  # preferred, as before: allowed, scored low
    assert reasons(people, Rules(topic_overlap="required")) == {"m": "no_topic_in_common", "e": "no_topic_in_common"}


@given(programmes(), st.sampled_from(["most-pairs", "best-pairs"]))
@settings(max_examples=100)
def test_with_a_topic_required_every_pair_shares_one(people: list[Volunteer], mode: str) -> None:
    found = match(people, Rules(mode=mode, topic_overlap="required"), NOW)  # type: ignore[arg-type]
    by_id = {v.id: v for v in people}
    assert all(set(by_id[p.mentor_id].topics) & set(by_id[p.mentee_id].topics) for p in found.pairs)


def first_graph(people: list[Volunteer], rules: Rules) -> set[tuple[str, str]]:
    """The pairs of the sparse candidate graph the matching starts from, before any pricing."""
    mentors = sorted((v for v in people if v.role == "mentor"), key=lambda v: v.id)
    mentees = sorted((v for v in people if v.role == "mentee"), key=lambda v: v.id)
    mentor_side, mentee_side, tables = encode(mentors, mentees, rules, NOW)
    graph = build(Scorer.of(mentor_side, mentee_side, tables, rules, {}))
    return {(mentors[j].id, mentees[i].id) for j, i in zip(graph.mentor, graph.mentee, strict=True)}


def test_a_mentee_whose_only_partner_is_taken_gets_them_when_the_pair_that_frees_them_is_in_no_list() -> None:
    # L speaks only German: D, everyone's favourite, is the only one L can meet. P prefers D and D prefers P; P
    # could go to Q, but Q prefers R, and R prefers Q, though S could take R. With one candidate kept per person,
    # the pair P–Q that lets everyone have a partner is in nobody's list.
    rules = Rules(candidates=1)
    people = [
        person("D", "mentor", languages=frozenset({"fr", "de"}), topics={"ai": 3}),
        person("Q", "mentor", languages=frozenset({"fr", "en"}), topics={"ai": 1, "csr": 3}),
        person("S", "mentor", languages=frozenset({"en"}), topics={"csr": 1}),
        person("L", "mentee", languages=frozenset({"de"}), topics={"dei": 3}),
        person("P", "mentee", languages=frozenset({"fr"}), topics={"ai": 3}),
        person("R", "mentee", languages=frozenset({"en"}), topics={"csr": 3}),
    ]
    assert ("Q", "P") not in first_graph(people, rules)
    found = match(people, rules, NOW)
    assert {(p.mentor_id, p.mentee_id) for p in found.pairs} == {("D", "L"), ("Q", "P"), ("S", "R")}
    assert found.unmatched == [] and found.proof.added > 0 and found.proof.rounds > 1


def test_two_volunteers_whose_pair_is_in_neither_list_are_paired_when_that_gives_everyone_a_partner() -> None:
    # S and T each have a favourite who scores better with them (B, A), but B is as well off with C and A with U:
    # the most pairs need S–T, a pair in neither S's nor T's list of one.
    rules = Rules(candidates=1)
    people = [
        person("S", "mentor", languages=frozenset({"fr"}), topics={"ai": 3}),
        person("C", "mentor", languages=frozenset({"de"}), topics={"ai": 3}),
        person("A", "mentor", languages=frozenset({"en"}), topics={"ai": 3, "dei": 3}),
        person("T", "mentee", languages=frozenset({"fr", "en"}), topics={"ai": 3, "dei": 1}),
        person("B", "mentee", languages=frozenset({"fr", "de"}), topics={"ai": 3}),
        person("U", "mentee", languages=frozenset({"en"}), topics={"ai": 3}),
    ]
    assert ("S", "T") not in first_graph(people, rules)
    found = match(people, rules, NOW)
    assert {(p.mentor_id, p.mentee_id) for p in found.pairs} == {("S", "T"), ("C", "B"), ("A", "U")}
    assert (len(found.pairs), found.total_score) == best_by_brute_force(people, rules)


def scarce_topic_programme(seed: int, size: int) -> list[Volunteer]:
    """Most mentees want a topic few mentors offer; languages, formats and reporting lines still in play."""
    rng = random.Random(seed)
    people = []
    for n in range(size):
        mentor = n % 2 == 0
        scarce = rng.random() < (0.05 if mentor else 0.6)
        topics = {"ai": rng.randint(1, 3)} if scarce else {rng.choice(["dei", "csr", "tools"]): rng.randint(1, 3)}
        if rng.random() < 0.4:
            topics[rng.choice(["dei", "csr", "tools"])] = rng.randint(1, 3)
        people.append(
            Volunteer(
                id=f"v{n:03d}",
                role="mentor" if mentor else "mentee",
                career_stage=rng.randint(1, 3) if mentor else rng.randint(2, 5),
                department=rng.choice(["", "Sales", "Finance", "IT"]),
                site=rng.choice(["Lyon", "Paris"]),
                manager_id=f"v{rng.randrange(size):03d}" if rng.random() < 0.1 else "",
                languages=frozenset(rng.sample(["fr", "en", "de"], rng.randint(1, 2))),
                format=rng.choice(["either", "either", "video", "in_person"]),  # type: ignore[arg-type]
                timezone=rng.choice(ZONES),
                windows=frozenset(rng.sample(list(WINDOW_SLOTS), rng.randint(0, 2))),
                topics=topics,
                style=frozenset(rng.sample(["structured", "hands_on"], rng.randint(0, 2))),
                capacity=rng.choice([1, 1, 2, 3]),
            )
        )
    return people


def optimum_by_assignment(people: list[Volunteer], rules: Rules) -> tuple[int, int]:
    """The optimum of the full allowed graph by another exact method: scipy's assignment solver on the matrix of
    mentees × mentor places (a mentor taking three mentees is three columns), from the plain rules and score."""
    mentors = [v for v in people if v.role == "mentor"]
    mentees = [v for v in people if v.role == "mentee"]
    places = [m for m in mentors for _ in range(m.capacity)]
    points = np.array([[score(m, e, rules.weights) for m in places] for e in mentees], dtype=np.int64)
    ok = np.array([[allowed(m, e, people, rules) for m in places] for e in mentees], dtype=bool)
    if rules.mode == "best-pairs":
        ok &= points >= rules.min_score
    big = POINTS * len(mentees) + 1 if rules.mode == "most-pairs" else 0
    weight = np.where(ok, big + points, 0)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    made = ok[rows, columns] & (weight[rows, columns] > 0)
    return int(made.sum()), int(points[rows, columns][made].sum())


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("mode", ["most-pairs", "best-pairs"])
@pytest.mark.parametrize("candidates", [1, 3])
def test_scarce_topic_programmes_get_the_optimum_of_every_allowed_pair(seed: int, mode: str, candidates: int) -> None:
    # One or three candidates kept per person: the first graph misses much, and the pricing finds more improving
    # pairs than it adds at once.
    people = scarce_topic_programme(seed, 60 + 10 * seed)
    rules = Rules(mode=mode, min_score=450, candidates=candidates)  # type: ignore[arg-type]
    found = match(people, rules, NOW)
    pairs, total = optimum_by_assignment(people, rules)
    assert found.total_score == total
    if mode == "most-pairs":
        assert len(found.pairs) == pairs


def test_alike_volunteers_keep_different_candidates_so_the_first_graph_already_pairs_everyone() -> None:
    # Equal scores everywhere: ties broken the same way for every row would give all mentees the same 30 mentors.
    people = [person(f"m{i:03d}", "mentor") for i in range(300)] + [person(f"e{i:03d}", "mentee") for i in range(300)]
    found = match(people, Rules(), NOW)
    assert len(found.pairs) == 300 and found.proof == Proof(rounds=1, added=0)
