"""The onboarding questions: what each asks, which answers it offers, how it reads a typed or pressed answer."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from babel import Locale

from bot.context import Ctx
from bot.i18n import Tr
from bot.parse import (
    find_mention,
    fold,
    parse_choice,
    parse_choices,
    parse_id,
    parse_languages,
    parse_mention,
    parse_number,
    parse_timezone,
    timezone_choices,
)
from bot.topics import N_, topic_label, topic_names

Kind = Literal["one", "many", "text", "person", "timezone"]
Options = list[tuple[str, str, tuple[str, ...]]]  # value, label, other names people type
SKIP_WORDS = {"skip", "none", "no", "nobody", "passer", "aucun", "personne", "non", "-"}
# Said instead of naming a manager: "pas de manager", "I have no manager".
NO_MANAGER = re.compile(
    r"\b(?:no|not|don't|dont|without|pas|sans|aucun|aucune|n'ai)\b.*\b(?:manager|boss|chef|responsable)"
)
ALL_WORDS = {"all", "all of them", "everything", "tous", "toutes", "tout", "tout ca", "tous les themes"}
# A typed answer to a question answered already replaces that answer, unless it begins with one of these.
ADD = re.compile(r"(?:add|also|ajouter|ajoute|aussi|\+)\s*(.+)")
MIN_LENGTH = 2


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    prompt: Callable[[Tr, dict[str, Any]], str]
    options: Callable[[Ctx, dict[str, Any]], Options] = lambda ctx, draft: []
    optional: bool = False
    numeric: bool = False
    max_length: int = 100


def _fixed(*choices: tuple[str, str, tuple[str, ...]]) -> Callable[[Ctx, dict[str, Any]], Options]:
    return lambda ctx, draft: [(value, ctx.tr(label), (label, *names)) for value, label, names in choices]


def _topics(ctx: Ctx, draft: dict[str, Any]) -> Options:
    return [(key, topic_label(key, ctx.tr), topic_names(key)) for key in ctx.programme.topics]


LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "nl", "ar")


def _languages(ctx: Ctx, draft: dict[str, Any]) -> Options:
    names = Locale(ctx.tr.locale).languages
    chosen = [code for code in draft.get("languages", []) if code not in LANGUAGES]
    return [(code, names.get(code, code).capitalize(), (code,)) for code in (*LANGUAGES, *chosen)]


def _role_prompt(tr: Tr, draft: dict[str, Any]) -> str:
    return tr(
        "Which role is yours?\n• *Mentor*: earlier in your career, you share what you master.\n"
        "• *Mentee*: a senior manager, you learn from a younger colleague."
    )


QUESTIONS: dict[str, Question] = {
    question.key: question
    for question in (
        Question(
            "role",
            "one",
            _role_prompt,
            _fixed(
                ("mentor", N_("Mentor"), ("junior", "share", "partager")),
                ("mentee", N_("Mentee"), ("mentore", "mentoree", "senior", "learn", "apprendre")),
            ),
        ),
        Question(
            "topics",
            "many",
            lambda tr, d: (
                tr("Which topics could you share? Choose all that apply.")
                if d.get("role") == "mentor"
                else tr("What would you like to learn? Choose all that apply.")
            ),
            _topics,
        ),
        Question(
            "career_stage",
            "one",
            lambda tr, d: tr("Where are you in your career?"),
            _fixed(
                ("1", N_("1 · Early career"), ("early", "debut", "junior")),
                ("2", N_("2 · Established"), ("established", "confirme")),
                ("3", N_("3 · Experienced or team lead"), ("experienced", "lead", "experimente")),
                ("4", N_("4 · Senior manager"), ("manager", "senior", "cadre")),
                ("5", N_("5 · Executive"), ("executive", "director", "dirigeant", "directeur", "exec")),
            ),
            numeric=True,
        ),
        Question("department", "text", lambda tr, d: tr("Which department or team are you in?")),
        Question(
            "manager",
            "person",
            lambda tr, d: tr(
                "Who is your manager? We only use this to never pair you within your reporting "
                "line. Pick them, or skip."
            ),
            optional=True,
        ),
        Question(
            "languages",
            "many",
            lambda tr, d: tr("Which languages could your sessions be in? Choose all that apply."),
            _languages,
        ),
        Question("site", "text", lambda tr, d: tr("Which site or city do you work from? (“Remote” is fine.)")),
        Question(
            "format",
            "one",
            lambda tr, d: tr("How would you like to meet?"),
            _fixed(
                ("in_person", N_("In person"), ("person", "presentiel", "face to face", "sur place")),
                ("video", N_("By video"), ("video", "visio", "online", "remote", "distance")),
                ("either", N_("Either"), ("both", "any", "les deux", "peu importe", "indifferent")),
            ),
        ),
        Question("timezone", "timezone", lambda tr, d: tr("Which time zone are you in?")),
        Question(
            "windows",
            "many",
            lambda tr, d: tr("When do you prefer to meet? Choose all that suit you."),
            _fixed(
                ("morning", N_("Morning"), ("matin", "am")),
                ("lunch", N_("Lunchtime"), ("lunch", "midi", "dejeuner", "noon")),
                ("afternoon", N_("Afternoon"), ("apres-midi", "apres midi", "pm")),
            ),
        ),
        Question(
            "hope",
            "text",
            lambda tr, d: tr(
                "In one sentence, what do you hope to get from this programme? Your partner will read it."
            ),
            max_length=300,
        ),
        Question(
            "style_plan",
            "one",
            lambda tr, d: tr("Do you prefer sessions that are…"),
            _fixed(
                ("structured", N_("Structured, with an agenda"), ("agenda", "structure", "planned")),
                ("free", N_("Free-flowing"), ("free", "libre", "informal", "spontaneous")),
            ),
        ),
        Question(
            "style_learning",
            "one",
            lambda tr, d: tr("And do you prefer…"),
            _fixed(
                ("hands_on", N_("Hands-on: trying things together"), ("hands on", "practice", "pratique")),
                ("discussion", N_("Discussion and exchange"), ("talk", "echange", "discussion")),
            ),
        ),
        Question(
            "capacity",
            "one",
            lambda tr, d: tr("How many mentees could you take on?"),
            _fixed(("1", N_("One"), ("1",)), ("2", N_("Two"), ("2",)), ("3", N_("Three"), ("3",))),
            numeric=True,
        ),
    )
}
MENTOR_LEVELS = _fixed(
    ("1", N_("Comfortable"), ("ok", "a l'aise", "basic")),
    ("2", N_("Confident"), ("good", "bon", "solid")),
    ("3", N_("Expert"), ("expert", "pro", "very")),
)
MENTEE_LEVELS = _fixed(
    ("1", N_("Nice to have"), ("bonus", "would be nice", "low")),
    ("2", N_("Important"), ("medium", "matters")),
    ("3", N_("A must"), ("must", "essential", "indispensable", "high", "essentiel")),
)


def level_question(draft: dict[str, Any], index: int, tr: Tr) -> Question:
    """The level of one chosen topic: expertise for mentors, priority for mentees."""
    topic = topic_label(draft["topics"][index], tr)
    if draft.get("role") == "mentor":
        return Question(
            f"level:{index}",
            "one",
            lambda tr, d: tr("How well do you know *{topic}*?", topic=topic),
            MENTOR_LEVELS,
            numeric=True,
        )
    return Question(
        f"level:{index}",
        "one",
        lambda tr, d: tr("How much does *{topic}* matter to you?", topic=topic),
        MENTEE_LEVELS,
        numeric=True,
    )


def read_text(question: Question, ctx: Ctx, draft: dict[str, Any], text: str) -> Any:
    """The answer a typed text gives to the question, or None if it gives none."""
    options = question.options(ctx, draft)
    pairs = [(value, (label, *names)) for value, label, names in options]
    if question.kind == "one":
        chosen = parse_choice(text, pairs)
        if chosen is None and question.numeric:
            number = parse_number(text, 1, len(options))
            chosen = str(number) if number is not None else None
        return chosen
    if question.kind == "many":
        return _read_many(question, draft, text, pairs)
    if question.kind == "person":
        folded = fold(text)
        if folded in SKIP_WORDS or NO_MANAGER.search(folded):
            return ""
        return parse_mention(text) or find_mention(text)
    if question.kind == "timezone":
        zones = timezone_choices(text, ctx.now)
        return zones[0] if len(zones) == 1 else None
    cleaned = " ".join(text.split())
    if not MIN_LENGTH <= len(cleaned) <= question.max_length or not re.search(r"\w", cleaned):
        return None
    return cleaned


def _read_many(question: Question, draft: dict[str, Any], text: str, pairs: list[tuple[str, tuple[str, ...]]]) -> Any:
    def read(part: str) -> list[str] | None:
        if question.key == "languages":
            return parse_languages(part) or parse_choices(part, pairs)
        if fold(part) in ALL_WORDS:
            return [value for value, _ in pairs]
        return parse_choices(part, pairs)

    added = ADD.fullmatch(fold(text))
    if added and shown(question, draft):
        more = read(added.group(1))
        current = shown(question, draft)
        return None if more is None else [*current, *(v for v in more if v not in current)]
    return read(text)


def shown(question: Question, draft: dict[str, Any]) -> list[str]:
    """What a multiple choice shows ticked: the selection being made, else the answer given before."""
    ticked: list[str] = draft.get("pending", {}).get(question.key, draft.get(question.key, []))
    return ticked


def too_short(text: str) -> bool:
    cleaned = " ".join(text.split())
    return len(cleaned) < MIN_LENGTH or not re.search(r"\w", cleaned)


def read_pressed(question: Question, ctx: Ctx, draft: dict[str, Any], values: list[str]) -> Any:
    """The answer a pressed button or picked menu item gives, checked against what was offered."""
    offered = {value for value, _, _ in question.options(ctx, draft)}
    if question.kind == "many":
        chosen = [value for value in values if value in offered]
        return chosen if chosen and len(chosen) == len(values) else None
    if len(values) != 1:
        return None
    value = values[0]
    if question.kind == "one":
        return value if value in offered else None
    if question.kind == "person":
        return value if value == "" else parse_id(value)
    if question.kind == "timezone":
        return parse_timezone(value)
    return None


def hint(question: Question, tr: Tr, text: str = "", choices: int = 0) -> str:
    """Why an answer was not understood, and how to give one; `choices`: how many options the question offers."""
    if question.kind == "one" and question.numeric and choices:
        # Its options are numbers ("how many mentees?") or a scale: "-1" or "les deux" was no number of theirs.
        return tr("Please pick one of the options, or type its name or a number from 1 to {n}.", n=choices)
    if question.kind == "one":
        return tr("Please pick one of the options, or type its name or number.")
    if question.kind == "many":
        if question.key == "languages":
            return tr("Pick the languages, or type them, for example “French and English”.")
        return tr("Pick one or more options, or type them, for example “1 3” or their names separated by commas.")
    if question.kind == "person":
        return tr("Pick your manager in the menu, mention them with @, or type “skip”.")
    if question.kind == "timezone":
        return tr(
            "I don't know that time zone. Type it such as “Europe/Paris”, your country, such as “France”, "
            "or a big city near you, such as “London”."
        )
    if too_short(text):
        return tr("That is too short: please answer in a few words.")
    return tr("That is too long: please answer in at most {n} characters.", n=question.max_length)
