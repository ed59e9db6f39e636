"""The core's entry points: one session per input, its route looked up, guarded and called, one commit."""

import re
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot import commands, guards, routes
from bot.actor import Actor
from bot.commands import Command
from bot.context import Ctx
from bot.home import build_home
from bot.i18n import normalize_locale, translator
from bot.lifecycle import booking, meeting, retention
from bot.lifecycle import tick as lifecycle
from bot.outbox import queue as outbox
from bot.pairing import runs, shown
from bot.parse import parse_agreement
from bot.parse import words as split_words
from bot.people import tr_for
from bot.recipients import ToCaller
from bot.replies import say
from bot.topics import DEFAULT_TOPICS, N_
from bot.ui import File, Message, Outcome, typed
from bot.volunteers.enrollment import end_pauses
from bot.volunteers.onboarding import flow
from storage import queries
from storage.db import session as open_session
from storage.models import Download, EnrollmentStatus, Pair, Person, Programme, Workspace

# What the onboarding says can be typed at any time, even in the middle of its questions (where a channel without
# a slash command has no other way to type it): its words are no answer to any question.
# (`language fr` is read by the onboarding itself, which asks its question again in the new language.)
ANYTIME = frozenset({"export-my-data", "delete-my-data"})
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what meeting.new_token makes: 32 random bytes, URL-safe
DELIVERIES_KEPT = timedelta(days=1)  # Slack redelivers within minutes; a day is generous
# A file handed over (an export, a proposal) is fetched at once; an hour lets its reader come back to it, not more:
# it may hold personal data.
FILES_KEPT = timedelta(hours=1)
# A client's language tag and time zone, as the person's row keeps them (storage.models.Person).
LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2}")
LOCALE_WIDTH, ZONE_WIDTH = 16, 64


