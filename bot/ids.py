"""The ids buttons and forms carry, read back."""

import re

# The largest id a button or form may carry: ids are 32-bit integers in the database.
LARGEST_ID = 2**31 - 1


def read_id(value: object) -> int | None:
    """The id a button or a form carries, or None when it is not one (missing, not a number, out of range).

    ASCII digits only: `int()` also reads "١٢" and `isdigit()` is true of "⓵"; neither is an id we wrote."""
    if not isinstance(value, str) or not re.fullmatch(r"[1-9][0-9]{0,9}", value):
        return None
    number = int(value)
    return number if number <= LARGEST_ID else None
