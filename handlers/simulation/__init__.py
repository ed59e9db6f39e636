"""`python app.py simulate`: a whole programme in travelled time, on a throwaway database, with simulated people.

A channel like the others: simulated volunteers join by typing their answers, a coordinator matches them, and
each day the tick runs, the outbox delivers to the simulated people, and they answer (or do not) through the same
core. It prints what was sent, day by day, and the final figures: a coordinator previews a cadence before
launching.

The programme runs as on Slack (a pair's messages in the pair's own conversation, on the pseudo-platform
"simulation") or as on Teams (`--platform teams`: the workspace is a tenant, people are Entra object ids, and a
pair's message goes to each member's own chat, one copy each, the other member named beside it), the core
deciding which as it does for the real platforms."""

import argparse
import asyncio
import random
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot.actor import Actor
from bot.outbox.parcel import Parcel, Sent, Undeliverable
from bot.outbox.queue import Policy
from bot.outbox.worker import Worker
from bot.recipients import WITHOUT_PAIR_CONVERSATIONS
from bot.service import Passerelle
from bot.ui import MARKUP, Buttons, Fields, Header, Message, Outcome, Text
from storage.db import make_engine, migrate

PLATFORM, WORKSPACE, COORDINATOR = "simulation", "SIM", "UCOORD"
TENANT = "3f8e1c52-7b4d-4a9e-8c61-5d2f0b7a9e13"  # the simulated Teams tenant: a directory id, as Teams gives it
HOURS = (7, 9, 11, 13, 15, 17, 19)  # the tick's looks each day, in UTC; the outbox holds what waits for the morning
TOPICS = ("ai, social networks", "digital tools, new ways of working", "csr, dei", "ai, digital tools")
ZONES = ("Europe/Paris", "Europe/Paris", "Europe/London", "America/New_York")


@dataclass(frozen=True)
class Where:
    """Where the programme runs, as the core sees it: the platform's name, the workspace's id, people's ids."""

    platform: str
    workspace: str
    teams: bool = False

    def user(self, n: int) -> str:
        # On Teams a person is their Entra object id, a GUID (the same one for the same seat, run after run).
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"passerelle-simulation/{n}")) if self.teams else f"USIM{n:04d}"

    @property
    def coordinator(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "passerelle-simulation/coordinator")) if self.teams else COORDINATOR

    @property
    def apart(self) -> bool:
        """The platform has no conversation of a pair's own: each member is written to alone."""
        return self.platform in WITHOUT_PAIR_CONVERSATIONS


PLATFORMS = {"slack": Where(PLATFORM, WORKSPACE), "teams": Where("teams", TENANT, teams=True)}


@dataclass
class Person:
    """A simulated volunteer: how often they let a message pass, and how often they cancel what they booked."""

    user: str
    role: str
    zone: str
    quiet: float
    cancels: float
    name: str
    where: Where

    def actor(self) -> Actor:
        where = self.where
        return Actor(where.platform, where.workspace, self.user, name=self.name, locale="en-GB", timezone=self.zone)

    def answers(self, rng: random.Random) -> list[str]:
        """Onboarding, typed as a person would."""
        topics = rng.choice(TOPICS)
        levels = ["expert", "confident"] if self.role == "mentor" else ["a must", "nice to have"]
        stage = "1" if self.role == "mentor" else rng.choice(("4", "5"))
        languages = "en" if self.zone != "Europe/Paris" else "fr, en"
        answers = ["yes", self.role, topics, *levels, stage, rng.choice(("Marketing", "Finance", "IT", "Sales"))]
        answers += ["skip", languages, "Paris", "video", self.zone, rng.choice(("morning", "afternoon"))]
        answers += [
            "Learn from each other.",
            rng.choice(("structured", "free")),
            rng.choice(("hands on", "discussion")),
        ]
        return [*answers, *(["1"] if self.role == "mentor" else []), "confirm"]


@dataclass(frozen=True)
class Delivery:
    """One message as the platform took it: its outbox key, who reads it, and who else it is shared with."""

    key: str
    people: tuple[str, ...]
    shared_with: tuple[str, ...] = ()


