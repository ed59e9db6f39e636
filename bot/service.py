"""The core's entry points: one session per input, the context built, the rule dispatched, one commit."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot import commands
from bot.actor import Actor
from bot.context import Ctx
from bot.home import build_home
from bot.i18n import normalize_locale, translator
from bot.outbox import queue as outbox
from bot.pairing import adjust, confirm, members, preview
from bot.people import tr_for
from bot.recipients import ToCaller
from bot.replies import say
from bot.topics import DEFAULT_TOPICS, N_
from bot.ui import Message, Outcome, typed
from bot.volunteers import data, pause
from bot.volunteers.enrollment import end_pauses
from bot.volunteers.onboarding import flow
from storage import queries
from storage.db import session as open_session
from storage.models import EnrollmentStatus, Person, Programme, Workspace

DELIVERIES_KEPT = timedelta(days=1)  # Slack redelivers within minutes; a day is generous
# Buttons that are not onboarding answers (`onb.…`) nor commands (`cmd`, with the command as value).
BUTTONS: dict[str, Callable[[Ctx], Outcome]] = {
    "join": flow.start,
    "profile.edit": flow.edit,
    "pause.form": pause.pause_form,
    "data.delete": lambda ctx: data.delete(ctx, []),
    "data.delete.confirm": data.confirm_delete,
    "data.delete.cancel": lambda ctx: say(ctx.tr("Nothing was erased.")),
    "program.new.cancel": lambda ctx: say(ctx.tr("No new programme; *{name}* stays current.", name=ctx.programme.name)),
}
# Buttons of the matching preview (coordinators only) and of a pair's conversation; the value is a number.
MATCH_BUTTONS: dict[str, Callable[[Ctx, int], Outcome]] = {
    "match.page": preview.page,
    "match.run": lambda ctx, _: Outcome(replace=preview.rerun(ctx)),
    "match.csv": lambda ctx, _: preview.csv_file(ctx),
    "match.confirm": lambda ctx, _: confirm.confirm(ctx),
    "match.pin": adjust.pin,
    "match.forbid": adjust.forbid,
}
PAIR_BUTTONS: dict[str, Callable[[Ctx, int], Outcome]] = {
    "pair.commit": members.commit,
    "pair.objectives": members.objectives_form,
    "pair.book": members.book,
    "pair.rematch": members.not_a_fit,
    "pair.rematch.confirm": members.not_a_fit_confirmed,
    "pair.rematch.cancel": lambda ctx, _: say(ctx.tr("Your pairing goes on.")),
}


class Passerelle:
    """The platform-neutral bot. Channels turn their payloads into these calls and render what comes back."""

    def __init__(
        self,
        engine: Engine,
        *,
        coordinators: frozenset[str] = frozenset(),
        locale: str = "en",
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.founders = coordinators
        self.locale = normalize_locale(locale) or "en"
        self.queued = queued  # told when messages wait in the outbox (the worker wakes up)

    def said(self, actor: Actor, text: str, now: datetime, delivery_id: str | None = None) -> Outcome:
        """A message typed to the bot in a direct chat."""

        def rule(ctx: Ctx) -> Outcome:
            if delivery_id and not queries.claim_delivery(ctx.session, ctx.workspace_id, delivery_id, now):
                return Outcome()
            if flow.active(ctx):
                return flow.on_text(ctx, text)
            words = text.split()
            if words and commands.lookup(words[0].lstrip("/")):
                return commands.run(ctx, text.lstrip("/"))
            if not _enrolled(ctx):
                return flow.start(ctx)
            return commands.help_reply(ctx)

        return self._run(actor, now, rule)

    def command(self, actor: Actor, text: str, now: datetime) -> Outcome:
        """`/mentoring …`; the text after the command word."""
        return self._run(actor, now, lambda ctx: commands.run(ctx, text))

    def pressed(self, actor: Actor, action: str, values: list[str], now: datetime) -> Outcome:
        """A button, menu, checkbox or date picked in a message or the Home tab."""
        return self._run(actor, now, lambda ctx: self._press(ctx, action, values))

    def submitted(self, actor: Actor, action: str, values: dict[str, str | None], now: datetime) -> Outcome:
        """A form sent back; `values` by field name, None for a field left empty."""

        def rule(ctx: Ctx) -> Outcome:
            if action == "pause":
                return pause.pause_submitted(ctx, values)
            kind, _, number = action.partition(".")
            if kind == "objectives" and number.isdecimal():
                return members.objectives_submitted(ctx, int(number), values)
            return say(ctx.tr("That form no longer works. Type `help` to see what you can do."))

        return self._run(actor, now, rule)

    def home(self, actor: Actor, now: datetime) -> Message:
        """The Home tab; looking at it stores nothing about a person the bot does not know yet."""
        with self._context(actor, now, remember=False) as ctx:
            return build_home(ctx)

    def tick(self, now: datetime) -> None:
        """Periodic work: pauses that reached their date end; old delivery ids are forgotten."""
        with open_session(self.engine) as session:
            end_pauses(session, now.date(), now)
            queries.forget_deliveries_before(session, now - DELIVERIES_KEPT)
            session.commit()

    def _press(self, ctx: Ctx, action: str, values: list[str]) -> Outcome:
        if action.startswith("onb."):
            return flow.on_press(ctx, action, values)
        number = int(values[0]) if values and values[0].isdecimal() else 0
        if action in MATCH_BUTTONS:
            if not ctx.is_coordinator:
                return say(ctx.tr("Sorry, this is for the programme's coordinators."))
            return MATCH_BUTTONS[action](ctx, number)
        if action in PAIR_BUTTONS:
            return PAIR_BUTTONS[action](ctx, number)
        if action in BUTTONS:
            return BUTTONS[action](ctx)
        if action == "cmd" and values and commands.lookup(values[0].partition(" ")[0]):
            return commands.run(ctx, values[0])
        return say(ctx.tr("That button no longer works. Type `help` to see what you can do."))

    @contextmanager
    def _context(self, actor: Actor, now: datetime, remember: bool = True) -> Iterator[Ctx]:
        with open_session(self.engine) as session:
            workspace = self._workspace(session, actor, now)
            assert workspace.id is not None
            if remember:
                person = queries.get_or_add_person(session, workspace.id, actor.user_id, now)
            else:
                known = queries.get_person(session, workspace.id, actor.user_id)
                person = known or Person(workspace_id=workspace.id, user_id=actor.user_id, created_at=now)
            person.display_name = typed(actor.name)[:200] or person.display_name
            person.platform_locale = actor.locale or person.platform_locale
            person.timezone = actor.timezone or person.timezone
            if actor.user_id in self.founders:
                person.is_coordinator = True
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
                command_prefix=actor.command_prefix,
            )
            session.commit()

    def _run(self, actor: Actor, now: datetime, rule: Callable[[Ctx], Outcome]) -> Outcome:
        """One input: the rule, then what it sends on its own written to the outbox in the same transaction."""
        with self._context(actor, now) as ctx:
            outcome = rule(ctx)
            others = [reply for reply in outcome.replies if not isinstance(reply.to, ToCaller)]
            outbox.write(ctx.session, ctx.workspace_id, ctx.programme.locale, ctx.now, others)
        if others:
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
