"""The local console channel: talk to the bot in a terminal, as a volunteer or as a coordinator."""

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import tzlocal

from bot.actor import Actor
from bot.i18n import Tr, translator
from bot.outbox.parcel import Parcel, Sent
from bot.outbox.queue import Policy, delivered
from bot.outbox.worker import Worker
from bot.people import display_names, reader_locale
from bot.service import Passerelle
from bot.ui import (
    Buttons,
    Choice,
    DateInput,
    Form,
    Message,
    Option,
    Outcome,
    TextInput,
    TimeInput,
    answers,
    channel_ref,
    mention,
)
from handlers.console.render import Shown, plain, render

CONSOLE_COORDINATOR = "claire"  # who you are in the console when no coordinator is configured
COMMAND = "/mentoring"  # a line that starts with it is a command, even in the middle of the questions


# A name `/as` and `@name` accept: a letter first, then letters (accents too), digits, spaces, `-`, `'` or `.`.
NAME = re.compile(r"[^\W\d_](?:[\w' .-]{0,38}[\w.])?")
MENTIONED = re.compile(r"(?<![\w@])@([^\W\d_](?:[\w'.-]*\w)?)")
CHANNEL = re.compile(r"(?<![\w⟦#])#([^\W\d_](?:[\w.-]*\w)?)")


def local_zone() -> str | None:
    """The machine's time zone by its IANA name, if it has one (APScheduler's tzlocal reads it)."""
    try:
        return str(tzlocal.get_localzone_name())
    except Exception:  # a machine without a zone set: people are in UTC
        return None


LOCAL_ZONE = local_zone()


def console_help(tr: Tr, coordinators: str) -> str:
    """What the console takes besides the bot's own commands, in the reader's language."""
    return tr(
        "Console commands:\n"
        "  {command} …   a slash command, e.g. {command} help\n"
        "  /home          the Home tab\n"
        "  /as NAME       act as another person (coordinators: {coordinators})\n"
        "  /inbox         your conversations again (a pair's, a channel's post), with keys to press their buttons\n"
        "  /quit          leave\n"
        "Anything else is a message to the bot. Type a letter to press a button, a number to pick an option.\n"
        "A form asks its fields one by one: type a value, an empty line to keep the one shown, `-` to empty it, "
        "or `cancel`.",
        command=COMMAND,
        coordinators=coordinators,
    )


def console_id(name: str, kind: str = "U") -> str:
    """A kind letter and the name (`UANA`, `CNEWS`, `UJEAN-PAUL`), so PASSERELLE_COORDINATORS can name console
    people too; in any case, so that `Zoé` and `zoé` are one person."""
    return kind + "_".join(name.split()).upper()


def usable_name(typed: str) -> str | None:
    """The name `/as` was given, trimmed and unquoted, or None when no person could be called that."""
    name = " ".join(typed.strip().strip("\"'“”«»").split())
    return name if NAME.fullmatch(name) else None


class Names(dict[str, str]):
    """Console people's names by id: those typed in this session, else those the core keeps (so that after a
    restart `@UANA` is still written @ana)."""

    def __init__(self, bot: Passerelle) -> None:
        super().__init__()
        self.bot = bot

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if key not in self and key[:1] == "U":
            self.update(display_names(self.bot.engine, "console", "local", [key]))
        return super().get(key, default)


