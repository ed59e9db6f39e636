"""The onboarding conversation: start or resume, answers typed or pressed, back, restart, stop, edit, confirm.

Its state lives in the Conversation row, so a restart of the process loses nothing.
"""

import secrets
from typing import Any

from bot.context import Ctx
from bot.lifecycle.retention import programme_end
from bot.parse import fold, parse_agreement, parse_choice, timezone_choices
from bot.programme.lock import hold
from bot.recipients import DIRECT
from bot.replies import say
from bot.ui import Button, Buttons, Outcome
from bot.volunteers import enrollment as enrollment_status
from bot.volunteers import language
from bot.volunteers.onboarding.questions import hint, read_pressed, read_text, shown
from bot.volunteers.onboarding.screens import answered_message, ask, buttons, editable, stop_question, zone_choices
from bot.volunteers.onboarding.steps import answers, given, next_step, question, store
from bot.volunteers.onboarding.summary import describe, summary_fields
from storage import queries
from storage.models import Conversation, Enrollment, EnrollmentStatus, Programme

BACK = {"back", "retour", "precedent", "previous"}
RESTART = {"restart", "recommencer", "start over", "reset"}
STOP = {"stop", "arreter", "arret", "cancel", "annuler", "quit", "quitter"}
KEPT = ("not_with",)
CONFIRM = {
    "confirm",
    "confirmer",
    "valider",
    "c'est bon",
    "done",
    "looks good",
    "all good",
    "looks right",
    "that's right",
    "perfect",
    "correct",
    "parfait",
    "c'est parfait",
    "tout est bon",
    "c'est tout bon",
    "ca me va",
    "c'est correct",
}
CONTINUE = {"continue", "continuer", "next", "suivant", "suite"}  # typed where a Continue button is
LANGUAGE = {"language", "langue"}
EDIT = {"edit", "modifier", "change", "changer"}
PAIRED_ON = ("role", "career_stage")  # what a pair rests on: fixed while a pair holds the person


def start(ctx: Ctx, first_message: str = "") -> Outcome:
    """`join`, a first message or a Join button: begin, resume, or say the person is enrolled already.

    A first message in French, from someone who chose no language, makes the conversation French."""
    if first_message:
        language.guess_from_first_message(ctx, first_message)
    conversation = _conversation(ctx)
    if conversation:
        return Outcome([ask(ctx, conversation, ctx.tr("Let's pick up where we left off."))])
    enrollment = _enrollment(ctx)
    if enrollment and enrollment.status in enrollment_status.ENROLLED:
        return say(
            ctx.tr("You are already enrolled in *{programme}*.", programme=ctx.programme.name),
            *summary_fields(ctx, enrollment.answers),
            Buttons((Button(ctx.tr("Edit my profile"), "profile.edit"),)),
            to=DIRECT,
        )
    ended = programme_end(ctx.session, ctx.programme)
    if ctx.programme.erased_at is not None or (ended is not None and ended <= ctx.now):
        # Nothing would come of joining: no matching, no pairs; and an erased programme keeps no profiles.
        return say(
            ctx.tr(
                "*{programme}* has ended: there is no programme to join right now. The coordinators will say when "
                "the next one opens.",
                programme=ctx.programme.name,
            ),
            to=DIRECT,
        )
    return Outcome([ask(ctx, _open(ctx, "consent", {}, editing=False))])


def edit(ctx: Ctx) -> Outcome:
    """Reopen a confirmed profile at its summary, to change some answers and confirm again."""
    conversation = _conversation(ctx)
    enrollment = _enrollment(ctx, conversation) if conversation else enrollment_status.own(ctx)
    if enrollment is None or enrollment.status not in enrollment_status.ENROLLED:
        return start(ctx)
    draft = {**enrollment.answers, "consent": True, "_reviewed": True}
    return Outcome([ask(ctx, conversation or _open(ctx, "summary", draft, editing=True))])


def active(ctx: Ctx) -> bool:
    return _conversation(ctx) is not None


def current(ctx: Ctx) -> Outcome:
    """The question where the person is, asked again (in the language they read now); nothing when none is open."""
    conversation = _conversation(ctx)
    return Outcome([ask(ctx, conversation)]) if conversation else Outcome()


