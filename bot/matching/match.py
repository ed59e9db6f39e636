"""Matching as one pure function: volunteers, the programme's rules and the workspace's history → a proposal."""

from collections.abc import Collection, Sequence
from datetime import datetime

import numpy as np

from bot.matching.candidates import COMPONENTS, STAGES, Graph, Ints, build, widen
from bot.matching.encode import Side, encode
from bot.matching.exclusions import forbidden_pairs
from bot.matching.model import POINTS, Pair, Proposal, Rules, Unmatched, Volunteer
from bot.matching.solve import solve

WIDENINGS = 3  # rounds of adding every allowed pair of the mentees left alone
# The reason for the first rule that leaves nobody, in STAGES order.
STAGE_REASONS = {
    "language": "no_shared_language",
    "gap": "no_career_gap",
    "format": "no_compatible_format",
    "confidential": "no_compatible_partner",
    "topics": "no_topic_in_common",
    "min_score": "below_min_score",
}


def match(
    volunteers: Sequence[Volunteer], rules: Rules, now: datetime, excluded: Collection[frozenset[str]] = ()
) -> Proposal:
    """The best proposal under the hard rules; `excluded` pairs of ids (past pairs, forbids) are never made."""
    mentors = sorted((v for v in volunteers if v.role == "mentor"), key=lambda v: v.id)
    mentees = sorted((v for v in volunteers if v.role == "mentee"), key=lambda v: v.id)
    mentor_side, mentee_side = encode(mentors, mentees, now)
    graph, chosen = assign(mentor_side, mentee_side, rules, forbidden_pairs(mentors, mentees, excluded))
    return proposal(graph, chosen, mentors, mentees, rules)


def assign(mentors: Side, mentees: Side, rules: Rules, forbidden: dict[int, list[int]]) -> tuple[Graph, Ints]:
    """Solve on the sparse graph; mentees it leaves alone although they have partners get every allowed pair
    added, and it is solved again, until nobody more can be matched that way."""
    graph = build(mentors, mentees, rules, forbidden)
    chosen = solve(graph, mentors.capacity, len(mentees), rules.mode)
    for _ in range(WIDENINGS):
        matched = np.zeros(len(mentees), dtype=bool)
        matched[graph.mentee[chosen]] = True
        lonely = np.nonzero(~matched & (graph.mentee_counts[:, -1] > 0))[0]
        wider = widen(graph, mentors, mentees, rules, forbidden, lonely) if lonely.size else graph
        if wider.mentor.size == graph.mentor.size:
            break
        graph = wider
        chosen = solve(graph, mentors.capacity, len(mentees), rules.mode)
    return graph, chosen


def proposal(
    graph: Graph, chosen: np.ndarray, mentors: Sequence[Volunteer], mentees: Sequence[Volunteer], rules: Rules
) -> Proposal:
    weights = rules.weights.normalised()
    pairs = []
    for e in chosen:
        points = {
            name: round(weights[name] * float(graph.components[e, k]) * POINTS) for k, name in enumerate(COMPONENTS)
        }
        pairs.append(Pair(mentors[graph.mentor[e]].id, mentees[graph.mentee[e]].id, int(graph.points[e]), points))
    pairs.sort(key=lambda p: (-p.score, p.mentor_id, p.mentee_id))
    matched_mentors = set(graph.mentor[chosen].tolist())
    matched_mentees = set(graph.mentee[chosen].tolist())
    unmatched = [
        Unmatched(v.id, _reason(graph.mentor_counts[j], rules, len(mentees)))
        for j, v in enumerate(mentors)
        if j not in matched_mentors
    ]
    unmatched += [
        Unmatched(v.id, _reason(graph.mentee_counts[i], rules, len(mentors)))
        for i, v in enumerate(mentees)
        if i not in matched_mentees
    ]
    return Proposal(pairs, unmatched)


def _reason(counts: np.ndarray, rules: Rules, others: int) -> str:
    """Why someone has no partner: the first rule that leaves them nobody, else everyone suitable was taken."""
    if others == 0:
        return "no_one_in_other_role"
    for stage, count in zip(STAGES, counts, strict=True):
        if stage == "topics" and count == 0:
            continue  # no topic in common is not a rule; said only if nothing else explains
        if count == 0:
            return STAGE_REASONS[stage]
    if counts[STAGES.index("topics")] == 0:
        return "no_topic_in_common"
    return "all_taken"
