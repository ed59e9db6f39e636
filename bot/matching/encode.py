"""Volunteers as profile types, and the rules and scores between types as small tables.

A score or a rule depends on a few answers only: the topics, the preferred times, the style, the department; the
languages, career stage, format and site. Thousands of volunteers share far fewer distinct answers (about 1,600
topic profiles among 20,000 mentees), so each is computed once per pair of distinct answers, and a block of
volunteer pairs reads its values from these tables instead of recomputing them.
"""

import zoneinfo
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.matching.model import POINTS, STYLES, Rules, Volunteer

SLOTS = 48  # half hours of a day, in UTC
# Local half-hour slots of each preferred time: morning 9:00–12:00, lunch 12:00–14:00, afternoon 14:00–18:00.
WINDOW_SLOTS = {"morning": range(18, 24), "lunch": range(24, 28), "afternoon": range(28, 36)}
STYLE_ANSWERS = frozenset(answer for pair in STYLES for answer in pair)

# How far a pair gets through the open rules, in the order they are explained: 0 no language in common,
# 1 a language but no career gap, 2 a gap but formats that cannot meet, 3 every open rule passed.
OPEN_RULES = ("language", "gap", "format")

Ints = npt.NDArray[np.int64]
Keys = npt.NDArray[np.int32]
Table = npt.NDArray[Any]


@dataclass
class Side:
    """One role's volunteers: row r of every array is volunteers[r]; `types` gives each row's type per aspect."""

    volunteers: Sequence[Volunteer]
    capacity: npt.NDArray[np.int32]
    types: dict[str, Keys]  # "rules", "topics", "rest" (times, style and department together)

    def __len__(self) -> int:
        return len(self.volunteers)


@dataclass
class Tables:
    """Between a mentee type (rows) and a mentor type (columns): how far the open rules go, whether a topic is
    shared, and the points of each component; `rest` sums times, style and departments."""

    level: Table  # rules × rules, uint8: how many of OPEN_RULES the pair passes in a row
    shared: Table  # topics × topics, bool: a topic in common
    points: dict[str, Table]  # topics × topics for "topics", rest × rest for the others and for "rest", int16


def encode(
    mentors: Sequence[Volunteer], mentees: Sequence[Volunteer], rules: Rules, now: datetime
) -> tuple[Side, Side, Tables]:
    """Both sides as types, and the tables between them; time windows are placed in UTC as on the day of `now`."""
    day = now.date().isoformat()
    profiles = [_profiles(side, day) for side in (mentors, mentees)]
    sides = []
    distinct: list[dict[str, list[Any]]] = []
    for volunteers, profile in zip((mentors, mentees), profiles, strict=True):
        types: dict[str, Keys] = {}
        values: dict[str, list[Any]] = {}
        for aspect in ("rules", "topics", "times", "style", "department"):
            types[aspect], values[aspect] = _intern(p[aspect] for p in profile)
        rest = np.stack([types["times"], types["style"], types["department"]], axis=1)
        uniq, inverse = np.unique(rest, axis=0, return_inverse=True)
        types["rest"] = inverse.ravel().astype(np.int32)
        values["rest"] = [tuple(int(x) for x in row) for row in uniq]
        capacity = np.array([max(v.capacity, 1) for v in volunteers], dtype=np.int32)
        sides.append(Side(volunteers, capacity, {k: types[k] for k in ("rules", "topics", "rest")}))
        distinct.append(values)
    mentor_values, mentee_values = distinct
    return sides[0], sides[1], _tables(mentor_values, mentee_values, rules)


def _profiles(volunteers: Sequence[Volunteer], day: str) -> list[dict[str, Hashable]]:
    return [
        {
            "rules": (v.languages, v.career_stage, v.format, _key(v.site)),
            "topics": tuple(sorted(v.topics.items())),
            "times": _utc_slots(v.windows, v.timezone, day),
            "style": frozenset(v.style & STYLE_ANSWERS),
            "department": _key(v.department),
        }
        for v in volunteers
    ]


def _intern(values: Iterable[Hashable]) -> tuple[Keys, list[Any]]:
    """Each value's type number, and the distinct values in order of first appearance."""
    index: dict[Hashable, int] = {}
    keys = [index.setdefault(value, len(index)) for value in values]
    return np.array(keys, dtype=np.int32), list(index)


