"""The Teams bot: each activity translated for the core in a worker thread, its answer rendered as cards."""

import asyncio
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.actor import Actor
from bot.i18n import normalize_locale, translator
from bot.service import Passerelle
from bot.ui import File, Form, Message, Outcome, Reply, Text, answers, mention
from handlers.teams import cards
from handlers.teams.outbox import UPN, TeamsOutbox, keyed
from handlers.teams.translate import Closing, Press, Submission, actor_of, is_personal, text_of, to_input

logger = logging.getLogger(__name__)
T = TypeVar("T")
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
# A user principal name or e-mail address as people type one.
ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+(?![\w@-])")
FILES = "/files"  # where files handed over are served (app.py serves the route)
NAMED_AT_MOST = 4  # addresses looked up in one message
FORMS_KEPT = 2000  # forms remembered to be shown again with their problems; the oldest forgotten first


@dataclass
class Deps:
    bot: Passerelle
    clock: Callable[[], datetime]
    locale: str = "en"
    # Without authentication (the Emulator), an activity may carry no tenant: it is served as this workspace.
    emulator_workspace: str | None = None
    outbox: TeamsOutbox | None = None  # rewrites the other member's copy of a pair's card
    # One person's inputs one after the other, in the order they came (as on Slack).
    # Each lock with how many inputs hold or wait for it: forgotten when none does, so the map stays small.
    people: dict[str, tuple[asyncio.Lock, list[int]]] = field(default_factory=dict)
    # Each person's user principal name, looked up once a process: a chat with them is opened by it.
    upns: dict[str, str] = field(default_factory=dict)
    # The forms shown lately, by person and form: one sent back with problems is shown again with each problem
    # under its field and what was typed kept (a card cannot be read back from Teams). Another process, or a form
    # forgotten, says the problems below instead.
    forms: OrderedDict[str, Form] = field(default_factory=OrderedDict)


