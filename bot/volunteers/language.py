"""The language a person reads: chosen with `language en|fr`, or guessed from a first message in French."""

from bot.context import Ctx
from bot.i18n import LOCALES, translator
from bot.parse import fold, french_opening

NAMES = {"english": "en", "anglais": "en", "french": "fr", "francais": "fr"}


def wanted(word: str) -> str | None:
    """'fr', 'French', 'français' → 'fr'; None for a language we do not speak."""
    folded = fold(word)
    code = NAMES.get(folded, folded)
    return code if code in LOCALES else None


def switch(ctx: Ctx, locale: str) -> None:
    """From now on, and for the rest of this input, the person reads `locale`."""
    ctx.person.chosen_locale = locale
    ctx.tr = translator(locale)


def guess_from_first_message(ctx: Ctx, text: str) -> None:
    """Someone who has chosen no language and opens in French reads French; what they chose stays."""
    if ctx.person.chosen_locale is None and ctx.tr.locale != "fr" and french_opening(text):
        switch(ctx, "fr")
