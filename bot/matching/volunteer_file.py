"""Volunteers from a CSV file (a form or HR export), with a line-numbered reason for every malformed row."""

import csv
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from bot.matching.model import STYLES, WINDOWS, Format, Proposal, Role, Volunteer

REQUIRED = ("id", "role", "career_stage", "languages")
COLUMNS = (
    "id",
    "name",
    "role",
    "career_stage",
    "department",
    "site",
    "manager_id",
    "languages",
    "format",
    "timezone",
    "windows",
    "topics",
    "style",
    "capacity",
    "not_with",
)
REASON_TEXT = {
    "no_shared_language": "no candidate speaks a language in common",
    "no_career_gap": "no candidate at a suitable career stage",
    "no_compatible_format": "no candidate can meet in the same format or place",
    "no_compatible_partner": "no compatible partner this time",
    "no_topic_in_common": "no candidate shares a topic",
    "below_min_score": "every possible pair is below the minimum score",
    "all_taken": "every suitable candidate was taken by a better pair",
    "no_one_in_other_role": "nobody in the other role",
}
TOPIC = re.compile(r"[a-z0-9_]{1,60}")
STYLE_ANSWERS = {answer for pair in STYLES for answer in pair}


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


class FileError(ValueError):
    """The file cannot be read at all (no header, a missing column)."""


def read_volunteers(lines: Iterable[str]) -> tuple[list[Volunteer], list[Problem]]:
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileError(f"line 1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    volunteers: list[Volunteer] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        try:
            volunteer = _volunteer({(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)})
        except ValueError as error:
            problems.append(Problem(line, str(error)))
            continue
        if volunteer.id in seen:
            problems.append(Problem(line, f"id {volunteer.id} appears twice; this row is left out"))
            continue
        seen.add(volunteer.id)
        volunteers.append(volunteer)
    return volunteers, problems


def _volunteer(row: dict[str, str]) -> Volunteer:
    if not row.get("id"):
        raise ValueError("id is empty")
    role = row.get("role", "").lower()
    if role not in ("mentor", "mentee"):
        raise ValueError(f"role is “{row.get('role', '')}”; use mentor or mentee")
    stage = _integer(row, "career_stage", 1, 5, None)
    languages = _list(row, "languages")
    if not languages or any(not re.fullmatch(r"[a-z]{2}", code) for code in languages):
        raise ValueError("languages must be ISO 639-1 codes separated by ; (fr;en)")
    form = row.get("format", "").lower() or "either"
    if form not in ("in_person", "video", "either"):
        raise ValueError(f"format is “{form}”; use in_person, video or either")
    zone = row.get("timezone") or "UTC"
    if zone not in _zones():
        raise ValueError(f"timezone “{zone}” is not an IANA name such as Europe/Paris")
    windows = _list(row, "windows")
    if not set(windows) <= set(WINDOWS):
        raise ValueError(f"windows are {', '.join(WINDOWS)}, separated by ;")
    style = _list(row, "style")
    if not set(style) <= STYLE_ANSWERS:
        raise ValueError(f"style answers are {', '.join(sorted(STYLE_ANSWERS))}, separated by ;")
    return Volunteer(
        id=row["id"],
        role=cast(Role, role),
        career_stage=stage or 1,
        name=row.get("name", ""),
        department=row.get("department", ""),
        site=row.get("site", ""),
        manager_id=row.get("manager_id", ""),
        languages=frozenset(languages),
        format=cast(Format, form),
        timezone=zone,
        windows=frozenset(windows),
        topics=_topics(row),
        style=frozenset(style),
        capacity=_integer(row, "capacity", 1, 20, 1) or 1,
        not_with=frozenset(_list(row, "not_with")),
    )


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # reads the zone files: once, not once a row


def _integer(row: dict[str, str], column: str, low: int, high: int, default: int | None) -> int | None:
    text = row.get(column, "")
    if not text and default is not None:
        return default
    if not re.fullmatch(r"[0-9]{1,3}", text) or not low <= int(text) <= high:
        raise ValueError(f"{column} is “{text}”; use a whole number from {low} to {high}")
    return int(text)


def _list(row: dict[str, str], column: str) -> list[str]:
    return [
        part.strip().lower() if column != "not_with" else part.strip()
        for part in row.get(column, "").split(";")
        if part.strip()
    ]


def _topics(row: dict[str, str]) -> dict[str, int]:
    topics: dict[str, int] = {}
    for part in _list(row, "topics"):
        key, _, level = part.partition(":")
        if not TOPIC.fullmatch(key) or level not in ("1", "2", "3"):
            raise ValueError(f"topic “{part}” should be key:level with a level from 1 to 3 (ai_assistants:3)")
        topics[key] = int(level)
    return topics


def proposal_rows(proposal: Proposal) -> list[dict[str, Any]]:
    """One row per pair (mentor_id, mentee_id, score, reasons), then one per unmatched volunteer."""
    rows: list[dict[str, Any]] = []
    for pair in proposal.pairs:
        best = sorted(pair.components.items(), key=lambda item: -item[1])[:3]
        reasons = "; ".join(f"{name} {points}" for name, points in best if points > 0)
        rows.append({"mentor_id": pair.mentor_id, "mentee_id": pair.mentee_id, "score": pair.score, "reasons": reasons})
    for person in proposal.unmatched:
        rows.append({"unmatched_id": person.volunteer_id, "reason": REASON_TEXT.get(person.reason, person.reason)})
    return rows


OUTPUT_COLUMNS = ("mentor_id", "mentee_id", "score", "reasons", "unmatched_id", "reason")
