"""The sparse candidate graph: every allowed pair scored, block by block, keeping each person's best candidates.

No all-pairs matrix is ever held: mentees are taken in blocks small enough for memory, and only the best
`Rules.candidates` partners of each mentee and of each mentor survive a block. How many partners each person
passes every hard rule with is counted on the way, to explain who stays unmatched.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.matching.encode import Side
from bot.matching.model import POINTS, Rules

COMPONENTS = ("topics", "times", "style", "departments")
# The hard rules in the order they are explained; `confidential` gathers reporting lines, not-with lists and
# past pairs, which are never named to anyone.
STAGES = ("language", "gap", "format", "confidential", "topics", "min_score")
CELLS_PER_BLOCK = 4_000_000  # mentee rows × mentor columns scored at once (about 100 MB of arrays)
JITTER = 4096  # room below each point for the tie-break of the selection key

Ints = npt.NDArray[np.int64]
Keys = npt.NDArray[np.int32]  # points × JITTER + tie-break: 32 bits are enough, and twice as fast to sort
# Mentee rows, mentor columns, points (any integer width until the union), components.
Edges = tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float32]]


@dataclass
class Graph:
    mentor: Ints  # edge e joins mentors[mentor[e]] …
    mentee: Ints  # … with mentees[mentee[e]]
    points: Ints
    components: npt.NDArray[np.float32]  # edge × COMPONENTS, each in [0, 1]
    mentee_counts: Ints  # mentee × STAGES: partners still allowed after each rule
    mentor_counts: Ints  # mentor × STAGES


def build(mentors: Side, mentees: Side, rules: Rules, forbidden: dict[int, list[int]]) -> Graph:
    """Score every allowed pair, keep the best candidates of everyone, count partners at every rule."""
    m, n, keep = len(mentors), len(mentees), rules.candidates
    kept: list[Edges] = []
    mentee_counts = np.zeros((n, len(STAGES)), dtype=np.int64)
    mentor_counts = np.zeros((m, len(STAGES)), dtype=np.int64)
    # Each mentor's best candidates so far: mentee rows, selection keys and components, `keep` rows deep.
    best_rows = np.zeros((0, m), dtype=np.int64)
    best_keys = np.zeros((0, m), dtype=np.int32)
    best_comps = np.zeros((0, m, len(COMPONENTS)), dtype=np.float32)
    for rows in _blocks(np.arange(n), m):
        stages, comps, points = _scored(mentors, mentees, rows, rules, forbidden)
        for s, mask in enumerate(stages):
            mentee_counts[rows, s] = mask.sum(axis=1)
            mentor_counts[:, s] += mask.sum(axis=0)
        key = _selection_key(stages[-1], points, rows)
        r, c = _top_per_row(key, keep)
        kept.append((rows[r], c, points[r, c], np.stack([comps[name][r, c] for name in COMPONENTS], axis=1)))
        top = _top_per_column(key, keep)
        picked = np.stack([np.take_along_axis(comps[name], top, axis=0) for name in COMPONENTS], axis=2)
        best_rows = np.vstack([best_rows, rows[top]])
        best_keys = np.vstack([best_keys, np.take_along_axis(key, top, axis=0)])
        best_comps = np.concatenate([best_comps, picked])
        if len(best_rows) > keep:
            order = _top_per_column(best_keys, keep)
            best_rows = np.take_along_axis(best_rows, order, axis=0)
            best_keys = np.take_along_axis(best_keys, order, axis=0)
            best_comps = np.take_along_axis(best_comps, order[:, :, None], axis=0)
    good = best_keys >= 0
    mentor_side = (best_rows[good], np.nonzero(good)[1], best_keys[good] // JITTER, best_comps[good])
    return _union([*kept, mentor_side], mentee_counts, mentor_counts)


def widen(
    graph: Graph, mentors: Side, mentees: Side, rules: Rules, forbidden: dict[int, list[int]], rows: Ints
) -> Graph:
    """The graph with every allowed pair of these mentee rows added (for mentees a first solve left alone)."""
    added: list[Edges] = []
    for block in _blocks(rows, len(mentors)):
        stages, comps, points = _scored(mentors, mentees, block, rules, forbidden)
        r, c = np.nonzero(stages[-1])
        added.append((block[r], c, points[r, c], np.stack([comps[name][r, c] for name in COMPONENTS], axis=1)))
    current = (graph.mentee, graph.mentor, graph.points, graph.components)
    return _union([current, *added], graph.mentee_counts, graph.mentor_counts)


def _blocks(rows: Ints, columns: int) -> list[Ints]:
    size = max(1, CELLS_PER_BLOCK // max(columns, 1))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _scored(
    mentors: Side, mentees: Side, rows: Ints, rules: Rules, forbidden: dict[int, list[int]]
) -> tuple[list[npt.NDArray[np.bool_]], dict[str, npt.NDArray[np.float32]], Keys]:
    """For a block of mentees × every mentor: the masks of STAGES, the components, the points."""
    weights = rules.weights.normalised()
    stages = _stages(mentors, mentees, rows, rules, forbidden)
    comps = _components(mentors, mentees, rows)
    total = sum(np.float32(weights[c]) * comps[c] for c in COMPONENTS)
    points = np.rint(total * np.float32(POINTS)).astype(np.int32)
    stages.append(stages[-1] & (comps["topics"] > 0))
    floor = rules.min_score if rules.mode == "best-pairs" else 0
    # Topics in common are a hard rule only when the programme requires them; otherwise they only score.
    allowed = stages[4] if rules.topic_overlap == "required" else stages[3]
    stages.append(allowed & (points >= floor))
    return stages, comps, points


def _selection_key(allowed: npt.NDArray[np.bool_], points: Keys, rows: Ints) -> Keys:
    """Points first, then a fixed pseudo-random tie-break, so that among equal candidates each person keeps
    different ones: everyone keeping the same few would leave most people without a candidate."""
    jitter = _TIE_ROWS[rows % _TIE_ROWS.size, None] ^ _TIE_COLUMNS[None, np.arange(points.shape[1]) % _TIE_ROWS.size]
    return np.where(allowed, points * JITTER + jitter, -1)


# Fixed, so that the same input always gives the same graph.
_TIE_ROWS = np.random.default_rng(20261126).integers(0, JITTER, size=65536, dtype=np.int32)
_TIE_COLUMNS = np.random.default_rng(19).integers(0, JITTER, size=65536, dtype=np.int32)


def before_exclusions(mentors: Side, mentees: Side, rows: Ints, rules: Rules) -> npt.NDArray[np.bool_]:
    """The pairs of these mentee rows × every mentor that pass every rule before the confidential exclusions."""
    return _stages(mentors, mentees, rows, rules, {})[2]


def without_exclusions(mentors: Side, mentees: Side, rows: Ints, rules: Rules) -> list[npt.NDArray[np.bool_]]:
    """The masks of every stage for these mentee rows × every mentor, as if no confidential exclusion applied."""
    return _scored(mentors, mentees, rows, rules, {})[0]


def _stages(
    mentors: Side, mentees: Side, rows: Ints, rules: Rules, forbidden: dict[int, list[int]]
) -> list[npt.NDArray[np.bool_]]:
    """Cumulative masks (block rows × mentors): the pairs that pass each hard rule and all before it."""
    language = (mentees.languages[rows] @ mentors.languages.T) > 0
    gap = language & ((mentees.stage[rows, None] - mentors.stage[None, :]) >= rules.min_gap)
    fa, fb = mentees.format[rows, None], mentors.format[None, :]
    in_person, video = 0, 1
    clash = ((fa == in_person) & (fb == video)) | ((fa == video) & (fb == in_person))
    apart = ((fa == in_person) | (fb == in_person)) & (
        (mentees.site[rows, None] != mentors.site[None, :]) | (mentees.site[rows, None] < 0)
    )
    formats = gap & ~clash & ~apart
    confidential = formats.copy()
    for local, row in enumerate(rows):
        if int(row) in forbidden:
            confidential[local, forbidden[int(row)]] = False
    return [language, gap, formats, confidential]


def _components(mentors: Side, mentees: Side, rows: Ints) -> dict[str, npt.NDArray[np.float32]]:
    """Each score component in [0, 1] for every pair of the block, in float32 throughout."""
    half = np.float32(0.5)
    wanted = mentees.topics[rows]
    # The mentee's priorities (1–3) times the mentor's levels (1–3), over the best that could be.
    reach = np.maximum(wanted.sum(axis=1, keepdims=True) * np.float32(3), np.float32(1))
    topics = (wanted @ mentors.topics.T) / reach
    slots_a, slots_b = mentees.slots[rows].sum(axis=1), mentors.slots.sum(axis=1)
    shared = mentees.slots[rows] @ mentors.slots.T
    smaller = np.minimum(slots_a[:, None], slots_b[None, :])
    # Someone who gave no preferred time fits anyone's, halfway.
    times = np.where(smaller > 0, shared / np.maximum(smaller, np.float32(1)), half)
    style = (mentees.style[rows] @ mentors.style.T) * half
    da, db = mentees.department[rows, None], mentors.department[None, :]
    departments = np.where((da < 0) | (db < 0), half, (da != db).astype(np.float32))
    found = {"topics": topics, "times": times, "style": style, "departments": departments}
    return {name: value.astype(np.float32, copy=False) for name, value in found.items()}


def _top_per_row(key: Keys, keep: int) -> tuple[Ints, Ints]:
    """Row and column of each row's `keep` highest keys that are allowed (key ≥ 0)."""
    take = min(keep, key.shape[1])
    top = np.argpartition(-key, take - 1, axis=1)[:, :take] if take < key.shape[1] else np.argsort(-key, axis=1)
    r = np.repeat(np.arange(key.shape[0]), top.shape[1])
    c = top.ravel()
    good = key[r, c] >= 0
    return r[good], c[good]


def _top_per_column(key: Keys, keep: int) -> Ints:
    """Row indices (keep × columns) of each column's highest keys; fewer rows than `keep` gives them all."""
    if key.shape[0] <= keep:
        return np.argsort(-key, axis=0, kind="stable")
    return np.argpartition(-key, keep - 1, axis=0)[:keep]


def _union(parts: list[Edges], mentee_counts: Ints, mentor_counts: Ints) -> Graph:
    rows = np.concatenate([p[0] for p in parts]).astype(np.int64)
    cols = np.concatenate([p[1] for p in parts]).astype(np.int64)
    points = np.concatenate([p[2] for p in parts]).astype(np.int64)
    comps = np.concatenate([p[3] for p in parts]) if rows.size else np.zeros((0, len(COMPONENTS)), np.float32)
    width = int(cols.max()) + 1 if cols.size else 1
    _, first = np.unique(rows * width + cols, return_index=True)  # sorted: the same input gives the same graph
    return Graph(
        mentor=cols[first],
        mentee=rows[first],
        points=points[first],
        components=comps[first],
        mentee_counts=mentee_counts,
        mentor_counts=mentor_counts,
    )