class Passerelle:
    """The platform-neutral bot. Channels turn their payloads into these calls and render what comes back."""

    def __init__(
        self,
        engine: Engine,
        *,
        coordinators: frozenset[str] = frozenset(),
        configured: frozenset[str] | None = None,
        locale: str = "en",
        queued: Callable[[], None] = lambda: None,
        public_url: str = "",
    ) -> None:
        self.engine = engine
        self.public_url = public_url  # where the links the bot hands out point (calendar files): the app sets it
        self.founders = coordinators
        # The founders PASSERELLE_COORDINATORS names (all of them unless told otherwise): the console starts with
        # a coordinator of its own when the setting is empty, and the bot must not claim the setting names her.
        self.configured = coordinators if configured is None else configured & coordinators
        self.locale = normalize_locale(locale) or "en"
        self.queued = queued  # told when messages wait in the outbox (the worker wakes up)
        # Told when a matching was asked for, once committed: the app's matching worker wakes up. A bot without
        # one (the tests, the console) makes it itself, at once, in the caller's thread.
        self.matcher: Callable[[datetime], None] = lambda now: runs.run_here(self.engine, now)

    def said(self, actor: Actor, text: str, now: datetime, delivery_id: str | None = None) -> Outcome:
        """A message typed to the bot in a direct chat."""

        def rule(ctx: Ctx) -> Outcome:
            words = text.split()
            route = routes.command(words[0]) if words else None
            # A command mistyped in the chat ("hlep", "stauts") is one: the chat is where Teams types commands.
            # Only a near miss, so that "thanks" or "ok" get the help rather than a guess.
            near = len(words) == 1 and commands.nearest(ctx, words[0], routes.COMMANDS.values(), cutoff=0.75)
            # Alone on its line: "delete-my-data" is no answer, but "Data and language services" may be one.
            alone = route.name if route is not None and len(words) == 1 else None
            # At the welcome, before consent, there is no question yet: a command typed there is one (a coordinator
            # who wrote "status?" is not held there); from the first question on, text answers the questions.
            if alone not in ANYTIME and flow.active(ctx) and (flow.takes(ctx, text) or (route is None and not near)):
                # No department is called "help": alone, it asks what can be typed during the questions.
                return flow.what_to_type(ctx) if alone == "help" else flow.on_text(ctx, text)
            if route is not None:
                return _typed(ctx, text)
            agreed = parse_agreement(text)
            if agreed is False:
                # A typed "no" to a question with buttons (leave? erase?): what it asked is not done anyway.
                return say(ctx.tr("All right: nothing changes."))
            if near and agreed is None:  # "oui" is no misspelt "souci"
                return commands.unknown(ctx, words[0], routes.COMMANDS.values())
            if not _enrolled(ctx) and not ctx.is_coordinator:
                return flow.start(ctx, first_message=text)
            # A coordinator writes to the bot to run the programme; joining it is theirs to ask (`join`).
            return commands.help_reply(ctx, routes.COMMANDS.values())

        return self._run(actor, now, _once(delivery_id, now, rule), in_direct_chat=True)

    # `delivery_id`: the platform's id of this one interaction, when it has one. The same request sent again (a
    # replay, a retry) is then done once: the second finds the id taken and does nothing.

    def command(self, actor: Actor, text: str, now: datetime, delivery_id: str | None = None) -> Outcome:
        """`/mentoring …`; the text after the command word."""
        return self._run(actor, now, _once(delivery_id, now, lambda ctx: _typed(ctx, text)))

    def pressed(
        self, actor: Actor, action: str, values: list[str], now: datetime, delivery_id: str | None = None
    ) -> Outcome:
        """A button, menu, checkbox or date picked in a message or the Home tab."""
        return self._run(
            actor, now, _once(delivery_id, now, lambda ctx: _pressed(ctx, *routes.renamed(action, values)))
        )

    def submitted(
        self, actor: Actor, action: str, values: dict[str, str | None], now: datetime, delivery_id: str | None = None
    ) -> Outcome:
        """A form sent back; `values` by field name, None for a field left empty."""
        return self._run(actor, now, _once(delivery_id, now, lambda ctx: _submitted(ctx, action, values)))

    def home(self, actor: Actor, now: datetime) -> Message:
        """The Home tab; looking at it stores nothing about a person the bot does not know yet."""
        with self._context(actor, now, remember=False) as ctx:
            return build_home(ctx)

    def reached(self, actor: Actor, now: datetime, delivery_id: str | None = None) -> Message | None:
        """The app was installed for a person, or its chat opened: they are kept with where they are reached, so
        that the bot can write to them, and shown where they stand (what the Home tab shows). None when this
        delivery was handled already."""
        with self._context(actor, now) as ctx:
            if delivery_id and not queries.claim_delivery(ctx.session, ctx.workspace_id, delivery_id, now):
                return None
            return build_home(ctx)

    def copies(self, actor: Actor, key: str, action: str, value: str) -> list[dict[str, Any]]:
        """The other members' copies of the pair's message whose copy `key` the actor answered with the button
        (`action`, `value`) (`queue.copies`)."""
        return outbox.copies(self.engine, actor.platform, actor.workspace, actor.user_id, key, action, value)

    def addressed_as(self, actor: Actor, key: str, values: list[str]) -> dict[str, tuple[str, str]]:
        """People of the actor's workspace whose address, as their channel keeps it, says `key` is one of
        `values` (a Teams user principal name, typed to name someone): each value in lower case, with the
        person's user id and name."""
        with open_session(self.engine) as session:
            workspace = queries.get_workspace(session, actor.platform, actor.workspace)
            if workspace is None or workspace.id is None:
                return {}
            found = queries.people_addressed_as(session, workspace.id, key, values)
            return {value: (person.user_id, person.display_name) for value, person in found.items()}

    def hand_over(self, actor: Actor, files: list[File], now: datetime) -> list[str]:
        """Files kept a while for a channel that cannot carry them, each behind its own token; returns the tokens.
        Only the person they were made for is given the address (their channel shows it in their chat)."""
        with self._context(actor, now) as ctx:
            tokens = []
            for document in files:
                token = meeting.new_token()
                content = document.content.encode() if isinstance(document.content, str) else document.content
                queries.add_download(
                    ctx.session,
                    Download(
                        workspace_id=ctx.workspace_id,
                        person_id=ctx.person_id,
                        token=token,
                        name=document.name[:120],
                        content=content,
                        created_at=now,
                        expires_at=now + FILES_KEPT,
                    ),
                )
                tokens.append(token)
            return tokens

    def download(self, token: str, now: datetime) -> tuple[str, bytes] | None:
        """A file handed over, by its token: its name and content; None when the token names none, or it expired."""
        if not TOKEN.fullmatch(token):
            return None
        with open_session(self.engine) as session:
            found = queries.get_download(session, token, now)
            return (found.name, found.content) if found else None

    def calendar_file(self, token: str) -> bytes | None:
        """A booked session's .ics, served at the address its confirmation gave; None when the token names none."""
        if not TOKEN.fullmatch(token):
            return None
        with open_session(self.engine) as session:
            return booking.calendar_file(session, token)

    def installed(self, platform: str, workspace: str, installer: str | None, now: datetime) -> None:
        """The app was installed (or installed again) in a workspace: it is served, and what waited is sent.

        The person who installed it coordinates the programme there, as the founders do in their own workspace.
        """
        with open_session(self.engine) as session:
            found = self._workspace(session, Actor(platform, workspace, installer or ""), now)
            assert found.id is not None
            found.uninstalled_at = None
            if installer:
                queries.get_or_add_person(session, found.id, installer, now).is_coordinator = True
            session.commit()
        self.queued()

    def uninstalled(self, platform: str, workspace: str, now: datetime) -> None:
        """The app was removed: nothing more is sent there; the workspace's data stays until its retention ends."""
        with open_session(self.engine) as session:
            queries.mark_uninstalled(session, platform, workspace, now)
            session.commit()

    def tick(self, now: datetime) -> lifecycle.Counts:
        """Periodic work: pauses that reached their date end; what the pairs' cadence makes due is written to the
        outbox; old delivery ids are forgotten."""
        with open_session(self.engine) as session:
            end_pauses(session, now.date(), now)
            queries.forget_deliveries_before(session, now - DELIVERIES_KEPT)
            queries.forget_downloads_before(session, now)
            retention.run(session, now)
            session.commit()
        counts = lifecycle.everything_due(self.engine, now)
        if counts.written:
            self.queued()
        return counts

    @contextmanager
    def _context(
        self, actor: Actor, now: datetime, remember: bool = True, in_direct_chat: bool = False
    ) -> Iterator[Ctx]:
        with open_session(self.engine) as session:
            workspace = self._workspace(session, actor, now)
            assert workspace.id is not None
            if remember:
                person = queries.get_or_add_person(session, workspace.id, actor.user_id, now)
            else:
                known = queries.get_person(session, workspace.id, actor.user_id)
                person = known or Person(workspace_id=workspace.id, user_id=actor.user_id, created_at=now)
            person.display_name = typed(actor.name)[:200] or person.display_name
            # What a client says of itself is kept only if it could be true: a forged or broken one is ignored.
            person.platform_locale = actor.locale if _plausible_locale(actor.locale) else person.platform_locale
            person.timezone = actor.timezone if _known_zone(actor.timezone) else person.timezone
            if actor.user_id in self.founders:
                person.is_coordinator = True
            if remember and actor.address:
                assert person.id is not None
                queries.keep_addresses(session, workspace.id, "person", {person.id: actor.address}, now)
            programme = queries.current_programme(session, workspace.id) or self._first_programme(
                session, workspace, now
            )
            yield Ctx(
                session=session,
                workspace=workspace,
                person=person,
                programme=programme,
                tr=tr_for(person, programme),
                now=now,
                is_coordinator=person.is_coordinator,
                founders=self.founders,
                founders_configured=self.configured,
                command_prefix=actor.command_prefix,
                public_url=self.public_url,
                in_direct_chat=in_direct_chat,
            )
            session.commit()

    def _run(
        self, actor: Actor, now: datetime, rule: Callable[[Ctx], Outcome], in_direct_chat: bool = False
    ) -> Outcome:
        """One input: the rule, then what it sends on its own written to the outbox in the same transaction."""
        with self._context(actor, now, in_direct_chat=in_direct_chat) as ctx:
            outcome = rule(ctx)
            others = [reply for reply in outcome.replies if not isinstance(reply.to, ToCaller)]
            outbox.write(ctx.session, ctx.programme, ctx.now, others)
        if ctx.match_requested:
            self.matcher(now)
        if others or ctx.match_requested:
            self.queued()
        outcome.replies = [reply for reply in outcome.replies if isinstance(reply.to, ToCaller)]
        return outcome

    def _workspace(self, session: Session, actor: Actor, now: datetime) -> Workspace:
        """The actor's workspace; a new one gets its first programme in the same transaction."""
        found = queries.get_workspace(session, actor.platform, actor.workspace)
        if found:
            return found
        added = queries.add_workspace(session, actor.platform, actor.workspace, now)
        if added is None:  # another input created it a moment ago
            found = queries.get_workspace(session, actor.platform, actor.workspace)
            assert found is not None
            return found
        self._first_programme(session, added, now)
        return added

    def _first_programme(self, session: Session, workspace: Workspace, now: datetime) -> Programme:
        """A workspace gets a programme with the default catalogue as soon as anyone talks to the bot."""
        name = translator(self.locale)(N_("Reverse mentoring"))
        assert workspace.id is not None
        programme = Programme(
            workspace_id=workspace.id,
            name=name,
            topics=list(DEFAULT_TOPICS),
            locale=self.locale,
            is_current=True,
            created_at=now,
        )
        session.add(programme)
        session.flush()
        return programme