@dataclass
class Inbox:
    """What the simulated platform received: the messages, by person, waiting for their answer."""

    apart: bool = False  # as on Teams: no conversation of two, each person's own chat only
    waiting: dict[str, list[tuple[str, Message]]] = field(default_factory=dict)  # with each one's outbox key
    sent: Counter[str] = field(default_factory=Counter)
    delivered: list[Delivery] = field(default_factory=list)
    # Each member's copy rewritten when another answered theirs: the key answered, and who read the copy rewritten.
    rewritten: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    async def send(self, parcel: Parcel) -> Sent:
        if self.apart and len(parcel.people) > 1:
            # What Teams would refuse: a bot cannot create a group chat.
            raise Undeliverable("no_channel", "no conversation of two people on this platform")
        self.sent[_kind(parcel.key)] += 1
        self.delivered.append(Delivery(parcel.key, parcel.people, tuple(user for user, _ in parcel.shared_with)))
        for user in parcel.people:
            self.waiting.setdefault(user, []).append((parcel.key, parcel.message))
        # Where the copy went, as a receipt: a member's answer on theirs finds the others' (`Passerelle.copies`).
        return Sent({"people": list(parcel.people)})


@dataclass
class Simulation:
    bot: Passerelle
    people: dict[str, Person]
    rng: random.Random
    now: datetime
    inbox: Inbox = field(default_factory=Inbox)
    where: Where = PLATFORMS["slack"]

    def clock(self) -> datetime:
        return self.now

    def react(self) -> None:
        """Each person goes through what reached them, and answers some of it."""
        waiting, self.inbox.waiting = self.inbox.waiting, {}
        for user, messages in waiting.items():
            person = self.people.get(user)
            if person is None:
                continue  # the coordinator: what she is told is counted, not answered
            for key, shown in messages:
                self._answer(person, key, shown)

    def _answer(self, person: Person, key: str, shown: Message) -> None:
        buttons = {b.action: b for block in shown.blocks if isinstance(block, Buttons) for b in block.buttons}
        roll = self.rng.random()
        if roll < person.quiet:
            return  # let it pass
        if "pair.commit" in buttons:  # whoever reads the introduction commits to the charter, then goes on
            self._commit(person, key, buttons["pair.commit"].value)
        if "pulse.open" in buttons:
            self._form(person, buttons["pulse.open"].action, buttons["pulse.open"].value, self._pulse)
        elif "survey.open" in buttons:
            self._form(person, "survey.open", buttons["survey.open"].value, self._survey)
        elif "pair.stay" in buttons:
            self._press(person, "pair.stay", buttons["pair.stay"].value)
        elif "pair.cancel" in buttons and self.rng.random() < person.cancels:
            self._press(person, "pair.cancel", buttons["pair.cancel"].value)
        elif "pair.book" in buttons and "pair.cancel" not in buttons:
            if self.rng.random() < 0.25 and "pair.snooze.1w" in buttons:
                self._press(person, "pair.snooze.1w", buttons["pair.book"].value)
            else:
                self._form(person, "pair.book", buttons["pair.book"].value, self._booking)

    def _commit(self, person: Person, key: str, value: str) -> None:
        answered = self._press(person, "pair.commit", value)
        if answered.replace is not None and self.inbox.apart:
            # As the Teams channel does: the other member's copy is rewritten, so that both see who committed.
            for copy in self.bot.copies(person.actor(), key, "pair.commit", value):
                self.inbox.rewritten.append((key, tuple(copy.get("people") or ())))

    def _press(self, person: Person, action: str, value: str) -> Outcome:
        return self.bot.pressed(person.actor(), action, [value], self.now)

    def _form(self, person: Person, action: str, value: str, values: Callable[[Person], dict[str, str | None]]) -> None:
        opened = self._press(person, action, value)
        if opened.form is not None:
            self.bot.submitted(person.actor(), opened.form.action, values(person), self.now)

    def _booking(self, person: Person) -> dict[str, str | None]:
        day = self.now.date() + timedelta(days=self.rng.randint(3, 12))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        hour = self.rng.choice(("10:00", "12:30", "14:00", "16:30"))
        return {"day": day.isoformat(), "time": hour, "format": "video", "place": "", "odd_hour": None}

    def _pulse(self, person: Person) -> dict[str, str | None]:
        rating, progress = str(self.rng.randint(3, 5)), str(self.rng.randint(2, 5))
        fit = "good" if self.rng.random() > 0.05 else "not_good"
        return {"rating": rating, "progress": progress, "comment": None, "fit": fit}

    def _survey(self, person: Person) -> dict[str, str | None]:
        answers: dict[str, str | None] = {"progress": str(self.rng.randint(2, 5)), "comment": None}
        answers |= {"recommend": str(self.rng.randint(5, 10))}
        answers |= {"useful": "yes" if self.rng.random() > 0.2 else "no", "adoption": "yes"}
        return answers


