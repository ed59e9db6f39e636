"""Who people are to the core: the language each one reads, and how a text names them."""

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from bot.i18n import Tr, normalize_locale, translator
from bot.ui import mention
from storage import ids, queries
from storage.db import session as open_session
from storage.models import Enrollment, Person, Programme


def usable_id(value: object) -> bool:
    """An id the core accepts for a person or a workspace: the channels check what a payload carries with it."""
    return ids.usable_id(value)


def tr_for(person: Person, programme: Programme) -> Tr:
    """Their chosen language, else their platform's, else the programme's."""
    return reading(person, programme.locale)


def reading(person: Person | None, fallback: str) -> Tr:
    """Their chosen language, else their platform's, else `fallback` (also for someone gone)."""
    if person is None:
        return translator(fallback)
    return translator(person.chosen_locale or normalize_locale(person.platform_locale) or fallback)


def zone_of(session: Session, person: Person | None, programme: Programme) -> str:
    """Their time zone: the one they gave when they joined, else their platform's, else UTC."""
    if person is None or person.id is None:
        return "UTC"
    return zone_in(person, queries.get_enrollment(session, programme.workspace_id, programme.id or 0, person.id))


def zone_in(person: Person, enrollment: Enrollment | None) -> str:
    """`zone_of`, with the person's enrollment at hand."""
    return zone_given(person, enrollment.answers.get("timezone") if enrollment else None)


def zone_given(person: Person, answered: object) -> str:
    """`zone_of`, with what the person answered for their time zone when they joined (None: nothing)."""
    return answered if isinstance(answered, str) and answered else person.timezone or "UTC"


def named(person: Person) -> str:
    """The person in a text, with their name for channels that cannot show a mention."""
    return mention(person.user_id, person.display_name)


def named_by_user_id(session: Session, workspace_id: int, user_ids: Sequence[str]) -> list[str]:
    """Each user id in a text, with the name of those the bot knows, in the order given."""
    people = queries.people_by_user_id(session, workspace_id, user_ids)
    return [named(people[u]) if u in people else mention(u) for u in user_ids]


def display_names(engine: Engine, platform: str, workspace: str, user_ids: Sequence[str]) -> dict[str, str]:
    """The names the core keeps for these user ids (stored from each actor's profile), for a channel that has no
    profile service of its own to ask again after a restart; those it knows no name for are left out."""
    with open_session(engine) as session:
        found = queries.get_workspace(session, platform, workspace)
        if found is None or found.id is None:
            return {}
        people = queries.people_by_user_id(session, found.id, user_ids)
    return {user_id: person.display_name for user_id, person in people.items() if person.display_name}


def reader_locale(engine: Engine, platform: str, workspace: str, user_id: str, fallback: str) -> str:
    """The language a person reads (as `tr_for` picks it), for a channel's own words around the core's messages;
    someone the core does not know yet reads the programme's language. Looking stores nothing."""
    with open_session(engine) as session:
        found = queries.get_workspace(session, platform, workspace)
        if found is None or found.id is None:
            return fallback
        programme = queries.current_programme(session, found.id)
        language = programme.locale if programme else fallback
        return reading(queries.get_person(session, found.id, user_id), language).locale
