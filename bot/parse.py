"""Lenient parsers of what people type: "oui", "2 mentees", "French and English", "1er décembre"…

Each returns None when it cannot understand, never raises.
"""

import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from bot.ui import MARKUP
from storage.ids import usable_id

YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "agree",
    "i agree",
    "of course",
    "oui",
    "o",
    "ouais",
    "d'accord",
    "daccord",
    "j'accepte",
    "accepte",
    "bien sur",
    "volontiers",
    "confirm",
    "confirmer",
    "go",
}
NO = {"no", "n", "nope", "not really", "no thanks", "non", "non merci", "pas vraiment", "refuse", "decline"}
NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "first": 1,
    "second": 2,
    "third": 3,
    "premier": 1,
    "premiere": 1,
    "deuxieme": 2,
    "troisieme": 3,
    "none": 0,
    "aucun": 0,
    "aucune": 0,
}
SEPARATORS = re.compile(r"\s*(?:,|;|/|\+|&|\n|\band\b|\bet\b|\bor\b|\bou\b|\bplus\b)\s*")
MAX_INPUT = 2000


def fold(text: str) -> str:
    """Lower case, accents and extra spaces removed: 'Français ' → 'francais'."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_INPUT])
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("’", "'").lower()
    return " ".join(re.sub(r"[!?.…]+$", "", plain.strip()).split())


def parse_yes_no(text: str) -> bool | None:
    folded = fold(text)
    if folded in YES:
        return True
    if folded in NO:
        return False
    return None


# "Les deux", "the three", "all 3": every one of them, no count. (Ordinals stay: "the second" is the second.)
EVERY_ONE_OF = re.compile(
    r"\b(?:les|tous les|toutes les|the|all|all the)\s+(?:[0-9]+|two|three|four|five|six|seven|eight|nine|ten"
    r"|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b"
)


def parse_number(text: str, low: int, high: int) -> int | None:
    """The one whole number in the text, in words or digits, if it lies in [low, high].

    A minus sign counts: "-1" is below 1, not one."""
    folded = fold(text)
    if EVERY_ONE_OF.search(folded):
        return None
    found = [int(d) for d in re.findall(r"(?<![0-9.])-?[0-9]{1,6}(?![0-9.])", folded)]
    found += [NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", folded) if w in NUMBER_WORDS]
    if len(set(found)) != 1:
        return None
    value = found[0]
    return value if low <= value <= high else None


def parse_whole(text: str, low: int, high: int) -> int | None:
    """A whole number in ASCII digits alone, within [low, high]. Not `isdigit()`/`isdecimal()` then `int()`:
    those accept "⓵" (then int() raises) and "١٢", and int() of 5,000 digits raises too."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_decimal(text: str, low: float, high: float) -> float | None:
    """A number like `0.6`, `.5` or `2` in ASCII digits, within [low, high]; not `nan`, `1e3` or "٠.٦"."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,6}(?:\.[0-9]{0,6})?|\.[0-9]{1,6}", text):
        return None
    value = float(text)
    return value if low <= value <= high else None


def split_list(text: str) -> list[str]:
    """'French and English', 'fr, en', 'AI / social networks' → the parts."""
    return [part for part in SEPARATORS.split(fold(text)) if part]


def parse_choice(text: str, options: Sequence[tuple[str, Iterable[str]]]) -> str | None:
    """One option from its number (1-based), its value or any of its labels, or a unique prefix of one."""
    folded = fold(text)
    if not folded:
        return None
    if re.fullmatch(r"[0-9]+", folded):
        index = int(folded)
        return options[index - 1][0] if 1 <= index <= len(options) else None
    names = [
        (value, {fold(value), *(fold(label) for label in labels), *(_unnumbered(label) for label in labels)})
        for value, labels in options
    ]
    for value, words in names:
        if folded in words:
            return value
    starts = {value for value, words in names if any(w.startswith(folded) for w in words)}
    if len(starts) == 1 and len(folded) >= 2:
        return starts.pop()
    # Whole words only: a stray "x" is not "les deux".
    inside = {
        value
        for value, words in names
        if any(contains_words(w, folded) or contains_words(folded, w) for w in words if len(w) > 2)
    }
    return inside.pop() if len(inside) == 1 else None


def _unnumbered(label: str) -> str:
    """'4 · Senior manager' → 'senior manager', so the words alone are enough."""
    return fold(re.sub(r"^\s*[0-9]+\s*[·.):-]\s*", "", label))


def parse_choices(text: str, options: Sequence[tuple[str, Iterable[str]]]) -> list[str] | None:
    """Several options, each as parse_choice understands it; numbers may be separated by spaces ('1 3')."""
    folded = fold(text)
    if re.fullmatch(r"[0-9]+(?:[\s,;]+[0-9]+)*", folded):
        parts = re.split(r"[\s,;]+", folded)
    else:
        whole = parse_choice(folded, options)
        if whole is not None and not SEPARATORS.search(folded):
            return [whole]
        parts = split_list(folded)
    chosen = _each(parts, lambda part: parse_choice(part, options))
    if chosen is None and len(parts) == 1:
        # Names separated by spaces alone ('morning lunchtime'), when every word is one of them.
        chosen = _each(folded.split(), lambda part: parse_choice(part, options))
    return chosen


def _each(parts: Sequence[str], read: Callable[[str], str | None]) -> list[str] | None:
    """Every part read, in order and once each; None if one of them cannot be read."""
    chosen: list[str] = []
    for part in parts:
        value = read(part)
        if value is None:
            return None
        if value not in chosen:
            chosen.append(value)
    return chosen or None


@cache
def _language_names() -> dict[str, str]:
    """Every way to name a language in English or French ('french', 'francais', 'fr') → its ISO 639-1 code."""
    names: dict[str, str] = {}
    for locale in ("en", "fr"):
        for code, name in Locale(locale).languages.items():
            if len(code) == 2:
                names.setdefault(fold(name), code)
                names.setdefault(code, code)
    for code in set(names.values()):
        try:
            own = Locale(code).languages.get(code)  # what speakers call their own language: "español"
        except (ValueError, UnknownLocaleError):
            continue
        if own:
            names.setdefault(fold(own), code)
    return names


def language_codes() -> set[str]:
    return set(_language_names().values())


def parse_languages(text: str) -> list[str] | None:
    """'French and English', 'fr;en', 'anglais, espagnol' → ['fr', 'en'] in the order given."""
    names = _language_names()

    def read(part: str) -> str | None:
        return names.get(part) or names.get(part.removesuffix("s"))

    parts = split_list(text)
    codes = _each(parts, read)
    if codes is None and len(parts) == 1:
        codes = _each(parts[0].split(), read)  # 'français anglais'
    return codes


@cache
def _zones() -> dict[str, str]:
    """IANA names by their folded form and by their city ('paris' → 'Europe/Paris')."""
    zones: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        zones[fold(name)] = name
        city = fold(name.rsplit("/", 1)[-1].replace("_", " "))
        zones.setdefault(city, name)
    return zones


def parse_timezone(text: str) -> str | None:
    folded = fold(text)
    if not folded:
        return None
    zones = _zones()
    return zones.get(folded) or zones.get(folded.replace(" ", "_"))


@cache
def _months() -> dict[str, int]:
    months: dict[str, int] = {}
    for locale in ("en", "fr"):
        for width in ("wide", "abbreviated"):
            for number, name in Locale(locale).months["format"][width].items():
                months[fold(name).rstrip(".")] = number
    return months


def parse_date(text: str, today: date) -> date | None:
    """ISO '2026-12-01', day first '01/12/2026' or '1/12', '1 December', '1er décembre 2026', 'December 1'.

    A date without a year is the next one to come.
    """
    folded = fold(text).replace("1er", "1")
    relative = _relative_day(folded, today)
    if relative is not None:
        return relative
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", folded):
            return date.fromisoformat(folded)
        numeric = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{2}|[0-9]{4}))?", folded)
        if numeric:
            day, month, year = numeric.groups()
            return _dated(int(day), int(month), year, today)
        words = re.fullmatch(r"(?:([0-9]{1,2}) ([a-z.]+)|([a-z.]+) ([0-9]{1,2}))(?:,? ([0-9]{4}))?", folded)
        if words:
            day_text = words.group(1) or words.group(4)
            month_text = (words.group(2) or words.group(3)).rstrip(".")
            month_number = _months().get(month_text)
            if month_number is None:
                return None
            return _dated(int(day_text), month_number, words.group(5), today)
    except ValueError:
        return None
    return None


RELATIVE_DAYS = {"today": 0, "aujourd'hui": 0, "aujourdhui": 0, "tomorrow": 1, "demain": 1}
RELATIVE_UNITS = {"day": 1, "days": 1, "jour": 1, "jours": 1, "week": 7, "weeks": 7, "semaine": 7, "semaines": 7}


def _relative_day(folded: str, today: date) -> date | None:
    """'tomorrow', 'demain', 'in 2 weeks', 'dans 10 jours' (at most a year ahead)."""
    if folded in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[folded])
    ahead = re.fullmatch(r"(?:in|dans) ([0-9]{1,3}) ([a-z]+)", folded)
    if ahead and ahead.group(2) in RELATIVE_UNITS:
        days = int(ahead.group(1)) * RELATIVE_UNITS[ahead.group(2)]
        return today + timedelta(days=days) if days <= 366 else None
    return None


def _dated(day: int, month: int, year: str | None, today: date) -> date:
    if year is None:
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    return date(full_year, month, day)


def parse_time(text: str) -> time | None:
    """'18:00', '18h', '6pm', '9h30' → a time of day."""
    folded = fold(text).replace(" ", "")
    match = re.fullmatch(r"([0-9]{1,2})(?:[:h]([0-9]{2})?)?(am|pm)?", folded)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_mention(text: str) -> str | None:
    """The user id of the one person mentioned (`⟦@id|name⟧`, written by the channel the text came from), if it
    is one a person could have: a typed `<@U…>` of 101 characters would otherwise become a person row."""
    found = _reference("@", text)
    return found if usable_id(found) else None


def parse_channel(text: str) -> str | None:
    """The id of the one channel named (`⟦#id|name⟧`), if a channel could have it (it is stored too)."""
    found = _reference("#", text)
    return found if usable_id(found) else None


def parse_id(text: str) -> str | None:
    """An id a channel gave as is (a person picked in a menu): one token, no markup; its shape is the channel's,
    its width at most a person's id column, and it holds nothing unprintable (a NUL)."""
    return text if re.fullmatch(r"[^\s⟦⟧|]{1,64}", text) and text.isprintable() else None