def main(argv: list[str]) -> int:
    """`simulate --volunteers N --months M [--seed S] [--platform slack|teams]`."""
    parser = argparse.ArgumentParser(prog="app.py simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=_count(2, 2000), default=20, help="how many people join (2 to 2000)")
    parser.add_argument("--months", type=_count(1, 36), default=6, help="the programme's length (1 to 36)")
    parser.add_argument("--seed", type=int, default=None, help="the same seed gives the same programme")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a programme setting, as `program set KEY VALUE` takes it (monthly=3, session-length=45…)",
    )
    parser.add_argument(
        "--language", choices=("en", "fr"), default="en", help="the coordinator's language, for what is printed"
    )
    parser.add_argument(
        "--platform",
        choices=tuple(PLATFORMS),
        default="slack",
        help="delivered as on Slack (a pair's messages in the pair's own conversation) or as on Teams (a tenant; "
        "a pair's message to each member's own chat, one copy each)",
    )
    arguments = parser.parse_args(argv)
    settings = [tuple(item.split("=", 1)) for item in arguments.set]
    if any(len(pair) != 2 or not pair[0] for pair in settings):
        parser.error("--set takes KEY=VALUE, for example --set monthly=3")
    chosen = [(k, v) for k, v in settings]
    return run(
        arguments.volunteers,
        arguments.months,
        arguments.seed,
        chosen,
        language=arguments.language,
        platform=arguments.platform,
    )


def _count(low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}, not {text!r}")
        return int(text)

    return read


def run(
    volunteers: int,
    months: int,
    seed: int | None,
    settings: list[tuple[str, str]] | None = None,
    out: Callable[[str], None] = print,
    language: str = "en",
    platform: str = "slack",
) -> int:
    """The whole programme on a throwaway database, printed; returns the exit status."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'simulation.db'}")
        migrate(engine)
        try:
            start = _next_monday(datetime.now(UTC).date())
            simulate(engine, volunteers, months, seed, start, out, settings or [], True, language, platform=platform)
        except SettingRefused as refused:
            print(refused, file=sys.stderr)
            return 2
        finally:
            engine.dispose()
    return 0


class SettingRefused(ValueError):
    """A `--set` the programme does not take; its message is the coordinator's answer."""


def simulate(
    engine: Engine,
    volunteers: int,
    months: int,
    seed: int | None,
    start: date,
    out: Callable[[str], None],
    settings: list[tuple[str, str]] | None = None,
    save: bool = False,
    language: str = "en",
    platform: str = "slack",
) -> Simulation:
    """The programme on a database made for it, from `start`, delivered as on `platform` (`slack` or `teams`);
    what happened stays there to be looked at."""
    rng = random.Random(seed)
    where = PLATFORMS[platform]
    bot = Passerelle(engine, coordinators=frozenset({where.coordinator}))
    at = datetime.combine(start, time(8), tzinfo=UTC)
    sim = Simulation(bot, _people(volunteers, rng, where), rng, at, Inbox(apart=where.apart), where)
    asyncio.run(_programme(sim, start, months, out, settings or [], save, language))
    return sim


