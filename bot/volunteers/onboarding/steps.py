"""The steps of the onboarding for a draft of answers: their order, which are answered, what comes next.

Questions come in order; once the summary has been seen, the next question is the first without an answer,
then the summary again, so that editing one answer (or the levels of new topics) leads straight back to it.
"""

from typing import Any

from bot.context import Ctx
from bot.volunteers.onboarding.questions import QUESTIONS, Question, level_question

QUESTION_ORDER = (
    "career_stage",
    "department",
    "manager",
    "languages",
    "site",
    "format",
    "timezone",
    "windows",
    "hope",
    "style_plan",
    "style_learning",
)
HIDDEN = ("pending", "consent", "_reviewed", "_stopping")  # draft keys that are state, not answers


def steps(draft: dict[str, Any]) -> list[str]:
    """Every step of the conversation for what has been answered so far."""
    levels = [f"level:{i}" for i in range(len(draft.get("topics", [])))]
    capacity = ["capacity"] if draft.get("role") == "mentor" else []
    return ["consent", "role", "topics", *levels, *QUESTION_ORDER, *capacity, "summary"]


def numbered(role: str | None) -> list[str]:
    """The questions as the progress counts them: the levels of the topics count as one, so that the total is
    known as soon as the role is (before, it is the longer path, a mentor's) and never moves but with the role."""
    capacity = [] if role == "mentee" else ["capacity"]
    return ["role", "topics", "levels", *QUESTION_ORDER, *capacity]


def progress(step: str, draft: dict[str, Any]) -> tuple[int, int]:
    """Which question this is, and how many the person is asked in all."""
    counted = numbered(draft.get("role"))
    return counted.index("levels" if step.startswith("level:") else step) + 1, len(counted)


def given(draft: dict[str, Any]) -> int:
    """How many questions have an answer (each topic's level counting as one), for what `stop` would discard."""
    return sum(answered(step, draft) for step in steps(draft) if step not in ("consent", "summary"))


def answered(step: str, draft: dict[str, Any]) -> bool:
    if step.startswith("level:"):
        return _level_topic(step, draft) in draft.get("levels", {})
    return step in draft


def next_step(draft: dict[str, Any], after: str) -> str:
    order = steps(draft)
    if draft.get("_reviewed"):
        return next(step for step in order if step == "summary" or not answered(step, draft))
    return order[order.index(after) + 1] if after in order else order[1]


def question(ctx: Ctx, step: str, draft: dict[str, Any]) -> Question:
    if step.startswith("level:"):
        return level_question(draft, int(step.split(":")[1]), ctx.tr)
    return QUESTIONS[step]


def store(step: str, draft: dict[str, Any], value: Any) -> dict[str, Any]:
    """The draft with one more answer; answers that depend on a changed one are dropped."""
    draft = {**draft, "pending": {k: v for k, v in draft.get("pending", {}).items() if k != step}}
    if step.startswith("level:"):
        draft["levels"] = {**draft.get("levels", {}), _level_topic(step, draft): int(value)}
    elif step == "consent":
        draft["consent"] = True
    elif step == "role" and draft.get("role") not in (None, value):
        # Levels mean expertise for a mentor and priority for a mentee: a new role asks them again.
        draft = {k: v for k, v in draft.items() if k not in ("levels", "capacity")} | {"role": value}
    elif step == "topics":
        draft["topics"] = value
        draft["levels"] = {t: n for t, n in draft.get("levels", {}).items() if t in value}
    elif step in ("career_stage", "capacity"):
        draft[step] = int(value)
    else:
        draft[step] = value
    return draft


def answers(draft: dict[str, Any]) -> dict[str, Any]:
    """What is kept in the enrollment once confirmed."""
    return {k: v for k, v in draft.items() if k not in HIDDEN}


def _level_topic(step: str, draft: dict[str, Any]) -> str:
    topic: str = draft["topics"][int(step.split(":")[1])]
    return topic