def takes(ctx: Ctx, text: str) -> bool:
    """Whether the open conversation reads a typed text as its own: an answer, or one of its words (back, stop…).

    At the welcome, before consent, only yes, no, its buttons' labels and those words: there is no question yet
    that any text could answer, and a command typed there (`report`, `status`) is one."""
    conversation = _conversation(ctx)
    if conversation is None:
        return False
    if conversation.step != "consent" or conversation.draft.get("_stopping"):
        return True
    word = fold(text)
    first, _, rest = word.partition(" ")
    return (
        word in BACK | RESTART | STOP
        or (first in LANGUAGE and language.wanted(rest) is not None)
        or parse_agreement(text) is not None
        or _pressed_by_label(ctx, conversation, text) is not None
    )


def what_to_type(ctx: Ctx) -> Outcome:
    """`help` typed during the questions: what can be typed then, and the question again; no answer is stored."""
    conversation = _conversation(ctx)
    assert conversation is not None
    if conversation.draft.get("_stopping"):
        _going_on(ctx, conversation)  # as any other text would, it answers the stop question with "go on"
    return _again(
        ctx,
        conversation,
        ctx.tr(
            "During the questions you can type:\n"
            "• *back* for the question before, *restart* to start again from the first one\n"
            "• *stop* to stop (I ask first when answers would be lost)\n"
            "• *language en* or *language fr* to change the language\n"
            "• *export-my-data* for a copy of your data, *delete-my-data* to erase it\n"
            "Here is where we are:"
        ),
    )


def on_text(ctx: Ctx, text: str) -> Outcome:
    """A typed message while the conversation is open: a control word or an answer."""
    conversation = _conversation(ctx)
    assert conversation is not None
    word = fold(text)
    if conversation.draft.get("_stopping"):
        decided = parse_agreement(text)
        if decided or word in STOP:
            return stop(ctx)
        _going_on(ctx, conversation)
        if decided is False:
            return _again(ctx, conversation, ctx.tr("Let's go on."))
        # Anything else is read as it would have been without the question.
    if word in BACK:
        return _back(ctx, conversation)
    if word in RESTART:
        return _restart(ctx, conversation)
    if word in STOP:
        return _ask_stop(ctx, conversation)
    first, _, rest = word.partition(" ")
    if first in LANGUAGE and language.wanted(rest):
        # Only a language we speak: "Language services" stays an answer to "Which department?".
        return _language(ctx, conversation, rest)
    if conversation.step == "consent":
        agreed = parse_agreement(text)
        if agreed is None and _pressed_by_label(ctx, conversation, text) is None:
            return _again(ctx, conversation, ctx.tr("Please answer *yes* to start, or *no* if you would rather not."))
    if conversation.step in ("summary", "edit"):
        return _at_summary(ctx, conversation, text)
    pressed = _pressed_by_label(ctx, conversation, text)
    if pressed is not None:
        return _answer(ctx, conversation, pressed.action, [pressed.value], typed=True)
    if conversation.step == "consent":
        return _consent(ctx, conversation, bool(parse_agreement(text)), typed=True)
    asked = question(ctx, conversation.step, conversation.draft)
    if asked.kind == "timezone":
        zones = timezone_choices(text, ctx.now)
        if len(zones) > 1:
            return Outcome([zone_choices(ctx, conversation, text.strip(), zones)])
    if asked.kind == "timezone" and ctx.person.timezone and parse_agreement(text):
        return _advance(ctx, conversation, ctx.person.timezone, typed=True)  # "yes" to the zone the profile gives
    value = read_text(asked, ctx, conversation.draft, text)
    if value is None:
        choices = len(asked.options(ctx, conversation.draft))
        return _again(ctx, conversation, hint(asked, ctx.tr, text, choices))
    return _advance(ctx, conversation, value, typed=True)


def on_press(ctx: Ctx, action: str, values: list[str]) -> Outcome:
    """A button, menu or checkbox of an onboarding message; `action` is `onb.<step>[.<what>]`."""
    conversation = _conversation(ctx)
    if conversation is None:
        return say(ctx.tr("This conversation has ended. Type *join* to start again."), to=DIRECT)
    return _answer(ctx, conversation, action, values, typed=False)


