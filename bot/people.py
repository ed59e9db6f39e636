"""Who people are to the core: the language each one reads."""

from bot.i18n import Tr, normalize_locale, translator
from storage.models import Person, Programme


def tr_for(person: Person, programme: Programme) -> Tr:
    """Their chosen language, else their platform's, else the programme's."""
    return translator(person.chosen_locale or normalize_locale(person.platform_locale) or programme.locale)
