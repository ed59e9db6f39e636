"""What an id must be to be stored, with nothing of the database loaded: parsing what people type needs it, and
so does the offline matching, which opens no database."""

# Person.user_id and Workspace.external_id are this wide: a longer id would be cut or refused by the database.
ID_WIDTH = 64


def usable_id(value: object) -> bool:
    """An id a platform could have sent: a non-empty string within the column, printable, without spaces."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= ID_WIDTH
        and value.isprintable()
        and not any(c.isspace() for c in value)
    )