class Console:
    """One terminal session; `say` turns a typed line into core calls and returns what to print."""

    def __init__(self, bot: Passerelle, user: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.bot, self.clock = bot, clock
        self.outbox = ConsoleOutbox()
        self.inbox: dict[str, list[Parcel]] = {}  # by user id: messages not yet seen by their recipient
        # A terminal has no rate limit: what a rule sends shows with its answer, not a second later.
        self.worker = Worker(bot.engine, {"console": self.outbox}, clock, Policy(spacing=timedelta(0)))
        self.names = Names(bot)
        self.shown = Shown()
        # Where each key of `shown` comes from, when it is a kept conversation's: a press that rewrites the
        # message rewrites the kept copy.
        self.origins: dict[str, tuple[str, str]] = {}
        # Each person's conversations (a pair's, their own), and the channels' posts, as last seen with their
        # buttons: `/inbox` shows them again, as Slack keeps a conversation's messages in place.
        self.kept: dict[str, dict[str, Message]] = {}
        self.posts: dict[str, Message] = {}
        self.user = self._id(user)
        # A form being filled in: the form, the fields still to ask (name, label, current value), the values given.
        self.form: tuple[Form, list[tuple[str, str, str]], dict[str, str | None]] | None = None
        self.choices: dict[str, tuple[Option, ...]] = {}  # the options of the form's choices, by field
        self._restore()

    def _restore(self) -> None:
        """The conversations as the outbox delivered them before this process started: the console keeps them in
        memory only, and a restart must not cut a pair off its buttons (Slack keeps its messages)."""
        for parcel in delivered(self.bot.engine, "console", "local"):
            self._file(parcel)

    def say(self, line: str) -> str:
        line = line.strip()
        if not line:
            # In a form an empty line is an answer: keep the field's value.
            return self._fill(line) if self.form else ""
        if line == "/as" or line.startswith("/as "):
            name = usable_name(line[3:])
            if name is None:
                return self.tr(
                    "Usage: /as NAME. A name starts with a letter, then letters, digits, spaces, - or ' "
                    "(40 characters at most), for example /as léa or /as jean-paul."
                )
            self.user = self._id(name)
            # A form left open was the other person's: it is not filled, nor sent, in this one's name.
            self.form, self.choices = None, {}
            welcome = self.tr("You are now {name}.", name=self.names[self.user])
            return "\n\n".join([welcome, *self._waiting(), *self._delivered()])
        if line == "/inbox":
            return self._inbox()
        if self.form and not line.startswith("/"):
            return self._fill(line)
        if line == "/home":
            return self._show(Outcome(), home=True)
        text = self._to_neutral(line)
        if line.startswith(COMMAND):
            return self._show(self.bot.command(self.actor, text.removeprefix(COMMAND).strip(), self.clock()))
        if line in self.shown.buttons:
            button, origin = self.shown.buttons[line], self.origins.get(line)
            outcome = self.bot.pressed(self.actor, button.action, [button.value], self.clock())
            if origin and outcome.replace:
                self._keep(origin, outcome.replace)
            return self._show(outcome)
        if line in self.shown.options:
            action, value = self.shown.options[line]
            return self._show(self.bot.pressed(self.actor, action, [value], self.clock()))
        return self._show(self.bot.said(self.actor, text, self.clock()))

    def _fill(self, line: str) -> str:
        assert self.form is not None
        form, fields, values = self.form
        if line.lower() in ("cancel", "annuler"):
            self.form = None
            return self.tr("Cancelled.")
        name, _, current = fields.pop(0)
        # As in Slack's prefilled modal: what is not changed is sent as it was, and only `-` empties a field.
        values[name] = None if line == "-" else line or current or None
        options = self.choices.get(name)
        if options and values[name]:
            values[name] = _chosen(values[name] or "", options)
        if fields:
            return self._prompt(fields[0])
        self.form = None
        return self._show(self.bot.submitted(self.actor, form.action, values, self.clock()))

    @property
    def actor(self) -> Actor:
        # The people at this keyboard are where the machine is: its zone sets their working hours.
        return Actor(
            "console", "local", self.user, name=self.names[self.user], timezone=LOCAL_ZONE, command_prefix=COMMAND + " "
        )

    def _prompt(self, field: tuple[str, str, str]) -> str:
        """The field's label, in the language the core wrote the form in, with its current value if it has one;
        a choice lists its options by number."""
        name, label, current = field
        options = self.choices.get(name)
        if options:
            # Options that are numbers themselves (a 0–10 scale) are typed as they are; others by their number.
            shown = [o.label if _numeric(options) else f"{n} {o.label}" for n, o in enumerate(options, start=1)]
            label = f"{label} [" + ", ".join(shown) + "]"
            current = next((o.label for o in options if o.value == current), current)
        if current:
            return self.tr("{label} (now: {value}):", label=label, value=current)
        if label.rstrip().endswith(("?", ":")):  # a question asks already: no colon after its question mark
            return label
        return self.tr("{label}:", label=label)

    @property
    def tr(self) -> Tr:
        """The console's own words, in the language of the person at the keyboard (the bot's, for a newcomer)."""
        return translator(reader_locale(self.bot.engine, "console", "local", self.user, self.bot.locale))

    def _to_neutral(self, line: str) -> str:
        """`@ana`, `@léa` and `#news` as the core's markup, with the console's ids; typed brackets stay plain."""
        text = line.replace("⟦", "[").replace("⟧", "]")
        text = MENTIONED.sub(lambda m: mention(self._id(m.group(1)), m.group(1)), text)
        return CHANNEL.sub(lambda m: channel_ref(self._id(m.group(1), "C"), m.group(1)), text)

    def _id(self, name: str, kind: str = "U") -> str:
        """The id of a name; the name it was first given (here, or kept by the core) stays its name."""
        known = console_id(name, kind)
        if self.names.get(known) is None:
            self.names[known] = name
        return known

    def _fresh(self) -> None:
        """New keys: those of the messages shown before no longer press anything."""
        self.shown, self.origins = Shown(), {}

    def _show(self, outcome: Outcome, home: bool = False) -> str:
        self._fresh()
        tr = self.tr
        parts = []
        if outcome.replace:
            parts.append(render(outcome.replace, self.names, self.shown, tr))
        parts += [render(shown, self.names, self.shown, tr) for shown, _ in answers(outcome)]
        parts += self._delivered()
        if home:
            parts.append(render(self.bot.home(self.actor, self.clock()), self.names, self.shown, tr))
        if outcome.form:
            asked = [b for b in outcome.form.blocks if isinstance(b, TextInput | TimeInput | DateInput | Choice)]
            fields = [(b.action, b.label, _current(b)) for b in asked]
            self.choices = {b.action: b.options for b in asked if isinstance(b, Choice)}
            self.form = (outcome.form, fields, {})
            form = f"== {outcome.form.title} ==\n" + render(outcome.form, self.names, None, tr)
            # Said before the first question, so that no one wipes a prefilled field by accident.
            hint = tr("Type each value in turn: an empty line keeps the one shown, `-` empties it, `cancel` stops.")
            parts.append(form + (f"\n\n{hint}\n{self._prompt(fields[0])}" if fields else ""))
        if outcome.form_errors and self.form is None:
            # The form stays open on a platform; here it is asked again.
            parts.append("\n".join(plain(error, self.names) for error in outcome.form_errors.values()))
        for document in outcome.files:
            path = Path(document.name)
            if isinstance(document.content, bytes):
                path.write_bytes(document.content)
            else:
                path.write_text(document.content, encoding="utf-8")
            parts.append(tr("(file saved: {path})", path=path.resolve()))
        return "\n\n".join(p for p in parts if p)

    def _delivered(self) -> list[str]:
        """What the bot sent on its own meanwhile, through the outbox, shown with who it goes to."""
        asyncio.run(self.worker.drain())
        shown = []
        for parcel in self.outbox.take():
            self._file(parcel)
            if parcel.channel:
                shown.append(self._post(parcel.channel, parcel.message))
                continue
            for person in parcel.people:
                if person != self.user:
                    self.inbox.setdefault(person, []).append(parcel)
            # Only your own messages get keys: pressing someone else's buttons would act as you. The others get
            # theirs when they take the keyboard (`/as`), and again with `/inbox`.
            shown.append(self._parcel(parcel, self.user in parcel.people))
        return shown

    def _file(self, parcel: Parcel) -> None:
        """Keep a delivered message where `/inbox` finds it: its conversation's latest with buttons."""
        if parcel.channel:
            # A channel's post is everyone's to press (its Join): whoever has the keyboard, now or later.
            self.posts[parcel.channel] = parcel.message
            return
        if _has_buttons(parcel.message):
            for person in parcel.people:
                self.kept.setdefault(person, {})[_conversation(parcel.people)] = parcel.message

    def _inbox(self) -> str:
        """Your conversations and the channels' posts as they stand, with keys for their buttons."""
        self._fresh()
        shown_before = {channel: message for channel, message in self.posts.items()}
        kept_before = dict(self.kept.get(self.user, {}))
        parts = self._delivered()  # what was still on its way, then what stands, each once
        for channel, message in shown_before.items():
            if self.posts.get(channel) is message:
                parts.append(self._post(channel, message))
        for conversation, message in kept_before.items():
            if self.kept.get(self.user, {}).get(conversation) is not message:
                continue
            who = self._who(tuple(conversation.split("+")))
            parts.append(self._keyed(self._to(who), message, (self.user, conversation)))
        return "\n\n".join(parts) or self.tr("Nothing is waiting for you.")

    def _post(self, channel: str, message: Message) -> str:
        name = self.names.get(channel) or channel.removeprefix("C").lower()
        return self._keyed(self.tr("(in #{channel})", channel=name) + " ", message, ("#", channel))

    def _keyed(self, prefix: str, message: Message, origin: tuple[str, str]) -> str:
        """The message with keys for its buttons, each remembering the message it came from."""
        before = set(self.shown.buttons)
        text = prefix + render(message, self.names, self.shown, self.tr)
        self.origins.update({key: origin for key in set(self.shown.buttons) - before})
        return text

    def _keep(self, origin: tuple[str, str], message: Message) -> None:
        owner, conversation = origin
        if owner == "#":
            self.posts[conversation] = message
            return
        # A pair's message rewritten by one member is rewritten for the other too, as on a platform.
        for people in self.kept.values():
            if conversation in people:
                people[conversation] = message

    def _waiting(self) -> list[str]:
        """What was sent to you while someone else had the keyboard, with the keys that press its buttons."""
        self._fresh()
        waiting = self.inbox.pop(self.user, [])
        return [self.tr("(while you were away)")] + [self._parcel(p, True) for p in waiting] if waiting else []

    def _parcel(self, parcel: Parcel, pressable: bool) -> str:
        prefix = self._to(self._who(parcel.people))
        if not pressable:
            return prefix + render(parcel.message, self.names, None, self.tr)
        return self._keyed(prefix, parcel.message, (self.user, _conversation(parcel.people)))

    def _to(self, who: str) -> str:
        return self.tr("(to {people})", people=who) + " "

    def _who(self, people: tuple[str, ...]) -> str:
        named = ["@" + (self.names.get(p) or p) for p in people]
        return self.tr("{first} and {second}", first=named[0], second=named[1]) if len(named) == 2 else ", ".join(named)


def _chosen(typed: str, options: tuple[Option, ...]) -> str:
    """The option a typed answer names: its number, its label or its value; else what was typed, for the core to
    refuse with its own words."""
    text = typed.strip().lower()
    named = next((o.value for o in options if text in (o.label.lower(), o.value.lower())), None)
    if named is not None:
        return named  # "10" on a 0–10 scale is 10, not the tenth option
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(options) and not _numeric(options):
        return options[int(text) - 1].value
    return typed


def _numeric(options: tuple[Option, ...]) -> bool:
    return all(o.label.isascii() and o.label.isdigit() for o in options)


def _current(field: TextInput | TimeInput | DateInput | Choice) -> str:
    """What a form's field holds already, as the console shows and keeps it."""
    if isinstance(field, Choice):
        return field.selected[0] if field.selected else ""
    if isinstance(field, TextInput | TimeInput):
        return field.initial
    return field.initial.isoformat() if field.initial else ""


def _has_buttons(message: Message) -> bool:
    return any(isinstance(block, Buttons) for block in message.blocks)


def _conversation(people: tuple[str, ...]) -> str:
    """A conversation's name in the inbox: its people, by id (names may change; the conversation does not)."""
    return "+".join(sorted(people))


class ConsoleOutbox:
    """The console's sender: what the outbox delivers is kept until the console shows it."""

    def __init__(self) -> None:
        self.delivered: list[Parcel] = []

    async def send(self, parcel: Parcel) -> Sent:
        self.delivered.append(parcel)
        return Sent({"shown": True})

    def take(self) -> list[Parcel]:
        taken, self.delivered = self.delivered, []
        return taken


def run_console(bot: Passerelle, coordinators: frozenset[str]) -> None:
    """The interactive loop; you start as the first coordinator."""
    first = sorted(coordinators)[0].removeprefix("U").lower() if coordinators else CONSOLE_COORDINATOR
    console = Console(bot, first)
    tr = console.tr
    names = ", ".join(sorted(c.removeprefix("U").lower() for c in coordinators)) or tr("none")
    print(
        tr("Passerelle console · you are {name}. Type {command} help, or just say hello.", name=first, command=COMMAND)
    )
    print(console_help(tr, names))
    while True:
        try:
            line = input(f"{console.names[console.user]}> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.strip() == "/quit":
            return
        answer = console.say(line)
        if answer:
            print(answer + "\n")
