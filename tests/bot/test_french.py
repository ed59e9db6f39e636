"""French typography: a narrow no-break space before `;` `:` `?` `!` and inside « », so that the sign never starts a
line on its own in Slack, Teams or the console.

`python -m tests.bot.test_french` rewrites the catalogue with the rule applied (run it after adding texts).
"""

import re
import sys

from babel.messages.pofile import read_po

from bot.i18n import CATALOGS, translator
from bot.outbox.failures import _describe

NNBSP = "\u202f"
CATALOG = CATALOGS / "fr" / "LC_MESSAGES" / "messages.po"
# What the rule leaves alone: commands in backticks, placeholders, times (18:00), addresses (https://).
UNTOUCHED = re.compile(r"`[^`]*`|\{[^}]*\}|\d:\d|://")


def typeset(text: str) -> str:
    """The French spaces: before ; : ? ! (a plain space becomes a narrow no-break one, a missing one is added)."""
    out, last = [], 0
    for kept in [*UNTOUCHED.finditer(text), None]:
        end = kept.start() if kept else len(text)
        piece = text[last:end]
        # A sign after a space, or one that ends a word; `clé:niveau` or `(;)` is notation, not punctuation.
        piece = re.sub(r"[ \u00a0\u202f]([;:?!])", lambda m: NNBSP + m.group(1), piece)
        piece = re.sub(r"(?<=[^\s(\u202f])([;:?!])(?=[\s»)*_\"']|$)", lambda m: NNBSP + m.group(1), piece)
        piece = re.sub(r"«[ \u00a0\u202f]?", "«" + NNBSP, piece)
        piece = re.sub(r"[ \u00a0\u202f]?»", NNBSP + "»", piece)
        out.append(piece)
        if kept:
            out.append(kept.group(0))
            last = kept.end()
    text = "".join(out)
    return re.sub("(^|\n)" + NNBSP + "([;:?!])", r"\1\2", text)


def french_texts() -> list[str]:
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="fr")
    return [s for m in catalog if m.id for s in ((m.string,) if isinstance(m.string, str) else m.string) if s]


def test_the_typesetting_rule() -> None:
    assert typeset("Clés : {keys}.") == "Clés\u202f: {keys}."
    assert typeset("Vouliez-vous dire `{command}` ?") == "Vouliez-vous dire `{command}`\u202f?"
    assert typeset("Bienvenue!") == "Bienvenue\u202f!"
    assert typeset("« {word} »") == "«\u202f{word}\u202f»"
    assert typeset("de 18:00 à 09:00 ; voir https://x.fr") == "de 18:00 à 09:00\u202f; voir https://x.fr"
    assert typeset("`/mentoring program set end 2027-06-30`") == "`/mentoring program set end 2027-06-30`"
    assert typeset(typeset("Statut : *{s}* ?")) == typeset("Statut : *{s}* ?")
    assert typeset("clé:niveau (ai_assistants:3), des points-virgules (;)") == (
        "clé:niveau (ai_assistants:3), des points-virgules (;)"
    )


def test_every_french_text_is_typeset() -> None:
    wrong = [text for text in french_texts() if typeset(text) != text]
    assert not wrong, f"{len(wrong)} French texts need `python -m tests.bot.test_french`: {wrong[:5]}"


def test_texts_composed_in_code_are_typeset_in_french() -> None:
    line = _describe(translator("fr"), "Ana – Marc", "inactive", 3)
    assert f"Ana – Marc{NNBSP}:" in line
    assert "Ana – Marc:" in _describe(translator("en"), "Ana – Marc", "inactive", 3)


if __name__ == "__main__":
    # Only translations change: a msgid is the English text the code looks up.
    # The header (the translation of the empty msgid) is metadata, not a text.
    lines, in_translation, english = [], False, ""
    for line in CATALOG.read_text(encoding="utf-8").splitlines():
        keyword = re.match(r"(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) ", line)
        quoted = re.match(r'^(.*?)"(.*)"$', line)
        if keyword:
            in_translation = keyword.group(1).startswith("msgstr")
            english = quoted.group(2) if keyword.group(1) == "msgid" and quoted else english
        elif quoted and not in_translation:
            english += quoted.group(2)
        if in_translation and english and quoted and not line.startswith("#"):
            line = f'{quoted.group(1)}"{typeset(quoted.group(2))}"'
        lines.append(line)
    CATALOG.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.exit(0)