def _answer(ctx: Ctx, conversation: Conversation, action: str, values: list[str], typed: bool) -> Outcome:
    """A button pressed, or its label typed (then the answer is echoed rather than its message rewritten)."""
    _, step, what = [*action.split("."), ""][:3]
    if step == "stop":
        # Only the question asked last, in this very conversation, stops it: an old one pressed later does not.
        if not conversation.draft.get("_stopping") or values != [conversation.draft["_stopping"]]:
            return _again(ctx, conversation, ctx.tr("That question was answered already. Here is where we are:"))
        if what == "confirm":
            return stop(ctx)
        _going_on(ctx, conversation)
        return _again(ctx, conversation, ctx.tr("Let's go on."))
    if conversation.draft.get("_stopping"):
        _going_on(ctx, conversation)
    if action == "onb.back":
        return _back(ctx, conversation)
    if step != conversation.step:
        return _again(ctx, conversation, ctx.tr("That question was answered already. Here is where we are:"))
    if step == "consent":
        return _consent(ctx, conversation, values == ["yes"], typed)
    if step == "summary":
        return _confirm(ctx, conversation) if what == "confirm" else _edit_menu(ctx, conversation)
    if step == "edit":
        return _edit_pick(ctx, conversation, values[0] if values else "")
    asked = question(ctx, step, conversation.draft)
    if what == "pick":
        # Checkboxes report every change; the selection waits for Continue.
        pending = {**conversation.draft.get("pending", {}), step: values}
        conversation.draft = {**conversation.draft, "pending": pending}
        conversation.updated_at = ctx.now
        return Outcome()
    if what == "done":
        # What is ticked is the answer: the boxes changed now, else those shown ticked from the answer before.
        values = shown(asked, conversation.draft)
    value = read_pressed(asked, ctx, conversation.draft, values)
    if value is None:
        return _again(ctx, conversation, hint(asked, ctx.tr, choices=len(asked.options(ctx, conversation.draft))))
    return _advance(ctx, conversation, value, typed=typed)


def _pressed_by_label(ctx: Ctx, conversation: Conversation, text: str) -> Button | None:
    """The button of the current step whose label was typed ('Skip', 'Yes, that's right'), or Continue."""
    word = fold(text)
    shown_buttons = [b for b in buttons(ctx, conversation) if b.action != "onb.back"]
    for button in shown_buttons:
        if fold(button.label) == word:
            return button
    if word in CONTINUE:
        return next((b for b in shown_buttons if b.action.endswith(".done")), None)
    return None


def _ask_stop(ctx: Ctx, conversation: Conversation) -> Outcome:
    """`stop` asks first when it would throw answers or changes away; with nothing to lose it stops at once."""
    if not conversation.editing and given(conversation.draft) == 0:
        return stop(ctx)
    # The question's buttons carry a token of their own: a conversation's id comes back once it is deleted.
    conversation.draft = {**conversation.draft, "_stopping": secrets.token_hex(8)}
    conversation.updated_at = ctx.now
    return Outcome([stop_question(ctx, conversation, given(conversation.draft))])


def _going_on(ctx: Ctx, conversation: Conversation) -> None:
    conversation.draft = {k: v for k, v in conversation.draft.items() if k != "_stopping"}
    conversation.updated_at = ctx.now


def _language(ctx: Ctx, conversation: Conversation, word: str) -> Outcome:
    """`language fr` typed during the questions: the same question again, in that language."""
    locale = language.wanted(word)
    assert locale is not None
    language.switch(ctx, locale)
    return Outcome([ask(ctx, conversation, ctx.tr("From now on I will write to you in English."))], refresh_home=True)


