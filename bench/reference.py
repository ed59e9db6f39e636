"""The allowed pairs and their points, computed directly as matrices, block of mentees by block: the definition the
matching had before its lookup tables (bot/matching/candidates.py at b0a6e98), kept apart from the core so that
what checks the core does not share its code.

For a block of mentee rows × every mentor: one mask per hard rule, cumulative in STAGES order, and the points.
"""

import numpy as np
import numpy.typing as npt

from bot.matching.encode import Side
from bot.matching.model import POINTS, Rules

COMPONENTS = ("topics", "times", "style", "departments")
# The hard rules in the order they are explained; `confidential` gathers reporting lines, not-with lists and
# past pairs; the last mask, `min_score`, holds every rule: it is the allowed pairs.
STAGES = ("language", "gap", "format", "confidential", "topics", "min_score")
CELLS_PER_BLOCK = 4_000_000  # mentee rows × mentors scored at once (about 100 MB of arrays)

Masks = list[npt.NDArray[np.bool_]]
Points = npt.NDArray[np.int32]


def blocks(mentees: int, mentors: int) -> list[npt.NDArray[np.int64]]:
    """Mentee rows in blocks small enough that a block × every mentor stays within CELLS_PER_BLOCK."""
    size = max(1, CELLS_PER_BLOCK // max(mentors, 1))
    return [np.arange(start, min(start + size, mentees), dtype=np.int64) for start in range(0, mentees, size)]


def scored(
    mentors: Side, mentees: Side, rows: npt.NDArray[np.int64], rules: Rules, forbidden: dict[int, list[int]]
) -> tuple[Masks, Points]:
    """The masks of STAGES and the points of these mentee rows × every mentor."""
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
    return stages, points


def _stages(
    mentors: Side, mentees: Side, rows: npt.NDArray[np.int64], rules: Rules, forbidden: dict[int, list[int]]
) -> Masks:
    """Cumulative masks: the pairs that pass each hard rule and all before it."""
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


def _components(mentors: Side, mentees: Side, rows: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[np.float32]]:
    """Each score component in [0, 1], in float32 throughout."""
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
