"""The onboarding conversation: which question comes next, back, restart, stop, summary and confirmation.

The state lives in the Conversation row, so a restart of the process loses nothing. Questions come in order;
once the summary has been seen, the next question is the first without an answer, then the summary again, so
that editing one answer (or the levels of new topics) leads straight back to it.
"""

from typing import Any

from bot.context import Ctx
from bot.onboarding.questions import QUESTIONS, Question, hint, level_question, read_pressed, read_text
from bot.onboarding.summary import LABELS, describe, summary_fields
from bot.parse import fold, parse_choice, parse_yes_no
from bot.ui import Button, Buttons, Choice, Option, Outcome, PersonChoice, Reply, Text, message
from storage import queries
from storage.models import Conversation, Enrollment

BACK = {"back", "retour", "precedent", "previous"}
RESTART = {"restart", "recommencer", "start over", "reset"}
STOP = {"stop", "arreter", "arret", "cancel", "annuler", "quit", "quitter"}


def steps(draft: dict[str, Any]) -> list[str]:
    """Every step of the conversation for what has been answered so far."""
    base = ["consent", "role", "topics"]
    base += [f"level:{i}" for i in range(len(draft.get("topics", [])))]
    base += [
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
    ]
    if draft.get("role") == "mentor":
        base.append("capacity")
    return [*base, "summary"]


def answered(step: str, draft: dict[str, Any]) -> bool:
    if step.startswith("level:"):
        topic = draft["topics"][int(step.split(":")[1])]
        return topic in draft.get("levels", {})
    return step in draft


def next_step(draft: dict[str, Any], after: str) -> str:
    order = steps(draft)
    if draft.get("_reviewed"):
        return next(step for step in order if step == "summary" or not answered(step, draft))
    return order[order.index(after) + 1] if after in order else order[1]


def question(ctx: Ctx, step: str, draft: dict[str, Any]) -> Question:
    if step.startswith("level:"):
        return level_question(draft, int(step.split(":")[1]), ctx.tr, ctx.programme.topics)
    return QUESTIONS[step]


def store(step: str, draft: dict[str, Any], value: Any) -> dict[str, Any]:
    """The draft with one more answer; answers that depend on a changed one are dropped."""
    draft = {**draft, "pending": {k: v for k, v in draft.get("pending", {}).items() if k != step}}
    if step.startswith("level:"):
        topic = draft["topics"][int(step.split(":")[1])]
        draft["levels"] = {**draft.get("levels", {}), topic: int(value)}
    elif step == "consent":
        draft["consent"] = True
    elif step == "role" and draft.get("role") not in (None, value):
        draft = {k: v for k, v in draft.items() if k not in ("levels", "capacity")} | {"role": value}
    elif step == "topics":
        draft["topics"] = value
        draft["levels"] = {t: n for t, n in draft.get("levels", {}).items() if t in value}
    elif step in ("career_stage", "capacity"):
        draft[step] = int(value)
    else:
        draft[step] = value
    return draft


# -- starting and resuming -------------------------------------------------------------------------------


def start(ctx: Ctx) -> Outcome:
    """`join`, a first message or a Join button: begin, resume, or say the person is enrolled already."""
    conversation = _conversation(ctx)
    if conversation:
        return Outcome([_ask(ctx, conversation, ctx.tr("Let's pick up where we left off."))])
    enrollment = _enrollment(ctx)
    if enrollment and enrollment.status not in ("onboarding", "left"):
        return Outcome(
            [
                Reply(
                    message(
                        Text(ctx.tr("You are already enrolled in *{programme}*.", programme=ctx.programme.name)),
                        *summary_fields(ctx, enrollment.answers),
                        Buttons((Button(ctx.tr("Edit my profile"), "profile.edit"),)),
                    ),
                    to="dm",
                )
            ]
        )
    return Outcome([_ask(ctx, _open(ctx, "consent", {}, editing=False))])


def edit(ctx: Ctx) -> Outcome:
    """Reopen a confirmed profile at its summary, to change some answers and confirm again."""
    enrollment = _enrollment(ctx)
    if enrollment is None or enrollment.status in ("onboarding", "left"):
        return start(ctx)
    draft = {**enrollment.answers, "consent": True, "_reviewed": True}
    conversation = _conversation(ctx) or _open(ctx, "summary", draft, editing=True)
    return Outcome([_ask(ctx, conversation)])


def _open(ctx: Ctx, step: str, draft: dict[str, Any], editing: bool) -> Conversation:
    conversation = Conversation(
        workspace_id=ctx.workspace_id,
        person_id=_id(ctx.person.id),
        programme_id=_id(ctx.programme.id),
        step=step,
        draft=draft,
        history=[],
        editing=editing,
        updated_at=ctx.now,
    )
    ctx.session.add(conversation)
    return conversation