async def _programme(
    sim: Simulation,
    start: date,
    months: int,
    out: Callable[[str], None],
    settings: list[tuple[str, str]],
    save: bool,
    language: str = "en",
) -> None:
    # The volunteers answer in English as they type; the coordinator reads in the language chosen.
    locale = "fr-FR" if language == "fr" else "en-GB"
    where = sim.where
    coordinator = Actor(
        where.platform, where.workspace, where.coordinator, name="Coordinator", locale=locale, timezone="Europe/Paris"
    )
    for key, value in [("start", start.isoformat()), ("length", str(months)), *settings]:
        shown = _text(sim.bot.command(coordinator, f"program set {key} {value}", sim.now))
        if "Usage" in shown:
            raise SettingRefused(shown)
    for person in sim.people.values():
        sim.bot.said(person.actor(), "hello", sim.now)
        for typed in person.answers(sim.rng):
            sim.bot.said(person.actor(), typed, sim.now)
    sim.bot.command(coordinator, "match", sim.now)
    confirmed = sim.bot.command(coordinator, "match confirm", sim.now)
    out(f"{start.isoformat()}  {len(sim.people)} volunteers joined; {_text(confirmed)}")
    if where.apart:
        out(f"{start.isoformat()}  on Teams (tenant {where.workspace}): a pair's message is one copy to each member")
    worker = Worker(sim.bot.engine, {where.platform: sim.inbox}, sim.clock, Policy(spacing=timedelta(0)))
    day = start
    end = start + timedelta(days=31 * months + 14)
    while day <= end:
        before = Counter(sim.inbox.sent)
        for hour in HOURS:
            sim.now = datetime.combine(day, time(hour), tzinfo=UTC)
            sim.bot.tick(sim.now)
            await worker.drain()
            sim.react()
            await worker.drain()
        sent = sim.inbox.sent - before
        if sent:
            out(
                f"{day.isoformat()}  sent {sum(sent.values())}: "
                + ", ".join(f"{n} {k}" for k, n in sorted(sent.items()))
            )
        day += timedelta(days=1)
    out("")
    for command in ("report", "pairs"):
        answer = sim.bot.command(coordinator, command, sim.now)
        out(_text(answer))
        for document in answer.files if save else ():  # the report's chart, where the coordinator runs it
            path = Path(document.name)
            if isinstance(document.content, bytes):
                path.write_bytes(document.content)
            else:
                path.write_text(document.content, encoding="utf-8")
            out(f"(saved: {path.resolve()})")


def _people(volunteers: int, rng: random.Random, where: Where) -> dict[str, Person]:
    people = {}
    for n in range(volunteers):
        role = "mentor" if n % 2 == 0 else "mentee"
        # Some people answer everything, some let most messages pass; a few cancel often.
        quiet = rng.choice((0.05, 0.2, 0.5, 0.9))
        cancels = rng.choice((0.0, 0.0, 0.1, 0.4))
        user = where.user(n)
        people[user] = Person(user, role, ZONES[n % len(ZONES)], quiet, cancels, f"Usim{n:04d}", where)
    return people


def _kind(key: str) -> str:
    """What an outbox key says it is: `nudge:7:0:reminder` is a reminder, `survey:checkpoint:…` a checkpoint."""
    parts = key.split(":")
    if parts[0] == "nudge" and len(parts) > 3:
        return {"book": "request to book", "reminder": "reminder", "last": "last reminder"}.get(parts[3], "nudge")
    if parts[0] == "survey" and len(parts) > 1:
        return "checkpoint" if parts[1] == "checkpoint" else "end survey"
    names = {"intro": "introduction", "guide": "mentor guide", "booking": "booking", "closed": "closing summary"}
    return names.get(parts[0], parts[0].replace("_", " "))


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def _text(outcome: Outcome) -> str:
    """What the coordinator read, as plain lines: texts and fields, people as @name."""
    lines: list[str] = []
    for reply in outcome.replies:
        for block in reply.message.blocks if isinstance(reply.message, Message) else ():
            if isinstance(block, Header | Text):
                lines.append(block.text)
            elif isinstance(block, Fields):
                lines += [f"  {label}: {value}" for label, value in block.items]
    return MARKUP.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), "\n".join(lines))