def words(text: str) -> list[str]:
    """The words of a command line; a mention stays one word even when the name in it has spaces."""
    return re.findall(r"(?:⟦[^⟦⟧]*⟧|⟦|[^\s⟦])+", text)


def _reference(kind: str, text: str) -> str | None:
    match = MARKUP.fullmatch(text.strip())
    return match.group(2) if match and match.group(1) == kind else None


# Words said around a yes or a no out of politeness: "yes please", "oui d'accord", "no thanks".
POLITE = {
    "please",
    "thanks",
    "thank you",
    "merci",
    "s'il vous plait",
    "s'il te plait",
    "svp",
    "stp",
    "let's go",
    "let's start",
    "allons-y",
    "c'est parti",
    "avec plaisir",
    "with pleasure",
}


def parse_agreement(text: str) -> bool | None:
    """A yes or a no as people say it: alone, repeated, or with polite words ('yes please', 'oui d'accord')."""
    plain = parse_yes_no(text)
    if plain is not None:
        return plain
    folded = re.sub(r"[,;!.]+", " ", fold(text))
    for phrase in sorted(POLITE, key=len, reverse=True):  # longest first: "thank you" before "thanks"
        folded = re.sub(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", " ", folded)
    rest = " ".join(folded.split())
    if not rest:
        return None
    whole = parse_yes_no(rest)
    if whole is not None:
        return whole
    meanings = {parse_yes_no(word) for word in rest.split()}
    return meanings.pop() if len(meanings) == 1 and None not in meanings else None


def contains_words(text: str, words: str) -> bool:
    """Whether `words` stand in `text` as whole words: 'deux' is in 'les deux', 'x' is not."""
    return bool(re.search(rf"(?<![\w']){re.escape(words)}(?![\w'])", text))


def find_mention(text: str) -> str | None:
    """The user id of the one person mentioned anywhere in the text: 'my manager is @paul'."""
    found = {m.group(2) for m in MARKUP.finditer(text) if m.group(1) == "@"}
    return found.pop() if len(found) == 1 else None


OFFSET = re.compile(r"(?:utc|gmt)\s*([+-])\s*([0-9]{1,2})(?:[:h]?([0-9]{2}))?")


@cache
def _places() -> dict[str, tuple[str, ...]]:
    """Countries (English and French names, ISO codes) and the CLDR's cities → their IANA zones."""
    territory_zones = get_global("territory_zones")
    places: dict[str, tuple[str, ...]] = {}
    for locale in ("en", "fr"):
        for code, name in Locale(locale).territories.items():
            zones = tuple(territory_zones.get(code, ()))
            if zones and code.isalpha():
                places.setdefault(fold(name), zones)
        for zone, names in Locale(locale).time_zones.items():
            city = names.get("city")
            if city and "/" in zone and not zone.startswith("Etc/"):
                places.setdefault(fold(city), (zone,))
    return places


def timezone_choices(text: str, now: datetime) -> list[str]:
    """The zones a typed place or offset may mean, at `now`: one for 'Europe/Paris', 'Paris' or 'France',
    several for 'UTC+1' (each country's main zone then at that offset) or 'United States'; none when unknown."""
    folded = fold(text)
    # Before the zone names: 'Etc/GMT-5' is five hours *ahead* of UTC, the opposite of what 'GMT-5' means.
    offset = OFFSET.fullmatch(folded.replace(" ", ""))
    if offset:
        sign, hours, minutes = offset.groups()
        wanted = (int(hours) * 60 + int(minutes or 0)) * (-1 if sign == "-" else 1)
        available = zoneinfo.available_timezones()
        every = [z for zones in get_global("territory_zones").values() for z in zones if _a_place(z, available)]
        return sorted(_one_per_clock([z for z in every if _offsets(z, now)[0] == wanted], now))
    zone = parse_timezone(text)
    if zone:
        return [zone]
    return _one_per_clock([z for z in _places().get(folded, ()) if _a_place(z, zoneinfo.available_timezones())], now)


def _a_place(zone: str, available: set[str]) -> bool:
    """A zone people live in ('Europe/Paris'), not a bare offset ('Etc/GMT-1', 'EST5EDT')."""
    return zone in available and "/" in zone and not zone.startswith("Etc/")


def _one_per_clock(zones: list[str], now: datetime) -> list[str]:
    """One zone for each country and clock: Berlin and not also Busingen, New York rather than Detroit
    (the zone Windows names for a clock is the well-known one)."""
    territories = get_global("zone_territories")
    known = set(get_global("windows_zone_mapping").values())
    kept: dict[tuple[str, tuple[int, int]], str] = {}
    for zone in sorted(zones, key=lambda z: z not in known):
        kept.setdefault((territories.get(zone, zone), _offsets(zone, now)), zone)
    return list(kept.values())


def _offsets(zone: str, now: datetime) -> tuple[int, int]:
    """The zone's offset from UTC in minutes at `now` and half a year later (summer time differs)."""
    info = zoneinfo.ZoneInfo(zone)
    moments = (now, now + timedelta(days=182))
    found = [(m if m.tzinfo else m.replace(tzinfo=UTC)).astimezone(info).utcoffset() for m in moments]
    minutes = [int(d.total_seconds() // 60) if d is not None else 0 for d in found]
    return minutes[0], minutes[1]


FRENCH_OPENINGS = {"bonjour", "salut", "coucou", "bonsoir", "allo", "bjr", "slt", "j'aimerais", "j'voudrais"}
FRENCH_FIRST_TWO = {"je veux", "je voudrais", "je souhaite", "je peux", "je suis", "je viens", "est-ce que"}


def french_opening(text: str) -> bool:
    """Whether a first message opens in French: 'Bonjour !', 'salut', 'je veux participer'.

    Only the first words count, so the guess stays simple to explain (and `language en` undoes it)."""
    folded = fold(re.sub(r"[,;:!?.]", " ", text))
    first_words = folded.split()[:2]
    if not first_words:
        return False
    return first_words[0] in FRENCH_OPENINGS or " ".join(first_words) in FRENCH_FIRST_TWO