def active(ctx: Ctx) -> bool:
    return _conversation(ctx) is not None


# -- answers ---------------------------------------------------------------------------------------------


def on_text(ctx: Ctx, text: str) -> Outcome:
    """A typed message while the conversation is open: a control word or an answer."""
    conversation = _conversation(ctx)
    assert conversation is not None
    word = fold(text)
    if word in BACK:
        return _back(ctx, conversation)
    if word in RESTART:
        return _restart(ctx, conversation)
    if word in STOP:
        return stop(ctx)
    if conversation.step == "consent":
        agreed = parse_yes_no(text)
        return (
            _consent(ctx, conversation, agreed)
            if agreed is not None
            else _again(ctx, conversation, ctx.tr("Please answer *yes* to start, or *no* if you would rather not."))
        )
    if conversation.step in ("summary", "edit"):
        return _summary_text(ctx, conversation, text)
    asked = question(ctx, conversation.step, conversation.draft)
    value = read_text(asked, ctx, conversation.draft, text)
    if value is None:
        return _again(ctx, conversation, hint(asked, ctx.tr))
    return _advance(ctx, conversation, value, typed=True)


def on_press(ctx: Ctx, action: str, values: list[str]) -> Outcome:
    """A button, menu or checkbox of an onboarding message; `action` is `onb.<step>[.<what>]`."""
    conversation = _conversation(ctx)
    if conversation is None:
        return Outcome(
            [
                Reply(
                    message(
                        Text(ctx.tr("This conversation has ended. Type *join* to start again.")),
                    ),
                    to="dm",
                )
            ]
        )
    _, step, *what = [*action.split("."), ""]
    if action == "onb.back":
        return _back(ctx, conversation)
    if step != conversation.step:
        return _again(ctx, conversation, ctx.tr("That question was answered already. Here is where we are:"))
    kind = what[0]
    if step == "consent":
        return _consent(ctx, conversation, values == ["yes"])
    if step == "summary":
        return _confirm(ctx, conversation) if kind == "confirm" else _edit_menu(ctx, conversation)
    if step == "edit":
        return _edit_pick(ctx, conversation, values[0] if values else "")
    asked = question(ctx, step, conversation.draft)
    if kind == "pick":
        # Checkboxes report every change; keep the selection until Continue.
        pending = {**conversation.draft.get("pending", {}), step: values}
        conversation.draft = {**conversation.draft, "pending": pending}
        conversation.updated_at = ctx.now
        return Outcome()
    if kind == "done":
        values = conversation.draft.get("pending", {}).get(step, [])
    value = read_pressed(asked, ctx, conversation.draft, values)
    if value is None:
        return _again(ctx, conversation, hint(asked, ctx.tr))
    return _advance(ctx, conversation, value, typed=False)


def stop(ctx: Ctx) -> Outcome:
    """End the conversation; an unconfirmed enrollment goes with it, a confirmed profile stays as it was."""
    conversation = _conversation(ctx)
    enrollment = _enrollment(ctx)
    if conversation:
        ctx.session.delete(conversation)
    if enrollment and enrollment.status == "onboarding":
        ctx.session.delete(enrollment)
        text = ctx.tr("Stopped. Nothing you answered was kept. Write to me whenever you want to join.")
    elif conversation and conversation.editing:
        text = ctx.tr("Stopped. Your profile is unchanged.")
    else:
        text = ctx.tr("Stopped. Write to me whenever you want to join.")
    return Outcome([Reply(message(Text(text)), to="dm")], refresh_home=True)


# -- inner steps -----------------------------------------------------------------------------------------


def _consent(ctx: Ctx, conversation: Conversation, agreed: bool) -> Outcome:
    if not agreed:
        ctx.session.delete(conversation)
        return Outcome(
            [
                Reply(
                    message(Text(ctx.tr("No problem: nothing was stored. If you change your mind, type *join*."))),
                    to="dm",
                )
            ],
            replace=_answered(ctx, conversation, ctx.tr("No thanks")),
        )
    enrollment = _enrollment(ctx)
    if enrollment is None:
        enrollment = Enrollment(
            workspace_id=ctx.workspace_id,
            programme_id=_id(ctx.programme.id),
            person_id=_id(ctx.person.id),
            status="onboarding",
            answers={},
            consented_at=ctx.now,
            updated_at=ctx.now,
        )
        ctx.session.add(enrollment)
    enrollment.consented_at = ctx.now
    return _advance(ctx, conversation, True, typed=False, shown=ctx.tr("I agree"))


