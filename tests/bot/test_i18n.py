"""Every text the code shows exists in French, with the same placeholders, and the catalog holds nothing stale."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import CATALOGS, normalize_locale, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"tr": None, "N_": None, "plural": (1, 2)}


def texts_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(ROOT / folder, keywords=KEYWORDS, comment_tags=()):
            found.add(message if isinstance(message, str) else message[0])
            if not isinstance(message, str):
                PLURALS[message[0]] = message[1]
    return found


PLURALS: dict[str, str] = {}  # singular → plural, for texts that depend on a number


def french() -> dict[str, str]:
    """Each English singular → its French translation (all forms joined, for plurals)."""
    with (CATALOGS / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else " | ".join(m.string) if all(m.string) else ""
            )
            for m in read_po(po)
            if m.id
        }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_code_shows_many_texts() -> None:
    assert len(texts_in_code()) > 150


def test_every_text_has_a_french_translation_with_the_same_placeholders() -> None:
    catalog = french()
    missing = sorted(t for t in texts_in_code() if not catalog.get(t))
    assert missing == []
    assert [t for t in texts_in_code() if placeholders(t) != placeholders(catalog[t])] == []


def test_the_french_catalog_holds_no_text_the_code_no_longer_shows() -> None:
    assert sorted(set(french()) - texts_in_code()) == []


def test_markup_survives_translation() -> None:
    """Commands to type, and the people and channels placed in a text, must stay intact in French."""
    catalog = french()
    for source in texts_in_code():
        for token in re.findall(r"`[^`]+`|\{\w+\}", source):
            assert token in catalog[source], (source, token)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fr-FR", "fr"),
        ("fr_CA", "fr"),
        ("FR", "fr"),
        ("en-US", "en"),
        ("de-DE", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_locales_map_to_the_languages_we_speak(given: str | None, expected: str | None) -> None:
    assert normalize_locale(given) == expected


def test_an_unknown_language_falls_back_to_english() -> None:
    assert translator("de")("Back") == "Back"
    assert translator("fr")("Back") == "Retour"
