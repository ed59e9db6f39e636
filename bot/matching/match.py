"""Matching as one pure function: volunteers, the programme's rules and the workspace's history → a proposal."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from bot.matching.candidates import STAGES, Graph, Ints, Scorer, build, price
from bot.matching.encode import Side, Tables, encode
from bot.matching.exclusions import Kinds, as_seen_by, exclusion_kinds
from bot.matching.model import COMPONENTS, Pair, Proof, Proposal, Rules, Unmatched, Volunteer
from bot.matching.solve import duals, solve

NEAR = 30  # points below its prices within which a pair is kept for the next solve
# The reason for the first rule that leaves nobody, in STAGES order.
STAGE_REASONS = {
    "language": "no_shared_language",
    "gap": "no_career_gap",
    "format": "no_compatible_format",
    "confidential": "no_compatible_partner",
    "topics": "no_topic_in_common",
    "min_score": "below_min_score",
}


@dataclass
class Solution:
    """The optimal assignment and its proof: prices that cover the weight of every allowed pair (weight: big +
    points in "most pairs" mode, the points in "best pairs" mode) and that the chosen pairs' weights add up to."""

    graph: Graph
    chosen: Ints
    proof: Proof
    mentor_dual: Ints
    mentee_dual: Ints
    big: int


def match(
    volunteers: Sequence[Volunteer],
    rules: Rules,
    now: datetime,
    excluded: Collection[frozenset[str]] = (),
    forbids: Collection[frozenset[str]] = (),
) -> Proposal:
    """The best proposal under the hard rules; `excluded` pairs of ids (past pairs) and `forbids` (the
    coordinators') are never made. Whoever every remaining candidate is excluded for learns by what."""
    mentors = sorted((v for v in volunteers if v.role == "mentor"), key=lambda v: v.id)
    mentees = sorted((v for v in volunteers if v.role == "mentee"), key=lambda v: v.id)
    mentor_side, mentee_side, tables = encode(mentors, mentees, rules, now)
    kinds = exclusion_kinds(mentors, mentees, excluded, forbids)
    forbidden: dict[int, list[int]] = {}
    for row, column in sorted(kinds):
        forbidden.setdefault(row, []).append(column)
    solution = assign(mentor_side, mentee_side, tables, rules, forbidden)
    return proposal(solution, Scorer.of(mentor_side, mentee_side, tables, rules, forbidden), kinds)


def assign(mentors: Side, mentees: Side, tables: Tables, rules: Rules, forbidden: dict[int, list[int]]) -> Solution:
    """Solve on the sparse graph, price every allowed pair left out with the solution's dual prices, add those that
    could improve it, and solve again, until none can: the optimum of every allowed pair, proven."""
    scorer = Scorer.of(mentors, mentees, tables, rules, forbidden)
    graph = build(scorer)
    # More than any points a whole assignment could make up, so that one more pair always outweighs them.
    big = (scorer.top * min(len(mentees), int(mentors.capacity.sum())) + 1) if rules.mode == "most-pairs" else 0
    rounds = added = 0
    covered: tuple[Ints, Ints] | None = None  # prices every pair outside the graph is known to be covered by
    while True:
        rounds += 1
        weight = graph.points + big
        chosen = solve(graph, mentors.capacity, len(mentees), big)
        mentor_dual, mentee_dual = duals(graph, chosen, mentors.capacity, len(mentees), weight)
        found = price(scorer, mentor_dual, mentee_dual, big, rules.candidates, covered)
        if found.mentee.size == 0:
            return Solution(graph, chosen, Proof(rounds, added), mentor_dual, mentee_dual, big)
        # Every pair is now covered by these prices, or added, or of someone whose improving pairs were too many
        # to add at once: their rows and columns are priced again next time, as if their prices had fallen.
        covered = (mentor_dual.copy(), mentee_dual.copy())
        covered[0][found.crowded_mentors] = np.iinfo(np.int64).max
        covered[1][found.crowded_mentees] = np.iinfo(np.int64).max
        # The next solve needs only the chosen pairs, those nearly as good as their prices, and the new ones: a
        # pair dropped is covered by these prices like the others, so nothing is lost, and each solve stays small.
        near = weight - mentor_dual[graph.mentor] - mentee_dual[graph.mentee] > -NEAR
        near[chosen] = True
        kept = Graph(graph.mentor[near], graph.mentee[near], graph.points[near])
        graph = kept.with_edges(found.mentee, found.mentor, found.points)
        added += int(found.mentee.size)