def _advance(ctx: Ctx, conversation: Conversation, value: Any, typed: bool, shown: str = "") -> Outcome:
    step = conversation.step
    conversation.draft = store(step, conversation.draft, value)
    conversation.history = [*conversation.history, step]
    conversation.step = next_step(conversation.draft, step)
    if conversation.step == "summary":
        conversation.draft = {**conversation.draft, "_reviewed": True}
    conversation.updated_at = ctx.now
    answer = shown or describe(ctx, step, conversation.draft)
    replace = None if typed else _answered(ctx, conversation, answer, step)
    return Outcome([_ask(ctx, conversation)], replace=replace)


def _back(ctx: Ctx, conversation: Conversation) -> Outcome:
    history = [s for s in conversation.history if s != "consent"]
    if not history:
        return _again(ctx, conversation, ctx.tr("This is the first question."))
    conversation.step = history[-1]
    conversation.history = history[:-1]
    conversation.updated_at = ctx.now
    return Outcome([_ask(ctx, conversation)])


def _restart(ctx: Ctx, conversation: Conversation) -> Outcome:
    conversation.draft = {"consent": True}
    conversation.history = []
    conversation.step = next_step(conversation.draft, "consent")
    conversation.updated_at = ctx.now
    return Outcome([_ask(ctx, conversation, ctx.tr("Let's start again from the beginning."))])


def _again(ctx: Ctx, conversation: Conversation, why: str) -> Outcome:
    return Outcome([_ask(ctx, conversation, why)])


def _summary_text(ctx: Ctx, conversation: Conversation, text: str) -> Outcome:
    word = fold(text)
    if word in {"confirm", "confirmer", "valider", "c'est bon", "done"} or parse_yes_no(text):
        return _confirm(ctx, conversation)
    if word in {"edit", "modifier", "change", "changer"}:
        return _edit_menu(ctx, conversation)
    return _edit_pick(ctx, conversation, text)


def _edit_menu(ctx: Ctx, conversation: Conversation) -> Outcome:
    conversation.step = "edit"
    conversation.updated_at = ctx.now
    return Outcome([_ask(ctx, conversation)])


def _edit_pick(ctx: Ctx, conversation: Conversation, text: str) -> Outcome:
    options = _editable(ctx, conversation.draft)
    chosen = parse_choice(text, [(value, (label,)) for value, label in options])
    if chosen is None:
        conversation.step = "edit"
        return _again(ctx, conversation, ctx.tr("Which answer do you want to change? Pick it in the list."))
    draft = dict(conversation.draft)
    if chosen == "levels":
        draft["levels"] = {}
        chosen = next_step(draft, "summary")
    conversation.draft = draft
    conversation.step = chosen
    conversation.updated_at = ctx.now
    return Outcome([_ask(ctx, conversation)])


def _editable(ctx: Ctx, draft: dict[str, Any]) -> list[tuple[str, str]]:
    keys = [k for k in LABELS if k in steps(draft) or (k == "levels" and draft.get("topics"))]
    return [(key, ctx.tr(LABELS[key])) for key in keys]


def _confirm(ctx: Ctx, conversation: Conversation) -> Outcome:
    enrollment = _enrollment(ctx)
    if enrollment is None:
        # Erased meanwhile: consent is gone too, so ask again from the start.
        ctx.session.delete(conversation)
        return start(ctx)
    answers = {k: v for k, v in conversation.draft.items() if k not in ("pending", "consent", "_reviewed")}
    enrollment.answers = answers
    enrollment.role = answers["role"]
    if enrollment.status in ("onboarding", "left"):
        enrollment.status = "ready"
    enrollment.updated_at = ctx.now
    ctx.session.delete(conversation)
    text = ctx.tr(
        "Thank you, you are all set! You are now on the list for the next matching of *{programme}*. "
        "I will write to you when you have a partner.",
        programme=ctx.programme.name,
    )
    if conversation.editing:
        text = ctx.tr("Your profile is updated.")
    return Outcome(
        [Reply(message(Text(text)), to="dm")],
        refresh_home=True,
        replace=_answered(ctx, conversation, ctx.tr("Confirmed")),
    )


# -- rendering a step ------------------------------------------------------------------------------------


def _ask(ctx: Ctx, conversation: Conversation, before: str = "") -> Reply:
    blocks = [Text(before)] if before else []
    blocks += _step_blocks(ctx, conversation)
    return Reply(message(*blocks), to="dm")