def _tables(mentors: dict[str, list[Any]], mentees: dict[str, list[Any]], rules: Rules) -> Tables:
    weights = rules.weights.normalised()

    def points(component: str, value: Table) -> Table:
        # Each component is rounded on its own, so that a pair's components add up to its score exactly.
        return np.rint(np.float64(weights[component] * POINTS) * value).astype(np.int16)

    # Topics: the mentee's priorities (1–3) times the mentor's levels (1–3), over the best that could be.
    names = sorted({t for side in (mentors, mentees) for profile in side["topics"] for t, _ in profile})
    wanted = _matrix(mentees["topics"], names)
    offered = _matrix(mentors["topics"], names)
    topics = (wanted @ offered.T) / np.maximum(wanted.sum(axis=1, keepdims=True) * 3, 1)
    # Times: the share of the smaller set of half hours both prefer; someone who gave none fits anyone, halfway.
    a, b = _slots(mentees["times"]), _slots(mentors["times"])
    smaller = np.minimum(a.sum(axis=1)[:, None], b.sum(axis=1)[None, :])
    times = np.where(smaller > 0, (a @ b.T) / np.maximum(smaller, 1), 0.5)
    style = _pairwise(mentees["style"], mentors["style"], lambda x, y: len(x & y) / 2)
    departments = _pairwise(
        mentees["department"], mentors["department"], lambda x, y: 0.5 if not x or not y else float(x != y)
    )
    # The rest: one table over (times, style, department) types of both sides.
    rows = np.array(mentees["rest"], dtype=np.int64).reshape(-1, 3)
    columns = np.array(mentors["rest"], dtype=np.int64).reshape(-1, 3)
    by_part = (points("times", times), points("style", style), points("departments", departments))
    parts = {
        name: table[np.ix_(rows[:, k], columns[:, k])]
        for k, (name, table) in enumerate(zip(("times", "style", "departments"), by_part, strict=True))
    }
    rest = (parts["times"].astype(np.int32) + parts["style"] + parts["departments"]).astype(np.int16)
    return Tables(
        level=_levels(mentees["rules"], mentors["rules"], rules),
        shared=(wanted @ offered.T) > 0,
        points={"topics": points("topics", topics), **parts, "rest": rest},
    )


def _levels(mentees: list[Any], mentors: list[Any], rules: Rules) -> Table:
    languages = sorted({code for side in (mentees, mentors) for profile in side for code in profile[0]})
    sites = {site: k for k, site in enumerate(sorted({profile[3] for side in (mentees, mentors) for profile in side}))}

    def columns(profiles: list[Any]) -> tuple[Table, Table, Table, Table]:
        spoken = _pairwise(profiles, languages, lambda p, code: float(code in p[0]))
        stage = np.array([p[1] for p in profiles], dtype=np.int64)
        formats = np.array([p[2] for p in profiles], dtype=object)
        # An unknown site (empty) is never the same place as anyone's.
        site = np.array([sites[p[3]] if p[3] else -1 for p in profiles], dtype=np.int64)
        return spoken, stage, formats, site

    la, sa, fa, pa = columns(mentees)
    lb, sb, fb, pb = columns(mentors)
    language = (la @ lb.T) > 0
    gap = (sa[:, None] - sb[None, :]) >= rules.min_gap
    fa, fb = fa[:, None], fb[None, :]
    clash = ((fa == "in_person") & (fb == "video")) | ((fa == "video") & (fb == "in_person"))
    apart = ((fa == "in_person") | (fb == "in_person")) & ((pa[:, None] != pb[None, :]) | (pa[:, None] < 0))
    formats = ~clash & ~apart
    level: Table = (language.astype(np.uint8) + (language & gap) + (language & gap & formats)).astype(np.uint8)
    return level


def _pairwise(rows: list[Any], columns: list[Any], value: Callable[[Any, Any], float]) -> Table:
    """A small table of a value between two short lists of distinct answers."""
    found = np.zeros((len(rows), len(columns)), dtype=np.float64)
    for r, x in enumerate(rows):
        for c, y in enumerate(columns):
            found[r, c] = value(x, y)
    return found


def _matrix(profiles: list[tuple[tuple[str, int], ...]], names: list[str]) -> Table:
    column = {name: k for k, name in enumerate(names)}
    found = np.zeros((len(profiles), max(len(names), 1)), dtype=np.float64)
    for row, profile in enumerate(profiles):
        for name, level in profile:
            found[row, column[name]] = level
    return found


def _slots(profiles: list[tuple[int, ...]]) -> Table:
    found = np.zeros((len(profiles), SLOTS), dtype=np.float64)
    for row, slots in enumerate(profiles):
        found[row, list(slots)] = 1
    return found


def utc_slots(windows: Iterable[str], timezone: str, day: str) -> list[int]:
    """The UTC half hours of someone's preferred times, on a given day (daylight saving moves them)."""
    shift = _offset_slots(timezone, day)
    return sorted({(slot - shift) % SLOTS for w in windows for slot in WINDOW_SLOTS.get(w, ())})


@cache
def _utc_slots(windows: frozenset[str], timezone: str, day: str) -> tuple[int, ...]:
    """utc_slots, once per distinct answer: thousands of volunteers share a few dozen."""
    return tuple(utc_slots(windows, timezone, day))


@cache
def _offset_slots(timezone: str, day: str) -> int:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    offset = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=zone).utcoffset()
    return round(offset.total_seconds() / 1800) if offset else 0


def _key(text: str) -> str:
    return " ".join(text.lower().split())
