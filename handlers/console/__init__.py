"""The local console channel: talk to the bot in a terminal, as a volunteer or as a coordinator."""

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.actor import Actor
from bot.outbox.parcel import Parcel, Sent
from bot.outbox.worker import Worker
from bot.service import Passerelle
from bot.ui import DateInput, Form, Outcome, TextInput, answers, channel_ref, mention
from handlers.console.render import Shown, render

HELP = """Console commands:
  /mentoring …   a slash command, e.g. /mentoring help
  /home          the Home tab
  /as NAME       act as another person (coordinators: {coordinators})
  /quit          leave
Anything else is a message to the bot. Type a letter to press a button, a number to pick an option.
A form asks its fields one by one: type a value, `-` to leave one empty, or `cancel`."""


CONSOLE_COORDINATOR = "claire"  # who you are in the console when no coordinator is configured
COMMAND = "/mentoring"  # a line that starts with it is a command, even in the middle of the questions


def console_id(name: str, kind: str = "U") -> str:
    """A kind letter and the name (`UANA`, `CNEWS`), so PASSERELLE_COORDINATORS can name console people too."""
    return kind + name.upper()


class Console:
    """One terminal session; `say` turns a typed line into core calls and returns what to print."""

    def __init__(self, bot: Passerelle, user: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.bot, self.clock = bot, clock
        self.outbox = ConsoleOutbox()
        self.inbox: dict[str, list[Parcel]] = {}  # by user id: messages not yet seen by their recipient
        self.worker = Worker(bot.engine, {"console": self.outbox}, clock)
        self.names: dict[str, str] = {}
        self.shown = Shown()
        self.user = self._id(user)
        # A form being filled in: the form, the fields still to ask, the values given so far.
        self.form: tuple[Form, list[str], dict[str, str | None]] | None = None

    def say(self, line: str) -> str:
        line = line.strip()
        if not line:
            return ""
        if line.startswith("/as"):
            name = line[3:].strip()
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,30}", name):
                return "Usage: /as NAME (letters and digits)"
            self.user = self._id(name)
            return "\n\n".join([f"You are now {name}.", *self._waiting()])
        if self.form and not line.startswith("/"):
            return self._fill(line)
        if line == "/home":
            return self._show(Outcome(), home=True)
        text = self._to_neutral(line)
        if line.startswith(COMMAND):
            return self._show(self.bot.command(self.actor, text.removeprefix(COMMAND).strip(), self.clock()))
        if line in self.shown.buttons:
            button = self.shown.buttons[line]
            return self._show(self.bot.pressed(self.actor, button.action, [button.value], self.clock()))
        if line in self.shown.options:
            action, value = self.shown.options[line]
            return self._show(self.bot.pressed(self.actor, action, [value], self.clock()))
        return self._show(self.bot.said(self.actor, text, self.clock()))

    def _fill(self, line: str) -> str:
        assert self.form is not None
        form, fields, values = self.form
        if line.lower() == "cancel":
            self.form = None
            return "Cancelled."
        values[fields.pop(0)] = None if line == "-" else line
        if fields:
            return f"{fields[0]}:"
        self.form = None
        return self._show(self.bot.submitted(self.actor, form.action, values, self.clock()))

    @property
    def actor(self) -> Actor:
        return Actor("console", "local", self.user, name=self.names[self.user], command_prefix=COMMAND + " ")

    def _to_neutral(self, line: str) -> str:
        """`@ana` and `#news` as the core's markup, with the console's ids; typed brackets stay plain."""
        text = line.replace("⟦", "[").replace("⟧", "]")
        text = re.sub(r"(?<!\w)@([A-Za-z][A-Za-z0-9]*)", lambda m: mention(self._id(m.group(1)), m.group(1)), text)
        return re.sub(
            r"(?<![\w⟦])#([A-Za-z][A-Za-z0-9]*)", lambda m: channel_ref(self._id(m.group(1), "C"), m.group(1)), text
        )

    def _id(self, name: str, kind: str = "U") -> str:
        self.names[console_id(name, kind)] = name
        return console_id(name, kind)

    def _show(self, outcome: Outcome, home: bool = False) -> str:
        self.shown = Shown()
        parts = []
        if outcome.replace:
            parts.append(render(outcome.replace, self.names, self.shown))
        parts += [render(shown, self.names, self.shown) for shown, _ in answers(outcome)]
        parts += self._delivered()
        if home:
            parts.append(render(self.bot.home(self.actor, self.clock()), self.names, self.shown))
        if outcome.form:
            fields = [b.action for b in outcome.form.blocks if isinstance(b, TextInput | DateInput)]
            self.form = (outcome.form, fields, {})
            parts.append(f"== {outcome.form.title} ==\n" + render(outcome.form, self.names, None))
        if outcome.form_errors and self.form is None:
            # The form stays open on a platform; here it is asked again.
            parts.append("\n".join(outcome.form_errors.values()))
        for document in outcome.files:
            path = Path(document.name)
            path.write_text(document.content, encoding="utf-8")
            parts.append(f"(file saved: {path.resolve()})")
        return "\n\n".join(p for p in parts if p)

    def _delivered(self) -> list[str]:
        """What the bot sent on its own meanwhile, through the outbox, shown with who it goes to."""
        asyncio.run(self.worker.drain())
        shown = []
        for parcel in self.outbox.take():
            if parcel.channel:
                channel = self.names.get(parcel.channel, parcel.channel)
                shown.append(f"(in #{channel}) " + render(parcel.message, self.names, None))
                continue
            # Only your own messages get keys: pressing someone else's buttons would act as you. The others keep
            # theirs until they take the keyboard (`/as`).
            keys = self.shown if self.user in parcel.people else None
            for person in parcel.people:
                if person != self.user:
                    self.inbox.setdefault(person, []).append(parcel)
            shown.append(self._parcel(parcel, keys))
        return shown

    def _waiting(self) -> list[str]:
        """What was sent to you while someone else had the keyboard, with the keys that press its buttons."""
        self.shown = Shown()
        waiting = self.inbox.pop(self.user, [])
        return ["(while you were away)"] + [self._parcel(p, self.shown) for p in waiting] if waiting else []

    def _parcel(self, parcel: Parcel, keys: Shown | None) -> str:
        who = " and ".join("@" + self.names.get(p, p) for p in parcel.people)
        return f"(to {who}) " + render(parcel.message, self.names, keys)


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
    names = ", ".join(sorted(c.removeprefix("U").lower() for c in coordinators)) or "none"
    print(f"Passerelle console · you are {first}. Type /mentoring help, or just say hello.")
    print(HELP.format(coordinators=names))
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
