"""Volunteers as arrays, one row per person, so that rules and scores run over thousands of pairs at once."""

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
import numpy.typing as npt

from bot.matching.model import STYLES, Volunteer

FORMATS = {"in_person": 0, "video": 1, "either": 2}
SLOTS = 48  # half hours of a day, in UTC
# Local half-hour slots of each preferred time: morning 9:00–12:00, lunch 12:00–14:00, afternoon 14:00–18:00.
WINDOW_SLOTS = {"morning": range(18, 24), "lunch": range(24, 28), "afternoon": range(28, 36)}
STYLE_ANSWERS = [answer for pair in STYLES for answer in pair]

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


@dataclass
class Side:
    """One role's volunteers: row r of every array is volunteers[r]."""

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


def utc_slots(windows: Iterable[str], timezone: str, day: str) -> list[int]:
    """The UTC half hours of someone's preferred times, on a given day (daylight saving moves them)."""
    shift = _offset_slots(timezone, day)
    return sorted({(slot - shift) % SLOTS for w in windows for slot in WINDOW_SLOTS.get(w, ())})


@cache
def _offset_slots(timezone: str, day: str) -> int:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    offset = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=zone).utcoffset()
    return round(offset.total_seconds() / 1800) if offset else 0


def _index(values: Iterable[str]) -> dict[str, int]:
    return {value: i for i, value in enumerate(sorted(set(values)))}


def _key(text: str) -> str:
    return " ".join(text.lower().split())
