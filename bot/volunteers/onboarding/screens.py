"""What each step of the onboarding shows: the question with its buttons or menus, the consent, the summary."""

from typing import Any

from bot.context import Ctx
from bot.i18n import translator
from bot.programme.rhythm import rhythm
from bot.recipients import DIRECT
from bot.topics import N_
from bot.ui import Block, Button, Buttons, Choice, Message, Option, PersonChoice, Reply, Text, message
from bot.volunteers.onboarding.questions import shown
from bot.volunteers.onboarding.steps import answered, numbered, progress, question, steps
from bot.volunteers.onboarding.summary import LABELS, describe, summary_fields
from storage.models import Conversation

BUTTONS_UP_TO = 5  # more options than this go in a menu
OFFER = {"en": N_("Prefer English? Type *language en*."), "fr": N_("Prefer French? Type *language fr*.")}


def ask(ctx: Ctx, conversation: Conversation, before: str = "") -> Reply:
    """The current step as a message in the person's DM, after a line such as a hint."""
    blocks: list[Block] = [Text(before)] if before else []
    return Reply(message(*blocks, *_blocks(ctx, conversation)), to=DIRECT)


def buttons(ctx: Ctx, conversation: Conversation) -> list[Button]:
    """The buttons the current step shows, so that typing a button's label works as pressing it."""
    return [b for block in _blocks(ctx, conversation) if isinstance(block, Buttons) for b in block.buttons]


def zone_choices(ctx: Ctx, conversation: Conversation, typed: str, zones: list[str]) -> Reply:
    """The time zone question again, with the zones a typed place or offset may mean to pick from."""
    options = tuple(Option(zone, zone.replace("_", " ")) for zone in zones)
    return Reply(
        message(
            Text(ctx.tr("“{typed}” may be several time zones. Which one is yours?", typed=typed)),
            Choice(f"onb.{conversation.step}", options, label=ctx.tr("Your time zone"), placeholder=ctx.tr("Choose")),
            Text(ctx.tr("_Or type it, such as “Europe/Paris”._")),
            Buttons((Button(ctx.tr("Back"), "onb.back"),)),
        ),
        to=DIRECT,
    )


def stop_question(ctx: Ctx, conversation: Conversation, given: int) -> Reply:
    """Asked before `stop` throws answers away; the buttons carry the token of this very question."""
    tr = ctx.tr
    if conversation.editing:
        question_text = tr("Stop editing? Your profile stays as it was, without the changes made now.")
    else:
        question_text = tr.plural("Stop and discard your {n} answer?", "Stop and discard your {n} answers?", given)
    about = str(conversation.draft["_stopping"])
    return Reply(
        message(
            Text(question_text),
            Buttons(
                (
                    Button(tr("Yes, stop"), "onb.stop.confirm", about, style="danger"),
                    Button(tr("No, go on"), "onb.stop.cancel", about),
                )
            ),
        ),
        to=DIRECT,
    )


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
    number, total = progress(step, draft)
    blocks: list[Block] = [Text(f"*{number}/{total}* · {asked.prompt(tr, draft)}")]
    if asked.kind == "many" and shown(asked, draft):
        blocks.append(
            Text(tr("_Continue keeps what is ticked. A typed answer replaces it; type “add …” to add to it._"))
        )
    elif answered(step, draft):
        blocks.append(Text(tr("_Your answer so far: {answer}_", answer=describe(ctx, step, draft))))
    back = Button(tr("Back"), "onb.back")
    offered = asked.options(ctx, draft)
    options = tuple(Option(value, label) for value, label, _ in offered)
    if asked.kind == "one" and len(offered) <= BUTTONS_UP_TO:
        return [*blocks, Buttons((*(Button(o.label, f"onb.{step}", o.value) for o in options), back))]
    if asked.kind == "one":
        blocks.append(Choice(f"onb.{step}", options, label=tr("Your answer"), placeholder=tr("Choose")))
    elif asked.kind == "many":
        current = shown(asked, draft)
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
        "share what they master with senior managers, {rhythm}.",
        programme=ctx.programme.name,
        rhythm=rhythm(tr, ctx.programme),
    )
    what_is_kept = tr(
        "*Before we start, what I keep and who sees it.* I will ask {mentee} questions ({mentor} for a mentor): "
        "your role, "
        "topics, career stage, department, manager, languages, site, time zone, availability, a "
        "sentence of hope and your working style. The coordinators see your answers to run the "
        "matching; your partner sees your name, your topics and your sentence. Your manager is used "
        "only to avoid pairing you in your reporting line. Type *export-my-data* any time for a copy, "
        "*delete-my-data* to erase everything. Type *back*, *restart* or *stop* during the questions.",
        mentee=len(numbered("mentee")),
        mentor=len(numbered("mentor")),
    )
    # The other language offered in its own words, for someone who reads it better.
    other = "fr" if tr.locale == "en" else "en"
    offer = translator(other)(OFFER[other])
    agree = Button(tr("I agree, let's start"), "onb.consent", "yes", style="primary")
    return [
        Text(welcome),
        Text(what_is_kept),
        Text(tr("Do you agree, and shall we start?")),
        Buttons((agree, Button(tr("No thanks"), "onb.consent", "no"))),
        Text(f"_{offer}_"),
    ]
