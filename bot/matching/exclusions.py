"""Pairs a hard rule forbids whatever their score: a reporting line, a not-with list, a past pair, a forbid; and
which of them it is, to tell a coordinator why someone is left alone."""

from collections.abc import Collection, Mapping, Sequence

from bot.matching.model import Volunteer

MAX_CHAIN = 50  # deeper than any org chart; also stops a cycle in bad data


def managers_above(person: str, manager_of: Mapping[str, str]) -> list[str]:
    """The manager, the manager's manager, … of a person."""
    chain: list[str] = []
    current = manager_of.get(person, "")
    while current and current not in chain and current != person and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = manager_of.get(current, "")
    return chain


Kinds = dict[tuple[int, int], set[str]]  # (mentee row, mentor row) → why the pair may never be made


def forbidden_pairs(
    mentors: Sequence[Volunteer],
    mentees: Sequence[Volunteer],
    excluded: Collection[frozenset[str]] = (),
    forbids: Collection[frozenset[str]] = (),
) -> dict[int, list[int]]:
    """For each mentee row, the mentor rows they may never be paired with.

    `excluded` holds pairs of ids never to pair again (past pairs of the workspace), `forbids` the coordinators'.
    """
    found: dict[int, set[int]] = {}
    for row, column in exclusion_kinds(mentors, mentees, excluded, forbids):
        found.setdefault(row, set()).add(column)
    return {row: sorted(columns) for row, columns in found.items()}


def exclusion_kinds(
    mentors: Sequence[Volunteer],
    mentees: Sequence[Volunteer],
    excluded: Collection[frozenset[str]] = (),
    forbids: Collection[frozenset[str]] = (),
) -> Kinds:
    """Every excluded pair with what excludes it: `reporting_line`, `mentee_not_with` or `mentor_not_with` (whose
    list names the other), `past_pair`, `forbidden` (a coordinator's forbid)."""
    mentor_row = {v.id: j for j, v in enumerate(mentors)}
    mentee_row = {v.id: i for i, v in enumerate(mentees)}
    manager_of = {v.id: v.manager_id for v in (*mentors, *mentees) if v.manager_id}
    found: Kinds = {}

    def forbid(mentee_id: str, mentor_id: str, kind: str) -> None:
        if mentee_id in mentee_row and mentor_id in mentor_row:
            found.setdefault((mentee_row[mentee_id], mentor_row[mentor_id]), set()).add(kind)

    for mentee in mentees:
        for boss in managers_above(mentee.id, manager_of):
            forbid(mentee.id, boss, "reporting_line")
        for other in mentee.not_with:
            forbid(mentee.id, other, "mentee_not_with")
    for mentor in mentors:
        for boss in managers_above(mentor.id, manager_of):
            forbid(boss, mentor.id, "reporting_line")
        for other in mentor.not_with:
            forbid(other, mentor.id, "mentor_not_with")
    for pairs, kind in ((excluded, "past_pair"), (forbids, "forbidden")):
        for pair in pairs:
            if len(pair) == 2:
                a, b = sorted(pair)
                forbid(a, b, kind)
                forbid(b, a, kind)
    return found


def as_seen_by(kinds: set[str], role: str) -> set[str]:
    """The kinds of an exclusion as the mentor or the mentee of the pair sees it: their own list or the other's."""
    own = f"{role}_not_with"
    return {("own_not_with" if k == own else "their_not_with") if k.endswith("_not_with") else k for k in kinds}
