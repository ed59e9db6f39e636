"""Pairs a hard rule forbids whatever their score: a reporting line, a not-with list, a past pair, a forbid."""

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


def forbidden_pairs(
    mentors: Sequence[Volunteer], mentees: Sequence[Volunteer], excluded: Collection[frozenset[str]] = ()
) -> dict[int, list[int]]:
    """For each mentee row, the mentor rows they may never be paired with.

    `excluded` holds pairs of ids never to pair again: past pairs of the workspace and coordinators' forbids.
    """
    mentor_row = {v.id: j for j, v in enumerate(mentors)}
    mentee_row = {v.id: i for i, v in enumerate(mentees)}
    manager_of = {v.id: v.manager_id for v in (*mentors, *mentees) if v.manager_id}
    found: dict[int, set[int]] = {}

    def forbid(mentee_id: str, mentor_id: str) -> None:
        if mentee_id in mentee_row and mentor_id in mentor_row:
            found.setdefault(mentee_row[mentee_id], set()).add(mentor_row[mentor_id])

    for mentee in mentees:
        for boss in managers_above(mentee.id, manager_of):
            forbid(mentee.id, boss)
        for other in mentee.not_with:
            forbid(mentee.id, other)
    for mentor in mentors:
        for boss in managers_above(mentor.id, manager_of):
            forbid(boss, mentor.id)
        for other in mentor.not_with:
            forbid(other, mentor.id)
    for pair in excluded:
        if len(pair) == 2:
            a, b = sorted(pair)
            forbid(a, b)
            forbid(b, a)
    return {row: sorted(columns) for row, columns in found.items()}
