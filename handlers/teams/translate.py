"""Teams activities turned into the core's neutral inputs: who acts, what they typed, what they pressed or sent."""

import contextlib
import html
import re
from dataclasses import dataclass, field

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.actor import Actor
from bot.ui import typed
from handlers.teams.cards import DATA

PLATFORM = "teams"
# Teams writes a mention as `<at>Name</at>` in the text; what remains is plain text with HTML entities.
AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^<>]{0,200}>")
LONGEST_ID = 64  # as the core stores them (storage.ids.ID_WIDTH): a longer one is nobody Teams would send


def actor_of(activity: Activity, emulator_workspace: str | None = None) -> Actor | None:
    """The person acting: their Entra (AAD) object id where Teams gives it (stable across apps, what an admin
    knows), else their channel id; the workspace is their tenant. None when the activity names neither."""
    person = activity.from_property
    user_id = (getattr(person, "aad_object_id", None) or getattr(person, "id", None) or "") if person else ""
    workspace = tenant_of(activity) or emulator_workspace
    if not isinstance(user_id, str) or not user_id or len(user_id) > LONGEST_ID or not workspace:
        return None
    # Where to write to them later; without the activity's own id, which changes with every input.
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)
    return Actor(
        PLATFORM,
        workspace,
        user_id,
        name=str(getattr(person, "name", "") or ""),
        locale=activity.locale if isinstance(activity.locale, str) else None,
        timezone=activity.local_timezone if isinstance(activity.local_timezone, str) else None,
        address=reference,
    )


def tenant_of(activity: Activity) -> str | None:
    conversation = activity.conversation
    tenant = getattr(conversation, "tenant_id", None) if conversation else None
    if not tenant and isinstance(activity.channel_data, dict):
        given = activity.channel_data.get("tenant")
        tenant = given.get("id") if isinstance(given, dict) else None
    return tenant if isinstance(tenant, str) and 0 < len(tenant) <= LONGEST_ID else None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    return kind in (None, "personal")


def text_of(activity: Activity) -> str:
    """What the person typed, without the mention of the bot, other mentions as the names they show."""
    text = activity.text if isinstance(activity.text, str) else ""
    if activity.entities:
        # A mention entity of a broken or forged client fails botbuilder: the tags are read below instead.
        with contextlib.suppress(Exception):
            text = TurnContext.remove_recipient_mention(activity) or ""
    # The bot mentioned without its entity is dropped too; anyone else mentioned reads as their name.
    bot_name = getattr(activity.recipient, "name", None) if activity.recipient else None
    text = AT.sub(lambda m: "" if bot_name and m.group(1).strip() == bot_name else m.group(1), text)
    return typed(html.unescape(TAG.sub("", text))).strip()


@dataclass(frozen=True)
class Press:
    action: str
    values: list[str]
    # The choices ticked on the same card, each taken before the press: `(action, values)`.
    picked: list[tuple[str, list[str]]] = field(default_factory=list)
    origin: str | None = None  # the outbox key of the message the card came with
    person: bool = False  # the value is a person as typed (an address), where Slack has a people picker


@dataclass(frozen=True)
class Submission:
    form: str
    values: dict[str, str | None]


@dataclass(frozen=True)
class Closing:
    form: str


Input = Press | Submission | Closing


def to_input(data: object) -> Input | None:
    """The data an `Action.Execute` or `Action.Submit` sent: ours under `passerelle`, the card's inputs beside.

    Anything that is not the shape our cards write (a card of another app, an old client's, a forged one) reads as
    None, which the core is never asked about."""
    if not isinstance(data, dict):
        return None
    ours = data.get(DATA)
    if not isinstance(ours, dict):
        return None
    inputs = {k: v for k, v in data.items() if k != DATA}
    if isinstance(ours.get("f"), str):
        return Submission(ours["f"], {k: _field(v) for k, v in inputs.items()})
    if isinstance(ours.get("close"), str):
        return Closing(ours["close"])
    action = ours.get("a")
    if not isinstance(action, str) or not action:
        return None
    source = ours.get("from")
    values = _values(inputs.get(source)) if isinstance(source, str) else [_text(ours.get("v"))]
    picked = ours.get("picked")
    picks = [(p, _values(inputs.get(p))) for p in picked if isinstance(p, str)] if isinstance(picked, list) else []
    origin = ours.get("o") if isinstance(ours.get("o"), str) else None
    return Press(action, values, [(p, v) for p, v in picks if p != action], origin, ours.get("who") == 1)


def _values(value: object) -> list[str]:
    """An input's value: a multiple choice's come joined by commas (our option values hold none)."""
    text = _text(value)
    return [typed(v) for v in text.split(",") if v] if text else []


def _field(value: object) -> str | None:
    text = typed(_text(value)).strip()
    return text or None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
