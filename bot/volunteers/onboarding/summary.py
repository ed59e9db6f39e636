"""A profile shown back to its owner: each answer in words, in their language."""

from typing import Any

from bot.context import Ctx
from bot.people import named_by_user_id
from bot.topics import N_, topic_label
from bot.ui import Fields
from bot.volunteers.onboarding.questions import MENTEE_LEVELS, MENTOR_LEVELS, QUESTIONS

LABELS = {
    "role": N_("Role"),
    "topics": N_("Topics"),
    "levels": N_("Levels"),
    "career_stage": N_("Career stage"),
    "department": N_("Department"),
    "manager": N_("Manager"),
    "languages": N_("Languages"),
    "site": N_("Site"),
    "format": N_("Format"),
    "timezone": N_("Time zone"),
    "windows": N_("Preferred times"),
    "hope": N_("What you hope for"),
    "style_plan": N_("Sessions"),
    "style_learning": N_("Learning style"),
    "capacity": N_("Mentees you can take"),
}


def describe(ctx: Ctx, key: str, answers: dict[str, Any]) -> str:
    """One answer in words: 'French, English', 'AI assistants (Expert)', …"""
    tr = ctx.tr
    if key.startswith("level:"):
        topic = answers["topics"][int(key.split(":")[1])]
        return _level(ctx, answers, topic)
    value = answers.get(key)
    if value in (None, "", []):
        return tr("—")
    if key == "topics":
        return ", ".join(
            f"{topic_label(t, tr)} ({_level(ctx, answers, t)})"
            if t in answers.get("levels", {})
            else topic_label(t, tr)
            for t in value
        )
    if key == "manager":
        return named_by_user_id(ctx.session, ctx.workspace_id, [str(value)])[0]
    question = QUESTIONS.get(key)
    if question and question.kind in ("one", "many"):
        labels = {v: label for v, label, _ in question.options(ctx, answers)}
        values = value if isinstance(value, list) else [str(value)]
        return ", ".join(labels.get(v, v) for v in values)
    return str(value)


def _level(ctx: Ctx, answers: dict[str, Any], topic: str) -> str:
    levels = MENTOR_LEVELS if answers.get("role") == "mentor" else MENTEE_LEVELS
    names = {value: label for value, label, _ in levels(ctx, answers)}
    return names.get(str(answers.get("levels", {}).get(topic)), "—")


def summary_fields(ctx: Ctx, answers: dict[str, Any]) -> list[Fields]:
    keys = [k for k in LABELS if k != "levels" and (k != "capacity" or answers.get("role") == "mentor")]
    return [Fields(tuple((ctx.tr(LABELS[k]), describe(ctx, k, answers)) for k in keys))]
