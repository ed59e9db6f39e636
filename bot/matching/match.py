"""Matching as one pure function: volunteers, the programme's rules and the workspace's history → a proposal."""

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.matching.candidates import (
    COMPONENTS,
    STAGES,
    Graph,
    Ints,
    before_exclusions,
    build,
    widen,
    without_exclusions,
)
from bot.matching.encode import Side, encode
from bot.matching.exclusions import Kinds, as_seen_by, exclusion_kinds
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
    mentor_side, mentee_side = encode(mentors, mentees, now)
    kinds = exclusion_kinds(mentors, mentees, excluded, forbids)
    forbidden: dict[int, list[int]] = {}
    for row, column in sorted(kinds):
        forbidden.setdefault(row, []).append(column)
    graph, chosen = assign(mentor_side, mentee_side, rules, forbidden)
    found = proposal(graph, chosen, mentors, mentees, rules)
    rows = {v.id: ("mentor", j) for j, v in enumerate(mentors)} | {v.id: ("mentee", i) for i, v in enumerate(mentees)}
    found.unmatched = [
        _explained(u, *rows[u.volunteer_id], mentor_side, mentee_side, rules, kinds) for u in found.unmatched
    ]
    return found


def _explained(
    u: Unmatched, role: str, row: int, mentors: Side, mentees: Side, rules: Rules, kinds: Kinds
) -> Unmatched:
    """The reason as it is true of every candidate. A rule after the confidential exclusions (a topic in common,
    the minimum score) explains nothing when a candidate excluded confidentially would have passed it: that
    candidate is what is missing, so the exclusion is the reason (or, when topics are only preferred, that the
    others were taken)."""
    if u.reason == STAGE_REASONS["confidential"]:
        return replace(u, excluded_by=_excluded_by(role, row, mentors, mentees, rules, kinds))
    if u.reason not in (STAGE_REASONS["topics"], STAGE_REASONS["min_score"]):
        return u
    stage = STAGES.index("min_score" if u.reason == STAGE_REASONS["min_score"] else "topics")
    hidden = _excluded_by(role, row, mentors, mentees, rules, kinds, stage)
    if not hidden:
        return u
    if u.reason == STAGE_REASONS["topics"] and rules.topic_overlap != "required":
        return replace(u, reason="all_taken")
    return replace(u, reason=STAGE_REASONS["confidential"], excluded_by=hidden)


def _excluded_by(
    role: str, row: int, mentors: Side, mentees: Side, rules: Rules, kinds: Kinds, stage: int | None = None
) -> frozenset[str]:
    """What excludes each candidate someone had left after the open rules (those before the exclusions, or up to
    `stage` of STAGES as if nothing were excluded), as that person sees it."""

    def passing(rows: Ints) -> npt.NDArray[np.bool_]:
        if stage is None:
            return before_exclusions(mentors, mentees, rows, rules)
        return without_exclusions(mentors, mentees, rows, rules)[stage]

    if role == "mentee":
        open_to = np.nonzero(passing(np.array([row], dtype=np.int64))[0])[0]
        pairs = [(row, int(j)) for j in open_to]
    else:
        rows = np.array(sorted({i for i, j in kinds if j == row}), dtype=np.int64)
        allowed = passing(rows)[:, row] if rows.size else np.zeros(0, bool)
        pairs = [(int(i), row) for i in rows[allowed]]
    return frozenset(k for pair in pairs for k in as_seen_by(kinds.get(pair, set()), role))


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
        if stage == "topics" and count == 0 and rules.topic_overlap != "required":
            continue  # no topic in common is not a rule unless required; said only if nothing else explains
        if count == 0:
            return STAGE_REASONS[stage]
    if counts[STAGES.index("topics")] == 0:
        return "no_topic_in_common"
    return "all_taken"
