"""What a preview's button about one proposed pair carries: the pair's id and its two members' ("id:mentor:mentee").

SQLite gives a deleted row's id to the next one, and every new matching deletes the proposals it replaces: by its
id alone, a button on an older preview could reach a pair proposed since, which that preview never showed. With its
members, the button acts only on the pair it showed."""

from bot.ids import read_id


def value(pair_id: int, mentor_id: int, mentee_id: int) -> str:
    return f"{pair_id}:{mentor_id}:{mentee_id}"


def read(carried: object) -> tuple[int, tuple[int, int] | None] | None:
    """The pair's id and its members; members None for a button of a preview posted before they were carried
    (its id alone); None for anything else."""
    parts = carried.split(":") if isinstance(carried, str) else []
    ids = [read_id(part) for part in parts]
    if len(ids) not in (1, 3) or None in ids:
        return None
    found = [i for i in ids if i is not None]
    return found[0], ((found[1], found[2]) if len(found) == 3 else None)