def proposal(solution: Solution, scorer: Scorer, kinds: Kinds | None = None) -> Proposal:
    """The chosen pairs with their points per component, and the unmatched with the reason true of them."""
    graph, chosen = solution.graph, solution.chosen
    mentees, mentors, tables = scorer.rows, scorer.columns, scorer.tables
    j, i = graph.mentor[chosen], graph.mentee[chosen]
    parts = {
        name: tables.points[name][mentees.types[kind][i], mentors.types[kind][j]]
        for name, kind in (("topics", "topics"), ("times", "rest"), ("style", "rest"), ("departments", "rest"))
    }
    pairs = [
        Pair(
            mentors.volunteers[j[k]].id,
            mentees.volunteers[i[k]].id,
            int(graph.points[e]),
            {name: int(parts[name][k]) for name in COMPONENTS},
        )
        for k, e in enumerate(chosen)
    ]
    pairs.sort(key=lambda p: (-p.score, p.mentor_id, p.mentee_id))
    unmatched: list[Unmatched] = []
    for side, role, taken in ((scorer.transposed(), "mentor", j), (scorer, "mentee", i)):
        alone = np.setdiff1d(np.arange(len(side.rows), dtype=np.int64), taken)
        unmatched += _unmatched(side, role, alone, kinds or {})
    return Proposal(pairs, unmatched, solution.proof)


def _unmatched(scorer: Scorer, role: str, rows: Ints, kinds: Kinds) -> list[Unmatched]:
    """Why each of these rows has no partner, from how many partners they have left after each rule."""
    found = []
    for block in scorer.blocks(rows):
        counts = np.stack([mask.sum(axis=1) for mask in scorer.stages(block)], axis=1)
        for row, count in zip(block, counts, strict=True):
            u = Unmatched(scorer.rows.volunteers[row].id, _reason(count, scorer.rules, len(scorer.columns)))
            found.append(_explained(u, role, int(row), scorer, kinds))
    return found


def _explained(u: Unmatched, role: str, row: int, scorer: Scorer, kinds: Kinds) -> Unmatched:
    """The reason as it is true of every candidate. A rule after the confidential exclusions (a topic in common,
    the minimum score) explains nothing when a candidate excluded confidentially would have passed it: that
    candidate is what is missing, so the exclusion is the reason (or, when topics are only preferred, that the
    others were taken)."""
    if u.reason == STAGE_REASONS["confidential"]:
        return replace(u, excluded_by=_excluded_by(role, row, scorer, kinds, STAGES.index("format")))
    if u.reason not in (STAGE_REASONS["topics"], STAGE_REASONS["min_score"]):
        return u
    stage = STAGES.index("min_score" if u.reason == STAGE_REASONS["min_score"] else "topics")
    hidden = _excluded_by(role, row, scorer, kinds, stage)
    if not hidden:
        return u
    if u.reason == STAGE_REASONS["topics"] and scorer.rules.topic_overlap != "required":
        return replace(u, reason="all_taken")
    return replace(u, reason=STAGE_REASONS["confidential"], excluded_by=hidden)


def _excluded_by(role: str, row: int, scorer: Scorer, kinds: Kinds, stage: int) -> frozenset[str]:
    """What excludes each candidate someone would have after the rules up to `stage` of STAGES if nothing were
    excluded, as that person sees it."""
    passing = scorer.stages(np.array([row], dtype=np.int64), exclusions=False)[stage][0]
    pairs = [(row, int(c)) if role == "mentee" else (int(c), row) for c in np.nonzero(passing)[0]]
    return frozenset(k for pair in pairs for k in as_seen_by(kinds.get(pair, set()), role))


def _reason(counts: Ints, rules: Rules, others: int) -> str:
    """Why someone has no partner: the first rule that leaves them nobody, else everyone suitable was taken."""
    if others == 0:
        return "no_one_in_other_role"
    for stage, count in zip(STAGES, counts, strict=True):
        if stage == "topics" and count == 0 and rules.topic_overlap != "required":
            continue  # no topic in common is not a rule unless required; said only if nothing else explains
        if count == 0:
            return STAGE_REASONS[stage]
    if counts[STAGES.index("topics")] == 0:
        return "no_topic_in_common"
    return "all_taken"
