"""English and French texts through gettext catalogs (Babel reads the .po files; no compiled files to keep)."""

import gettext
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("en", "fr")
CATALOGS = Path(__file__).parent / "locales"


class Tr:
    """Translates into one language: `tr("Hello {name}", name=…)`, `tr.plural(one, many, n)`."""

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self._translations = translations

    def __call__(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._translations.ngettext(singular, plural, n).format(n=n, **values)

    def weekday(self, number: int) -> str:
        """A day of the week by its number (0 is Monday), in this language: "Monday", "lundi"."""
        return str(get_day_names("wide", locale=self.locale)[number])

    def day(self, when: date | datetime) -> str:
        """A date as a person reads it in this language, `when` the moment's own day: "1 February 2027",
        "1er février 2027". Every date shown to a person goes through here, never an ISO date."""
        return written_date(when, self.locale)


def written_date(when: date | datetime, locale: str) -> str:
    day = when.date() if isinstance(when, datetime) else when
    written = format_date(day, "d MMMM y", locale=locale)
    # French writes the first of the month as an ordinal: "1er février", but "2 février".
    return "1er" + written[1:] if locale == "fr" and day.day == 1 else written


@cache
def translator(locale: str) -> Tr:
    """The translator for a supported locale; anything else falls back to English."""
    locale = normalize_locale(locale) or "en"
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Tr("en", gettext.NullTranslations())
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Tr(locale, gettext.GNUTranslations(buffer))


def normalize_locale(value: str | None) -> str | None:
    """'fr-FR', 'fr_CA' or 'FR' → 'fr'; None when we do not speak it."""
    if not value:
        return None
    language = value.replace("_", "-").split("-")[0].strip().lower()
    return language if language in LOCALES else None
