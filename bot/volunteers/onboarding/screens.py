"""What each step of the onboarding shows: the question with its buttons or menus, the consent, the summary."""

from typing import Any

from bot.context import Ctx
from bot.recipients import DIRECT
from bot.ui import Block, Button, Buttons, Choice, Message, Option, PersonChoice, Reply, Text, message
from bot.volunteers.onboarding.steps import answered, question, steps
from bot.volunteers.onboarding.summary import LABELS, describe, summary_fields
from storage.models import Conversation

BUTTONS_UP_TO = 5  # more options than this go in a menu


def ask(ctx: Ctx, conversation: Conversation, before: str = "") -> Reply:
    """The current step as a message in the person's DM, after a line such as a hint."""
    blocks: list[Block] = [Text(before)] if before else []
    return Reply(message(*blocks, *_blocks(ctx, conversation)), to=DIRECT)


def answered_message(ctx: Ctx, conversation: Conversation, answer: str, step: str | None = None) -> Message:
    """The question message as it stays in the history once answered, without its buttons."""
    if step and step not in ("consent", "summary"):
        prompt = question(ctx, step, conversation.draft).prompt(ctx.tr, conversation.draft)
        return message(Text(prompt), Text(f"✓ {answer}"))
    return message(Text(f"✓ {answer}"))


def editable(ctx: Ctx, draft: dict[str, Any]) -> list[tuple[str, str]]:
    """The answers one may change from the summary, with their names."""
    keys = [k for k in LABELS if k in steps(draft) or (k == "levels" and draft.get("topics"))]
    return [(key, ctx.tr(LABELS[key])) for key in keys]


def _blocks(ctx: Ctx, conversation: Conversation) -> list[Block]:
    tr, step, draft = ctx.tr, conversation.step, conversation.draft
    if step == "consent":
        return _consent(ctx)
    if step == "summary":
        confirm = Button(tr("Confirm"), "onb.summary.confirm", style="primary")
        return [
            Text(tr("Here is your profile. Is everything right?")),
            *summary_fields(ctx, draft),
            Buttons((confirm, Button(tr("Edit"), "onb.summary.edit"))),
        ]
    if step == "edit":
        options = tuple(Option(v, label) for v, label in editable(ctx, draft))
        return [
            Text(tr("Which answer do you want to change?")),
            Choice("onb.edit", options, label=tr("Answer to change"), placeholder=tr("Choose")),
        ]
    return _question(ctx, conversation)


def _question(ctx: Ctx, conversation: Conversation) -> list[Block]:
    tr, step, draft = ctx.tr, conversation.step, conversation.draft
    asked = question(ctx, step, draft)
    order = steps(draft)
    total = len(order) - 2  # neither consent nor the summary is a question
    blocks: list[Block] = [Text(f"*{order.index(step)}/{total}* · {asked.prompt(tr, draft)}")]
    if answered(step, draft):
        blocks.append(Text(tr("_Your answer so far: {answer}_", answer=describe(ctx, step, draft))))
    back = Button(tr("Back"), "onb.back")
    offered = asked.options(ctx, draft)
    options = tuple(Option(value, label) for value, label, _ in offered)
    if asked.kind == "one" and len(offered) <= BUTTONS_UP_TO:
        return [*blocks, Buttons((*(Button(o.label, f"onb.{step}", o.value) for o in options), back))]
    if asked.kind == "one":
        blocks.append(Choice(f"onb.{step}", options, label=tr("Your answer"), placeholder=tr("Choose")))
    elif asked.kind == "many":
        current = draft.get("pending", {}).get(step, draft.get(asked.key, []))
        # Checkboxes report each change; Continue takes the selection.
        return [
            *blocks,
            Choice(f"onb.{step}.pick", options, multiple=True, selected=tuple(current), label=tr("Your answers")),
            Buttons((Button(tr("Continue"), f"onb.{step}.done", style="primary"), back)),
        ]
    elif asked.kind == "person":
        return [
            *blocks,
            PersonChoice(f"onb.{step}", label=tr("Your manager"), placeholder=tr("Choose a person")),
            Buttons((Button(tr("Skip"), f"onb.{step}", ""), back)),
        ]
    elif asked.kind == "timezone" and ctx.person.timezone:
        zone = ctx.person.timezone
        return [
            *blocks,
            Text(tr("Your profile says *{zone}*. Is that right? If not, type yours.", zone=zone)),
            Buttons((Button(tr("Yes, that's right"), f"onb.{step}", zone), back)),
        ]
    else:
        blocks.append(Text(tr("_Type your answer below._")))
    if conversation.history:
        blocks.append(Buttons((back,)))
    return blocks


def _consent(ctx: Ctx) -> list[Block]:
    tr = ctx.tr
    welcome = tr(
        "Welcome to *{programme}*, our reverse-mentoring programme: colleagues early in their career "
        "share what they master with senior managers, one hour a month.",
        programme=ctx.programme.name,
    )
    what_is_kept = tr(
        "*Before we start, what I keep and who sees it.* I will ask about 15 questions: your role, "
        "topics, career stage, department, manager, languages, site, time zone, availability, a "
        "sentence of hope and your working style. The coordinators see your answers to run the "
        "matching; your partner sees your name, your topics and your sentence. Your manager is used "
        "only to avoid pairing you in your reporting line. Type *export-my-data* any time for a copy, "
        "*delete-my-data* to erase everything. Type *back*, *restart* or *stop* during the questions."
    )
    agree = Button(tr("I agree, let's start"), "onb.consent", "yes", style="primary")
    return [
        Text(welcome),
        Text(what_is_kept),
        Text(tr("Do you agree, and shall we start?")),
        Buttons((agree, Button(tr("No thanks"), "onb.consent", "no"))),
    ]
