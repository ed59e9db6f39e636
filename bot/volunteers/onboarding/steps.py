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
HIDDEN = ("pending", "consent", "_reviewed")  # draft keys that are state, not answers


def steps(draft: dict[str, Any]) -> list[str]:
    """Every step of the conversation for what has been answered so far."""
    levels = [f"level:{i}" for i in range(len(draft.get("topics", [])))]
    capacity = ["capacity"] if draft.get("role") == "mentor" else []
    return ["consent", "role", "topics", *levels, *QUESTION_ORDER, *capacity, "summary"]


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
