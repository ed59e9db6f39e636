"""The one check every status module makes: a change its table does not list is a bug, never a user's doing."""

from collections.abc import Mapping, Set
from enum import StrEnum
from typing import TypeVar

Status = TypeVar("Status", bound=StrEnum)


class InvalidTransition(RuntimeError):
    """A rule asked for a change of status that the entity's life does not allow; callers check beforehand."""


def check(
    entity: str,
    row_id: int | None,
    allowed: Mapping[Status | None, Set[Status]],
    current: Status | None,
    wanted: Status,
) -> None:
    if wanted not in allowed.get(current, frozenset()):
        raise InvalidTransition(f"{entity} {row_id}: {current or 'nothing'} cannot become {wanted}")