def stop(ctx: Ctx) -> Outcome:
    """End the conversation; an unconfirmed enrollment goes with it, a confirmed profile stays as it was."""
    conversation = _conversation(ctx)
    enrollment = _enrollment(ctx, conversation)
    if conversation:
        ctx.session.delete(conversation)
    if enrollment and enrollment.status == EnrollmentStatus.ONBOARDING:
        enrollment_status.discard(ctx.session, enrollment)
        text = ctx.tr("Stopped. Nothing you answered was kept. Write to me whenever you want to join.")
    elif conversation and conversation.editing:
        text = ctx.tr("Stopped. Your profile is unchanged.")
    else:
        text = ctx.tr("Stopped. Write to me whenever you want to join.")
    return say(text, to=DIRECT, refresh_home=True)


def _consent(ctx: Ctx, conversation: Conversation, agreed: bool, typed: bool = False) -> Outcome:
    if not agreed:
        ctx.session.delete(conversation)
        outcome = say(ctx.tr("No problem: nothing was stored. If you change your mind, type *join*."), to=DIRECT)
        if not typed:
            outcome.replace = answered_message(ctx, conversation, ctx.tr("No thanks"))
        return outcome
    _in_programme(ctx, conversation)
    enrollment = _enrollment(ctx, conversation) or enrollment_status.enrol(
        ctx.session, ctx.programme, ctx.person_id, ctx.now
    )
    enrollment.consented_at = ctx.now
    return _advance(ctx, conversation, True, typed=typed, said=ctx.tr("I agree"))


def _advance(ctx: Ctx, conversation: Conversation, value: Any, typed: bool, said: str = "") -> Outcome:
    step, before = conversation.step, conversation.draft
    conversation.draft = store(step, conversation.draft, value)
    conversation.history = [*conversation.history, step]
    conversation.step = next_step(conversation.draft, step)
    if conversation.step == "summary":
        conversation.draft = {**conversation.draft, "_reviewed": True}
    conversation.updated_at = ctx.now
    answer = said or _understood(ctx, step, before, conversation.draft)
    if typed:
        # A typed answer is echoed as a pressed one is, so that one read wrongly is seen at once.
        return Outcome([ask(ctx, conversation, f"✓ {answer}")])
    # A pressed answer rewrites its question without buttons.
    return Outcome([ask(ctx, conversation)], replace=answered_message(ctx, conversation, answer, step))