class TeamsBot(TeamsActivityHandler):  # type: ignore[misc]  # the SDK ships no type information
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor = await self._actor(turn_context)
        if actor is None:
            return
        if not is_personal(activity):
            tr = self._tr(actor)
            await _send(turn_context, [Message((Text(tr("Write to me in our one-to-one chat, please.")),))])
            return
        picked = to_input(activity.value)
        if picked is not None:  # an Action.Submit, from a client that does not know Action.Execute
            outcome = await self._acted(turn_context, actor, picked, activity)
            refused = self._refused_form(actor, picked, outcome)
            if refused is not None and activity.reply_to_id:
                await _update_card(turn_context, activity.reply_to_id, refused)
                return
            if outcome.replace is not None and activity.reply_to_id:
                await _update_card(
                    turn_context, activity.reply_to_id, cards.build_card(self._seen_by(actor, outcome.replace))
                )
            await self._rewrite_copies(actor, picked, outcome)
            await self._show(turn_context, outcome, actor)
            return
        if activity.value is not None and not activity.text:
            return  # a card of another app, or a forged submission: nothing the core knows
        text = await _people_named(turn_context, self.deps, actor, text_of(activity))
        outcome = await self._call(actor, lambda: self.deps.bot.said(actor, text, self.deps.clock(), _id(activity)))
        await self._show(turn_context, outcome, actor)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=200, body={})  # other invokes (a card's refresh, sign-in) need nothing
        actor = await self._actor(turn_context)
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action")
        executed = isinstance(action, dict) and action.get("type") == "Action.Execute"
        picked = to_input(action.get("data")) if isinstance(action, dict) and executed else None
        if actor is None or picked is None:
            return InvokeResponse(status=200, body=_invoke_message(" "))
        outcome = await self._acted(turn_context, actor, picked, activity)
        refused = self._refused_form(actor, picked, outcome)
        if refused is not None:  # the form again, in place, each problem under its field
            return InvokeResponse(status=200, body=_invoke_card(refused))
        await self._rewrite_copies(actor, picked, outcome)
        await self._show(turn_context, outcome, actor)
        if outcome.replace is not None:
            card = cards.build_card(self._seen_by(actor, outcome.replace))
            return InvokeResponse(status=200, body=_invoke_card(_keep_key(card, picked)))
        return InvokeResponse(status=200, body=_invoke_message(_gist(outcome) or " "))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        # The bot added to a person's chat: their conversation is kept. Teams says it with an installationUpdate
        # too, which shows the status card; the Emulator only with this.
        recipient = turn_context.activity.recipient
        if any(m.id == getattr(recipient, "id", None) for m in members_added):
            await self._welcome(turn_context, show=turn_context.activity.channel_id != "msteams")

    async def _welcome(self, turn_context: TurnContext, show: bool = True) -> None:
        activity = turn_context.activity
        actor = await self._actor(turn_context)
        if actor is None or not is_personal(activity):
            return
        card = await self._call(actor, lambda: self.deps.bot.reached(actor, self.deps.clock(), _id(activity)))
        if card is not None and show:
            await _send(turn_context, [card])

    async def _acted(
        self, turn_context: TurnContext, actor: Actor, picked: Press | Submission | Closing, activity: Activity
    ) -> Outcome:
        bot, now, once = self.deps.bot, self.deps.clock(), _id(activity)
        if isinstance(picked, Submission):
            return await self._call(actor, lambda: bot.submitted(actor, picked.form, picked.values, now, once))
        if isinstance(picked, Closing):
            tr = self._tr(actor)
            return Outcome(replace=Message((Text(tr("Closed.")),)))

        pressed = picked
        if pressed.person:
            # A person typed where Slack has a people picker: the core is given who it is, as a picker would.
            typed_in = pressed.values[0] if pressed.values else ""
            found = await _look_up(turn_context, self.deps, actor, ADDRESS.findall(typed_in))
            if len(found) != 1:
                tr = self._tr(actor)
                hint = tr(
                    "Type the e-mail address of someone who has opened Passerelle (“{example}”), or press Skip.",
                    example="name@company.com",
                )
                return Outcome([Reply(Message((Text(hint),)))])
            pressed = replace(pressed, values=[next(iter(found.values()))[0]])

        def press() -> Outcome:
            for action, values in pressed.picked:  # what was ticked, as Slack reports each tick
                bot.pressed(actor, action, values, now)
            return bot.pressed(actor, pressed.action, pressed.values, now, once)

        return await self._call(actor, press)

    async def _rewrite_copies(self, actor: Actor, picked: Press | Submission | Closing, outcome: Outcome) -> None:
        """A pair's card answered by one member is rewritten in the other's chat too: both see who committed."""
        if outcome.replace is None or not isinstance(picked, Press) or not picked.origin or self.deps.outbox is None:
            return
        value = picked.values[0] if picked.values else ""
        copies = await asyncio.to_thread(self.deps.bot.copies, actor, picked.origin, picked.action, value)
        for copy in copies:
            if not copy.get("address") or not copy.get("activity"):
                continue
            reader = str((copy["address"].get("user") or {}).get("aadObjectId") or "")
            upns = {actor.user_id: self.deps.upns.get(actor.user_id, "")}
            try:
                await self.deps.outbox.rewrite(copy, outcome.replace, reader, upns)
            except Exception as error:  # the other copy stays as it was; the answer itself is stored
                logger.warning("the other copy of a pair's card could not be rewritten (%s)", type(error).__name__)

    def _seen_by(self, actor: Actor, msg: Message) -> Message:
        return cards.with_chats(msg, actor.user_id, self.deps.upns)

    def _refused_form(
        self, actor: Actor, picked: Press | Submission | Closing, outcome: Outcome
    ) -> dict[str, Any] | None:
        """A form sent back with problems, as a card again: what was typed kept, each problem under its field;
        None when it was not refused, or is not remembered here."""
        if not isinstance(picked, Submission) or not outcome.form_errors or outcome.replies:
            return None
        form = self.deps.forms.get(_form_key(actor, picked.form))
        if form is None:
            return None
        return cards.build_card(cards.filled(form, picked.values), outcome.form_errors)

    def _remember(self, actor: Actor, form: Form) -> None:
        key = _form_key(actor, form.action)
        self.deps.forms[key] = form
        self.deps.forms.move_to_end(key)
        while len(self.deps.forms) > FORMS_KEPT:
            self.deps.forms.popitem(last=False)

    async def _show(self, turn_context: TurnContext, outcome: Outcome, actor: Actor) -> None:
        """The caller's answers in their chat, a form as a card to fill in; a form's problems said below it."""
        shown: list[Message | Form] = [m for m, _ in answers(outcome)]
        if outcome.form is not None:
            shown.append(outcome.form)
            self._remember(actor, outcome.form)
        if outcome.form_errors:
            shown.append(Message(tuple(Text(text) for text in outcome.form_errors.values())))
        await _send(turn_context, shown, await self._files(turn_context, outcome.files) if outcome.files else [])

    async def _files(self, turn_context: TurnContext, files: list[File]) -> list[dict[str, Any]]:
        """A bot's chat takes no file without asking for consent first: each is a card with a link to download it
        (an image is shown in the card too), served behind its own token for an hour."""
        actor = actor_of(turn_context.activity, self.deps.emulator_workspace)
        if actor is None:
            return []
        tokens = await asyncio.to_thread(self.deps.bot.hand_over, actor, files, self.deps.clock())
        tr = self._tr(actor)
        return [
            cards.file_card(
                document.title,
                f"{self.deps.bot.public_url}{FILES}/{token}/{quote(document.name)}",
                tr("Download {name}", name=document.name),
                image=document.name.lower().endswith(".png"),
            )
            for document, token in zip(files, tokens, strict=True)
        ]

    async def _call(self, actor: Actor, work: Callable[[], T]) -> T:
        key = f"{actor.workspace}:{actor.user_id}"
        lock, waiting = self.deps.people.setdefault(key, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock:
                return await asyncio.to_thread(work)
        finally:
            waiting[0] -= 1
            if not waiting[0]:
                del self.deps.people[key]

    async def _actor(self, turn_context: TurnContext) -> Actor | None:
        """The person, with their user principal name kept in their address (looked up once a process)."""
        activity = turn_context.activity
        actor = actor_of(activity, self.deps.emulator_workspace)
        if actor is None or actor.address is None:
            return actor
        if actor.user_id not in self.deps.upns and is_personal(activity):
            self.deps.upns[actor.user_id] = await _upn(turn_context)
        if self.deps.upns.get(actor.user_id):
            actor.address[UPN] = self.deps.upns[actor.user_id]
        return actor

    def _tr(self, actor: Actor) -> Callable[..., str]:
        return translator(normalize_locale(actor.locale) or self.deps.locale)


async def _people_named(turn_context: TurnContext, deps: Deps, actor: Actor, text: str) -> str:
    """A person named by their address (`pair ana@corp.fr bob@corp.fr`: a bot's chat has no mentions of others)
    becomes the core's mention of them; an address nobody answers to stays as typed, and the core says so."""
    found = await _look_up(turn_context, deps, actor, ADDRESS.findall(text))
    named = {address: mention(*person) for address, person in found.items()}
    return ADDRESS.sub(lambda m: named.get(m.group(0), m.group(0)), text) if named else text


async def _look_up(
    turn_context: TurnContext, deps: Deps, actor: Actor, addresses: list[str]
) -> dict[str, tuple[str, str]]:
    """Each address's person (user id, name): someone who has opened Passerelle by the address kept for them,
    anyone else from Teams' roster where it answers. A command names two people at most: a text full of
    addresses costs a few look-ups, never one each."""
    wanted = list(dict.fromkeys(addresses))[:NAMED_AT_MOST]
    if not wanted:
        return {}
    known = await asyncio.to_thread(deps.bot.addressed_as, actor, UPN, wanted)
    found = {a: known[a.lower()] for a in wanted if a.lower() in known}
    for address in wanted:
        if address in found:
            continue
        try:
            member = await TeamsInfo.get_member(turn_context, address)
        except Exception:  # not in this chat's roster, or Teams away
            continue
        user_id = getattr(member, "aad_object_id", None) or getattr(member, "id", None)
        if isinstance(user_id, str) and user_id:
            found[address] = (user_id, str(getattr(member, "name", "") or address))
    return found


async def _upn(turn_context: TurnContext) -> str:
    """The person's user principal name, from the conversation's roster; empty when Teams does not say."""
    member_id = getattr(turn_context.activity.from_property, "id", None)
    try:
        member = await TeamsInfo.get_member(turn_context, member_id)
    except Exception as error:  # the chat links wait for the next process; the bot answers all the same
        logger.info("the roster did not say who wrote (%s)", type(error).__name__)
        return ""
    upn = getattr(member, "user_principal_name", None)
    return upn if isinstance(upn, str) and 0 < len(upn) <= 200 else ""


def _form_key(actor: Actor, form: str) -> str:
    return f"{actor.workspace}:{actor.user_id}:{form}"


def _keep_key(card: dict[str, Any], picked: Press | Submission | Closing) -> dict[str, Any]:
    """A card rewritten in place still names the outbox row it came with, so that it can be answered again."""
    if isinstance(picked, Press) and picked.origin:
        return keyed(card, picked.origin)
    return card


def _id(activity: Activity) -> str | None:
    """The activity's own id: Teams sends a retried activity with the same one, done once. Hashed: Teams' ids
    have no length the core can rely on."""
    if not isinstance(activity.id, str) or not activity.id or len(activity.id) > 1000:
        return None
    return "activity:" + hashlib.sha256(activity.id.encode()).hexdigest()[:48]


def _gist(outcome: Outcome) -> str:
    shown = [m for m, _ in answers(outcome)]
    return cards.summary(shown[0]) if shown else ""


async def _send(
    turn_context: TurnContext, shown: list[Message | Form], more: list[dict[str, Any]] | None = None
) -> None:
    """The messages as cards, then cards already built (files), in one go and in order."""
    activities = []
    for msg in shown:
        built = [cards.build_card(msg)] if isinstance(msg, Form) else cards.build_cards(msg)
        for card in built:
            activities.append(
                Activity(
                    type=ActivityTypes.message,
                    attachments=[cards.attachment(card)],
                    summary=cards.summary(msg) or None,
                )
            )
    for card in more or []:
        activities.append(Activity(type=ActivityTypes.message, attachments=[cards.attachment(card)]))
    if activities:
        await turn_context.send_activities(activities)


async def _update_card(turn_context: TurnContext, activity_id: str, card: dict[str, Any]) -> None:
    updated = Activity(type=ActivityTypes.message, id=activity_id, attachments=[cards.attachment(card)])
    await turn_context.update_activity(updated)


def _invoke_card(card: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "type": INVOKE_CARD, "value": card}


def _invoke_message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": text}