def _enrolled(ctx: Ctx) -> bool:
    enrollment = queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)
    return enrollment is not None and enrollment.status != EnrollmentStatus.LEFT


def _once(delivery_id: str | None, now: datetime, rule: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
    """The rule, unless this delivery was handled already."""

    def once(ctx: Ctx) -> Outcome:
        if delivery_id and not queries.claim_delivery(ctx.session, ctx.workspace_id, delivery_id, now):
            return Outcome()
        return rule(ctx)

    return once


def _plausible_locale(locale: str | None) -> bool:
    """A language tag as platforms send them (`fr-FR`, `en_GB`, `de`), within what is kept of it."""
    return bool(locale) and len(locale or "") <= LOCALE_WIDTH and LOCALE.fullmatch(locale or "") is not None


def _known_zone(zone: str | None) -> bool:
    return bool(zone) and len(zone or "") <= ZONE_WIDTH and zone in _zones()


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # read from disk: once a process


def _typed(ctx: Ctx, text: str) -> Outcome:
    """A command line: its route, the guard, then its rule with the words after the command's."""
    words = split_words(text)
    if not words:
        return commands.help_reply(ctx, routes.COMMANDS.values())
    route = routes.command(words[0])
    if route is None:
        return commands.unknown(ctx, words[0], routes.COMMANDS.values())
    return guards.refusal(ctx, route.guard, route.name) or route.run(ctx, words[1:])


def _pressed(ctx: Ctx, action: str, values: list[str]) -> Outcome:
    """A button or menu: its route, the guard, then its rule with what the value carries."""
    route = routes.button(action)
    if route is None:
        return _no_longer(ctx)
    refused = guards.refusal(ctx, route.guard, route.name if isinstance(route, Command) else "")
    if refused:
        return refused
    value = values[0] if values else ""
    match route:
        case Command():
            return route.run(ctx, split_words(value))
        case routes.Press():
            return route.run(ctx)
        case routes.PressOn():
            number = routes.read_id(value)
            return _no_longer(ctx) if number is None else route.run(ctx, number)
        case routes.ProposalPress():
            found = shown.read(value)
            return _no_longer(ctx) if found is None else route.run(ctx, *found)
        case routes.PairPress():
            pair = _member_of(ctx, value)
            return pair if isinstance(pair, Outcome) else route.run(ctx, pair)
        case routes.Answers():
            return route.run(ctx, action, values)


def _submitted(ctx: Ctx, action: str, values: dict[str, str | None]) -> Outcome:
    """A form: its route, the guard, then its rule with the id its action carries and its fields."""
    found = routes.form(action)
    if found is None:
        return _no_longer(ctx, form=True)
    route, value = found
    refused = guards.refusal(ctx, route.guard)
    if refused:
        return refused
    match route:
        case routes.Submit():
            return route.run(ctx, values) if value is None else _no_longer(ctx, form=True)
        case routes.SubmitOn():
            number = routes.read_id(value)
            return _no_longer(ctx, form=True) if number is None else route.run(ctx, number, values)
        case routes.PairSubmit():
            pair = _member_of(ctx, value or "", form=True)
            return pair if isinstance(pair, Outcome) else route.run(ctx, pair, values)


def _member_of(ctx: Ctx, value: str, form: bool = False) -> Pair | Outcome:
    """The member guard on the pair id a value carries; a value that is no id is refused like a retired button."""
    pair_id = routes.read_id(value)
    return _no_longer(ctx, form) if pair_id is None else guards.member_of(ctx, pair_id)


def _no_longer(ctx: Ctx, form: bool = False) -> Outcome:
    if form:
        return say(ctx.tr("That form no longer works. Type `help` to see what you can do."))
    return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))
