"""Volunteers from a CSV file (a form, an HR export, a sheet saved by Excel), with every mistake of every row told
by its line, in the reader's language."""

import _csv
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast

from babel import Locale

from bot import csvfile
from bot.i18n import Tr, translator
from bot.matching.model import STYLES, WINDOWS, Format, Proposal, Role, Volunteer
from bot.parse import fold, parse_languages, parse_number, parse_timezone
from bot.topics import DEFAULT_TOPICS, N_, topic_names

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
    "no_shared_language": N_("no candidate speaks a language in common"),
    "no_career_gap": N_("no candidate at a suitable career stage"),
    "no_compatible_format": N_("no candidate can meet in the same format or place"),
    "no_compatible_partner": N_("no compatible partner this time"),
    "no_topic_in_common": N_("no candidate shares a topic"),
    "below_min_score": N_("every possible pair is below the minimum score"),
    "all_taken": N_("every suitable candidate was taken by a better pair"),
    "no_one_in_other_role": N_("nobody in the other role"),
}
# Inside a cell a list may be separated by `;`, `,` or `|`: whatever the file's own separator, one of them is free,
# and Excel quotes a cell that holds the file's separator when it saves.
IN_CELL = re.compile(r"[;,|]")
FORMATS = ("in_person", "video", "either")
STYLE_ANSWERS = tuple(answer for pair in STYLES for answer in pair)
ENGLISH = translator("en")
# Answers repeat across thousands of rows (Europe/Paris, fr;en, morning): each distinct one is parsed once.
_languages = lru_cache(maxsize=4096)(parse_languages)
_timezone = lru_cache(maxsize=4096)(parse_timezone)
_whole = lru_cache(maxsize=4096)(parse_number)
_fold = lru_cache(maxsize=4096)(fold)


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


class FileError(ValueError):
    """The file cannot be read at all (no header, a missing column)."""


def read_volunteers(
    source: str | Iterable[str], tr: Tr = ENGLISH, delimiter: str | None = None
) -> tuple[list[Volunteer], list[Problem]]:
    """The volunteers of well-formed rows, and every mistake of the others (a row may have several).

    `delimiter` is sniffed from the header when not given."""
    text = source if isinstance(source, str) else "".join(source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or csvfile.sniff(text, COLUMNS))
    rows = _readable(reader, tr)
    first = next((cells for cells in rows if any(c.strip() for c in cells)), [])
    # A BOM still there when the file was opened as plain UTF-8 would hide the first column's name.
    header = [name.strip().lstrip(csvfile.BOM).lower() for name in first]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileError(
            tr(
                "line 1: missing column(s) {missing}; the first line names the columns, such as {expected}, "
                "separated by commas, semicolons or tabs",
                missing=", ".join(missing),
                expected=",".join(COLUMNS),
            )
        )
    volunteers: list[Volunteer] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    line = reader.line_num
    for cells in rows:
        start, line = line + 1, reader.line_num  # a quoted cell may span lines: a row is told by its first
        if not any(c.strip() for c in cells):
            continue  # blank lines, and the ;;;; Excel leaves after the last row
        row = {name: value.strip() for name, value in zip(header, cells, strict=False)}
        errors, volunteer = _volunteer(row, tr)
        if len(cells) > len(header) and (errors or any(c.strip() for c in cells[len(header) :])):
            # Most likely a list split by the file's own separator: the cells after it moved one column on.
            errors.append(_too_many(tr, len(cells), len(header)))
        if volunteer is not None and volunteer.id in seen:
            errors.append(tr("id {id} appears twice; this row is left out", id=volunteer.id))
        problems += [Problem(start, error) for error in errors]
        if volunteer is not None and not errors:
            seen.add(volunteer.id)
            volunteers.append(volunteer)
    return volunteers, problems


def _readable(reader: "_csv.Reader", tr: Tr) -> Iterator[list[str]]:
    """The reader's rows; what the csv module cannot read at all (a cell over its limit of characters, or a quote
    opened and never closed that swallows the rest of the file) is a FileError naming the line."""
    while True:
        started = reader.line_num + 1  # the line its row begins on, however many the error ran over
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileError(
                tr(
                    "line {line}: this line cannot be read: a cell longer than {limit} characters, or a quote "
                    "opened and never closed",
                    line=started,
                    limit=csv.field_size_limit(),
                )
            ) from error
        yield cells


def rows_left_out(problems: Sequence[Problem]) -> int:
    return len({problem.line for problem in problems})


def _too_many(tr: Tr, cells: int, columns: int) -> str:
    return tr(
        "this row has {cells} cells for {columns} columns: a list inside a cell is separated by | or , "
        "or the cell is quoted",
        cells=cells,
        columns=columns,
    )


