"""The allowed pairs and their points, computed directly as matrices, block of mentees by block: the definition the
matching had before its lookup tables (bot/matching/encode.py and candidates.py at b0a6e98), kept apart from the
core so that what checks the core shares none of its code. One change since: a pair's points are its components'
points, each rounded on its own, added up (as the core counts them since c6e615b, so that an explanation adds up).

Volunteers are encoded as dense arrays, one row per person (`encode`); then for a block of mentee rows × every
mentor: one mask per hard rule, cumulative in STAGES order, and the points (`scored`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.matching.encode import SLOTS, utc_slots  # when someone's preferred times fall: a definition, not a score
from bot.matching.model import POINTS, STYLES, Rules, Volunteer

COMPONENTS = ("topics", "times", "style", "departments")
# The hard rules in the order they are explained; `confidential` gathers reporting lines, not-with lists and
# past pairs; the last mask, `min_score`, holds every rule: it is the allowed pairs.
STAGES = ("language", "gap", "format", "confidential", "topics", "min_score")
CELLS_PER_BLOCK = 4_000_000  # mentee rows × mentors scored at once (about 100 MB of arrays)

FORMATS = {"in_person": 0, "video": 1, "either": 2}
STYLE_ANSWERS = [answer for pair in STYLES for answer in pair]

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


@dataclass
class Side:
    """One role's volunteers as dense arrays: row r of every array is volunteers[r]."""

    volunteers: Sequence[Volunteer]
    stage: Ints
    languages: Floats  # one-hot over the languages either side speaks
    format: Ints
    site: Ints  # -1 when unknown
    department: Ints  # -1 when unknown
    topics: Floats  # levels (mentors) or priorities (mentees), 0 when absent
    slots: Floats  # preferred half hours, in UTC
    style: Floats  # one-hot over the style answers
    capacity: Ints

    def __len__(self) -> int:
        return len(self.volunteers)


def encode(mentors: Sequence[Volunteer], mentees: Sequence[Volunteer], now: datetime) -> tuple[Side, Side]:
    """The mentors' and the mentees' arrays; time windows are placed in UTC as on the day of `now`."""
    everyone = [*mentors, *mentees]
    languages = _index(code for v in everyone for code in v.languages)
    topics = _index(key for v in everyone for key in v.topics)
    sites = _index(_key(v.site) for v in everyone if v.site.strip())
    departments = _index(_key(v.department) for v in everyone if v.department.strip())
    day = now.date().isoformat()
    # Both sides share the same columns (languages, topics, sites, departments), so they compare.
    return (
        _side(mentors, languages, topics, sites, departments, day),
        _side(mentees, languages, topics, sites, departments, day),
    )


def _side(
    volunteers: Sequence[Volunteer],
    languages: dict[str, int],
    topics: dict[str, int],
    sites: dict[str, int],
    departments: dict[str, int],
    day: str,
) -> Side:
    n = len(volunteers)
    side = Side(
        volunteers=volunteers,
        stage=np.array([v.career_stage for v in volunteers], dtype=np.int32),
        languages=np.zeros((n, max(len(languages), 1)), dtype=np.float32),
        format=np.array([FORMATS[v.format] for v in volunteers], dtype=np.int32),
        site=np.array([sites.get(_key(v.site), -1) for v in volunteers], dtype=np.int32),
        department=np.array([departments.get(_key(v.department), -1) for v in volunteers], dtype=np.int32),
        topics=np.zeros((n, max(len(topics), 1)), dtype=np.float32),
        slots=np.zeros((n, SLOTS), dtype=np.float32),
        style=np.zeros((n, len(STYLE_ANSWERS)), dtype=np.float32),
        capacity=np.array([max(v.capacity, 1) for v in volunteers], dtype=np.int32),
    )
    for row, v in enumerate(volunteers):
        side.languages[row, [languages[code] for code in v.languages]] = 1
        for key, level in v.topics.items():
            side.topics[row, topics[key]] = level
        side.slots[row, utc_slots(v.windows, v.timezone, day)] = 1
        side.style[row, [STYLE_ANSWERS.index(a) for a in v.style if a in STYLE_ANSWERS]] = 1
    return side


def _index(values: Iterable[str]) -> dict[str, int]:
    return {value: i for i, value in enumerate(sorted(set(values)))}


def _key(text: str) -> str:
    return " ".join(text.lower().split())


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
    points = np.zeros(comps["topics"].shape, dtype=np.int32)
    for c in COMPONENTS:
        points += np.rint(np.float64(weights[c] * POINTS) * comps[c]).astype(np.int32)
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


def _components(mentors: Side, mentees: Side, rows: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[np.float64]]:
    """Each score component in [0, 1]; counts are summed in float32 (exact), ratios taken in float64."""
    half = 0.5
    wanted = mentees.topics[rows]
    # The mentee's priorities (1–3) times the mentor's levels (1–3), over the best that could be.
    reach = np.maximum(wanted.sum(axis=1, keepdims=True).astype(np.float64) * 3, 1)
    topics = (wanted @ mentors.topics.T).astype(np.float64) / reach
    slots_a, slots_b = mentees.slots[rows].sum(axis=1), mentors.slots.sum(axis=1)
    shared = (mentees.slots[rows] @ mentors.slots.T).astype(np.float64)
    smaller = np.minimum(slots_a[:, None], slots_b[None, :]).astype(np.float64)
    # Someone who gave no preferred time fits anyone's, halfway.
    times = np.where(smaller > 0, shared / np.maximum(smaller, 1), half)
    style = (mentees.style[rows] @ mentors.style.T).astype(np.float64) * half
    da, db = mentees.department[rows, None], mentors.department[None, :]
    departments = np.where((da < 0) | (db < 0), half, (da != db).astype(np.float64))
    return {"topics": topics, "times": times, "style": style, "departments": departments}