def _step_blocks(ctx: Ctx, conversation: Conversation) -> list[Any]:
    tr, step, draft = ctx.tr, conversation.step, conversation.draft
    back = Button(tr("Back"), "onb.back")
    if step == "consent":
        return _consent_blocks(ctx)
    if step == "summary":
        return [
            Text(tr("Here is your profile. Is everything right?")),
            *summary_fields(ctx, draft),
            Buttons(
                (
                    Button(tr("Confirm"), "onb.summary.confirm", style="primary"),
                    Button(tr("Edit"), "onb.summary.edit"),
                )
            ),
        ]
    if step == "edit":
        options = tuple(_option(v, label) for v, label in _editable(ctx, draft))
        return [
            Text(tr("Which answer do you want to change?")),
            Choice("onb.edit", options, label=tr("Answer to change"), placeholder=tr("Choose")),
        ]
    asked = question(ctx, step, draft)
    position = steps(draft).index(step)
    total = len(steps(draft)) - 2  # neither consent nor the summary is a question
    blocks: list[Any] = [Text(f"*{position}/{total}* · {asked.prompt(tr, draft)}")]
    if answered(step, draft):
        blocks.append(Text(tr("_Your answer so far: {answer}_", answer=describe(ctx, step, draft))))
    offered = asked.options(ctx, draft)
    if asked.kind == "one" and len(offered) <= 5:
        blocks.append(Buttons((*tuple(Button(label, f"onb.{step}", value) for value, label, _ in offered), back)))
        return blocks
    if asked.kind == "one":
        blocks.append(
            Choice(
                f"onb.{step}",
                tuple(_option(v, label) for v, label, _ in offered),
                label=tr("Your answer"),
                placeholder=tr("Choose"),
            )
        )
    elif asked.kind == "many":
        current = draft.get("pending", {}).get(step, draft.get(asked.key, []))
        blocks.append(
            Choice(
                f"onb.{step}.pick",
                tuple(_option(v, label) for v, label, _ in offered),
                multiple=True,
                selected=tuple(current),
                label=tr("Your answers"),
            )
        )
        blocks.append(Buttons((Button(tr("Continue"), f"onb.{step}.done", style="primary"), back)))
        return blocks
    elif asked.kind == "person":
        blocks.append(PersonChoice(f"onb.{step}", label=tr("Your manager"), placeholder=tr("Choose a person")))
        blocks.append(Buttons((Button(tr("Skip"), f"onb.{step}", ""), back)))
        return blocks
    elif asked.kind == "timezone" and ctx.person.timezone:
        blocks.append(
            Text(tr("Your profile says *{zone}*. Is that right? If not, type yours.", zone=ctx.person.timezone))
        )
        blocks.append(Buttons((Button(tr("Yes, that's right"), f"onb.{step}", ctx.person.timezone), back)))
        return blocks
    else:
        blocks.append(Text(tr("_Type your answer below._")))
    if conversation.history:
        blocks.append(Buttons((back,)))
    return blocks


def _consent_blocks(ctx: Ctx) -> list[Any]:
    tr = ctx.tr
    return [
        Text(
            tr(
                "Welcome to *{programme}*, our reverse-mentoring programme: colleagues early in their career "
                "share what they master with senior managers, one hour a month.",
                programme=ctx.programme.name,
            )
        ),
        Text(
            tr(
                "*Before we start, what I keep and who sees it.* I will ask about 15 questions: your role, "
                "topics, career stage, department, manager, languages, site, time zone, availability, a "
                "sentence of hope and your working style. The coordinators see your answers to run the "
                "matching; your partner sees your name, your topics and your sentence. Your manager is used "
                "only to avoid pairing you in your reporting line. Type *export-my-data* any time for a copy, "
                "*delete-my-data* to erase everything. Type *back*, *restart* or *stop* during the questions."
            )
        ),
        Text(tr("Do you agree, and shall we start?")),
        Buttons(
            (
                Button(tr("I agree, let's start"), "onb.consent", "yes", style="primary"),
                Button(tr("No thanks"), "onb.consent", "no"),
            )
        ),
    ]


def _answered(ctx: Ctx, conversation: Conversation, answer: str, step: str | None = None) -> Any:
    """The question message as it should stay in the history once answered."""
    if step and step not in ("consent", "summary"):
        prompt = question(ctx, step, conversation.draft).prompt(ctx.tr, conversation.draft)
        return message(Text(prompt), Text(f"✓ {answer}"))
    return message(Text(f"✓ {answer}"))


def _option(value: str, label: str) -> Option:
    return Option(value, label)


def _conversation(ctx: Ctx) -> Conversation | None:
    return queries.get_conversation(ctx.session, ctx.workspace_id, _id(ctx.person.id))


def _enrollment(ctx: Ctx) -> Enrollment | None:
    return queries.get_enrollment(ctx.session, _id(ctx.programme.id), _id(ctx.person.id))


def _id(value: int | None) -> int:
    assert value is not None
    return value