def _volunteer(row: dict[str, str], tr: Tr) -> tuple[list[str], Volunteer | None]:
    """Every mistake of the row, and the volunteer when there is none."""
    errors: list[str] = []
    if not row.get("id"):
        errors.append(tr("id is empty"))
    role = _fold(row.get("role", ""))
    if role not in ("mentor", "mentee"):
        errors.append(tr("role is “{value}”; use mentor or mentee", value=row.get("role", "")))
    stage = _number(row, "career_stage", 1, 5, None, tr, errors)
    languages = _language_list(row.get("languages", ""))
    if not languages:
        errors.append(
            tr(
                "languages are “{value}”; use language names or ISO 639-1 codes separated by , or ; (French, en)",
                value=row.get("languages", ""),
            )
        )
    form = _word(row.get("format", "")) or "either"
    if form not in FORMATS:
        errors.append(tr("format is “{value}”; use in_person, video or either", value=row.get("format", "")))
    zone = _timezone(row["timezone"]) if row.get("timezone") else "UTC"
    if zone is None:
        errors.append(
            tr("time zone “{value}” is unknown; use an IANA name such as Europe/Paris", value=row["timezone"])
        )
    windows = _choices(row, "windows", WINDOWS, tr, errors)
    style = _choices(row, "style", STYLE_ANSWERS, tr, errors)
    topics = _topics(row.get("topics", ""), tr, errors)
    capacity = _number(row, "capacity", 1, 20, 1, tr, errors)
    if errors:
        return errors, None
    return errors, Volunteer(
        id=row["id"],
        role=cast(Role, role),
        career_stage=stage or 1,
        name=row.get("name", ""),
        department=row.get("department", ""),
        site=row.get("site", ""),
        manager_id=row.get("manager_id", ""),
        languages=frozenset(languages or ()),
        format=cast(Format, form),
        timezone=zone or "UTC",
        windows=frozenset(windows),
        topics=topics,
        style=frozenset(style),
        capacity=capacity or 1,
        not_with=frozenset(_parts(row.get("not_with", ""))),
    )


# Cells repeat from row to row (the same languages, times, topics): each distinct text is parsed once.
@lru_cache(maxsize=8192)
def _parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in IN_CELL.split(text) if part.strip())


@cache
def _iso_codes() -> frozenset[str]:
    """ISO 639-1 codes, known without loading every language's name in its own language (a second, once)."""
    return frozenset(str(code) for code in Locale("en").languages if len(str(code)) == 2)


@lru_cache(maxsize=8192)
def _language_list(text: str) -> tuple[str, ...] | None:
    """Codes as most files hold them (fr;en), else names as the chat reads them (French and English, anglais)."""
    codes = [part.lower() for part in _parts(text)]
    if codes and all(code in _iso_codes() for code in codes):
        return tuple(dict.fromkeys(codes))
    found = _languages(text.replace("|", ","))
    return None if found is None else tuple(found)


@lru_cache(maxsize=8192)
def _word(text: str) -> str:
    """'In person', 'hands-on' → the value as written in the file's documentation: 'in_person', 'hands_on'."""
    return re.sub(r"[\s-]+", "_", _fold(text))


def _number(
    row: dict[str, str], column: str, low: int, high: int, default: int | None, tr: Tr, errors: list[str]
) -> int | None:
    """A whole number as the chat reads it ('3', 'three', 'deux'); a sign is never dropped silently."""
    text = row.get(column, "")
    if not text and default is not None:
        return default
    value = None if re.search(r"-\s*[0-9]", text) else _whole(text, low, high)
    if value is None:
        errors.append(
            tr(
                "{column} is “{value}”; use a whole number from {low} to {high}",
                column=column,
                value=text,
                low=low,
                high=high,
            )
        )
    return value


def _choices(row: dict[str, str], column: str, known: Sequence[str], tr: Tr, errors: list[str]) -> list[str]:
    chosen = [_word(part) for part in _parts(row.get(column, ""))]
    wrong = [part for part in chosen if part not in known]
    if wrong:
        errors.append(
            tr(
                "{column} “{value}” unknown; use {known}, separated by , or ;",
                column=column,
                value=", ".join(wrong),
                known=", ".join(known),
            )
        )
    return chosen


@cache
def _topic_keys() -> dict[str, str]:
    """Every name of a topic of the catalogue, as the chat reads it ('IA', 'AI assistants') → its key."""
    return {fold(name): key for key in DEFAULT_TOPICS for name in topic_names(key)}


def _topics(text: str, tr: Tr, errors: list[str]) -> dict[str, int]:
    topics: dict[str, int] = {}
    for part in _parts(text):
        name, _, level_text = part.rpartition(":")
        key = _topic_keys().get(_fold(name))
        level = _whole(level_text, 1, 3) if re.fullmatch(r"\s*[0-9]\s*", level_text) else None
        if not name or level is None:
            errors.append(
                tr(
                    "topic “{value}” should be key:level with a level from 1 to 3 (ai_assistants:3)",
                    value=part,
                )
            )
        elif key is None:
            errors.append(
                tr("topic “{value}” is unknown; the topics are {known}", value=name, known=", ".join(DEFAULT_TOPICS))
            )
        else:
            topics[key] = level
    return topics


OUTPUT_COLUMNS = (
    "mentor_id",
    "mentor_name",
    "mentee_id",
    "mentee_name",
    "score",
    "reasons",
    "unmatched_id",
    "unmatched_name",
    "reason",
)


def proposal_rows(proposal: Proposal, volunteers: Iterable[Volunteer], tr: Tr = ENGLISH) -> list[list[object]]:
    """One row per pair (ids and names, score, reasons), then one per unmatched volunteer, in OUTPUT_COLUMNS."""
    names = {volunteer.id: volunteer.name for volunteer in volunteers}
    rows: list[list[object]] = []
    for pair in proposal.pairs:
        best = sorted(pair.components.items(), key=lambda item: -item[1])[:3]
        reasons = "; ".join(f"{name} {points}" for name, points in best if points > 0)
        mentor, mentee = pair.mentor_id, pair.mentee_id
        rows.append([mentor, names.get(mentor, ""), mentee, names.get(mentee, ""), pair.score, reasons, "", "", ""])
    for person in proposal.unmatched:
        why = tr(REASON_TEXT[person.reason]) if person.reason in REASON_TEXT else person.reason
        rows.append(["", "", "", "", "", "", person.volunteer_id, names.get(person.volunteer_id, ""), why])
    return rows