def _understood(ctx: Ctx, step: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    """The answer in words; for a multiple choice answered before, whether it replaced or added to it."""
    answer = describe(ctx, step, after)
    if step.startswith("level:") or question(ctx, step, before).kind != "many":
        return answer
    old, new = shown(question(ctx, step, before), before), after.get(step, [])
    if not old or old == new:
        return answer
    if all(value in new for value in old):
        added = {**after, step: [value for value in new if value not in old]}
        return ctx.tr("Added {added}: {answer}", added=describe(ctx, step, added), answer=answer)
    return ctx.tr(
        "{answer} (instead of {previous})", answer=answer, previous=describe(ctx, step, {**before, step: old})
    )


def _back(ctx: Ctx, conversation: Conversation) -> Outcome:
    history = [s for s in conversation.history if s != "consent"]
    if not history:
        return _again(ctx, conversation, ctx.tr("This is the first question."))
    conversation.step, conversation.history = history[-1], history[:-1]
    conversation.updated_at = ctx.now
    return Outcome([ask(ctx, conversation)])


def _restart(ctx: Ctx, conversation: Conversation) -> Outcome:
    conversation.draft, conversation.history = {"consent": True}, []
    conversation.step = next_step(conversation.draft, "consent")
    conversation.updated_at = ctx.now
    return _again(ctx, conversation, ctx.tr("Let's start again from the beginning."))


def _again(ctx: Ctx, conversation: Conversation, why: str) -> Outcome:
    return Outcome([ask(ctx, conversation, why)])


def _at_summary(ctx: Ctx, conversation: Conversation, text: str) -> Outcome:
    word = fold(text)
    if word in CONFIRM or parse_agreement(text):
        return _confirm(ctx, conversation)
    if word in EDIT or parse_agreement(text) is False:
        return _edit_menu(ctx, conversation)
    return _edit_pick(ctx, conversation, text)


def _edit_menu(ctx: Ctx, conversation: Conversation) -> Outcome:
    conversation.step = "edit"
    conversation.updated_at = ctx.now
    return Outcome([ask(ctx, conversation)])


def _edit_pick(ctx: Ctx, conversation: Conversation, text: str) -> Outcome:
    chosen = parse_choice(text, [(value, (label,)) for value, label in editable(ctx, conversation.draft)])
    if chosen is None:
        conversation.step = "edit"
        return _again(ctx, conversation, ctx.tr("Which answer do you want to change? Pick it in the list."))
    if chosen in PAIRED_ON and _paired(ctx, conversation):
        conversation.step = "edit"
        return _again(ctx, conversation, _paired_why(ctx))
    if chosen == "levels":
        conversation.draft = {**conversation.draft, "levels": {}}
        chosen = next_step(conversation.draft, "summary")
    conversation.step = chosen
    conversation.updated_at = ctx.now
    return Outcome([ask(ctx, conversation)])


def _confirm(ctx: Ctx, conversation: Conversation) -> Outcome:
    if conversation.editing:
        _in_programme(ctx, conversation)
        hold(ctx)  # an edit must not cross a confirmation that pairs the person as she was
    enrollment = _enrollment(ctx, conversation)
    if enrollment is None:
        # Erased meanwhile: consent went with it, so ask again from the start.
        ctx.session.delete(conversation)
        return start(ctx)
    new = answers(conversation.draft)
    if any(new.get(k) != enrollment.answers.get(k) for k in PAIRED_ON) and _paired(ctx, conversation):
        ctx.session.delete(conversation)
        return say(ctx.tr("Your profile is unchanged.") + " " + _paired_why(ctx), to=DIRECT, refresh_home=True)
    # What the person said outside the questions (their confidential not-with list) stays.
    kept = {k: v for k, v in enrollment.answers.items() if k in KEPT}
    enrollment.answers = new | kept
    enrollment.role = enrollment.answers["role"]
    enrollment_status.confirm_profile(enrollment, ctx.now)
    ctx.session.delete(conversation)
    if conversation.editing:
        text = ctx.tr("Your profile is updated.")
    else:
        text = ctx.tr(
            "Thank you, you are all set! You are now on the list for the next matching of *{programme}*. "
            "I will write to you when you have a partner.",
            programme=ctx.programme.name,
        )
    outcome = say(text, to=DIRECT, refresh_home=True)
    outcome.replace = answered_message(ctx, conversation, ctx.tr("Confirmed"))
    return outcome


def _open(ctx: Ctx, step: str, draft: dict[str, Any], editing: bool) -> Conversation:
    conversation = Conversation(
        workspace_id=ctx.workspace_id,
        person_id=ctx.person_id,
        programme_id=ctx.programme_id,
        step=step,
        draft=draft,
        history=[],
        editing=editing,
        updated_at=ctx.now,
    )
    ctx.session.add(conversation)
    return conversation


def _paired(ctx: Ctx, conversation: Conversation) -> bool:
    enrollment = _enrollment(ctx, conversation)
    return enrollment is not None and enrollment_status.holds_pair(ctx.session, enrollment)


def _paired_why(ctx: Ctx) -> str:
    return ctx.tr(
        "You are in a pair, and it was made for your role and career stage: they cannot change while it goes on. "
        "If they must, ask a coordinator to end your pair first (`unpair`); your other answers can change now."
    )


def _in_programme(ctx: Ctx, conversation: Conversation) -> None:
    """An edit acts in the programme of the profile it opened (a pair may go on in a previous programme)."""
    if conversation.programme_id != ctx.programme_id:
        ctx.programme = ctx.session.get(Programme, conversation.programme_id) or ctx.programme


def _conversation(ctx: Ctx) -> Conversation | None:
    return queries.get_conversation(ctx.session, ctx.workspace_id, ctx.person_id)


def _enrollment(ctx: Ctx, conversation: Conversation | None = None) -> Enrollment | None:
    """The enrollment the conversation is about: its programme's, else the current programme's."""
    programme_id = conversation.programme_id if conversation else ctx.programme_id
    return queries.get_enrollment(ctx.session, ctx.workspace_id, programme_id, ctx.person_id)
