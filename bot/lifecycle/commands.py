"""The lifecycle's commands: a member's `book`, `status` and `concern`; the coordinators' `nudge`."""

import hashlib

from bot.context import Ctx, known
from bot.guards import member_of
from bot.i18n import Tr
from bot.lifecycle import booking, tick
from bot.lifecycle.cadence import NUDGES
from bot.lifecycle.health import standings
from bot.pairing.pair import LIVE
from bot.people import named, zone_of
from bot.recipients import ToCoordinators
from bot.replies import say
from bot.ui import Block, Button, Buttons, Fields, Form, Message, Outcome, Reply, Text, TextInput, message, typed
from bot.volunteers.profile import not_taking_part
from bot.working_hours import zone_info
from storage import queries
from storage.models import EnrollmentStatus, Pair

CONCERN_LENGTH = 2000


def nudge(ctx: Ctx, args: list[str]) -> Outcome:
    """What is due for this workspace's pairs, written now rather than at the next tick."""
    counts = tick.Counts()
    while True:
        batch = tick.run(ctx.session, ctx.now, tick.BATCH, ctx.workspace_id)
        counts.add(batch)
        if batch.pairs < tick.BATCH:
            break
    tr = ctx.tr
    parts = [_written(tr, kind, n) for kind, n in sorted(counts.written.items(), key=_in_order)]
    if not parts:
        return say(tr("Nothing was due now: no message is waiting to be written; `pairs` shows each pair's health."))
    return say(
        tr(
            "Queued: {what}. They go out in each person's working hours.",
            what=", ".join(parts),
        )
    )


ORDER = (*NUDGES, "morning", "talking_points", "pulse", "checkpoint", "survey", "close")


def _in_order(item: tuple[str, int]) -> int:
    return ORDER.index(item[0]) if item[0] in ORDER else len(ORDER)


def _written(tr: Tr, kind: str, n: int) -> str:
    """What the tick wrote for `n` pairs, in words."""
    if kind == "book":
        return tr.plural("{n} request to book", "{n} requests to book", n)
    if kind == "reminder":
        return tr.plural("{n} reminder", "{n} reminders", n)
    if kind == "last":
        return tr.plural("{n} last reminder", "{n} last reminders", n)
    if kind == "morning":
        return tr.plural("{n} session reminder", "{n} session reminders", n)
    if kind == "talking_points":
        return tr.plural("{n} request for talking points", "{n} requests for talking points", n)
    if kind == "pulse":
        return tr.plural("pulses for {n} session", "pulses for {n} sessions", n)
    if kind == "checkpoint":
        return tr.plural("{n} pair's checkpoint", "{n} pairs' checkpoints", n)
    if kind == "survey":
        return tr.plural("{n} pair's end survey", "{n} pairs' end surveys", n)
    return tr.plural("{n} pair closed with its summary", "{n} pairs closed with their summary", n)


def book(ctx: Ctx, args: list[str]) -> Outcome:
    """The booking form of the caller's pair; a mentor with several mentees picks the pair first."""
    pairs = _own_pairs(ctx)
    if not pairs:
        return _unpaired(ctx)
    if len(pairs) == 1:
        pair = member_of(ctx, known(pairs[0].id))
        return pair if isinstance(pair, Outcome) else booking.form(ctx, pair)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [_partner(ctx, p) for p in pairs])
    choices = tuple(
        Button(ctx.tr("Book with {name}", name=people[_partner(ctx, p)].display_name), "pair.book", str(p.id))
        for p in pairs
    )
    return say(ctx.tr("Which of your pairs?"), Buttons(choices))


def status(ctx: Ctx, args: list[str]) -> Outcome:
    """My pair, our objectives, the next session and the sessions held."""
    pairs = _own_pairs(ctx)
    if not pairs:
        return _unpaired(ctx)
    tr, zone = ctx.tr, zone_of(ctx.session, ctx.person, ctx.programme)
    standing = standings(ctx.session, ctx.programme, pairs, ctx.now)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [_partner(ctx, p) for p in pairs])
    blocks: list[Block] = []
    for pair in pairs:
        own = standing[known(pair.id)]
        partner = people[_partner(ctx, pair)]
        role = tr("your mentor") if partner.id == pair.mentor_id else tr("your mentee")
        items = [(tr("Partner"), f"{named(partner)} ({role})")]
        objectives = "\n".join(f"{i}. {o}" for i, o in enumerate(pair.objectives, start=1))
        items.append((tr("Our objectives"), objectives or tr("not set yet")))
        if own.next_session is not None:
            local = own.next_session.starts_at.astimezone(zone_info(zone))
            clock = f"{local:%H:%M}"
            items.append((tr("Next session"), tr("{day} at {time}", day=tr.day(local), time=clock)))
        else:
            items.append((tr("Next session"), tr("none booked")))
        items.append((tr("Sessions held"), str(own.held)))
        # The same form either way: it books the hour, or moves the one booked.
        label = tr("Book our hour") if own.next_session is None else tr("Move our session")
        blocks += [Fields(tuple(items)), Buttons((Button(label, "pair.book", str(pair.id)),))]
    return say(*blocks)


def concern(ctx: Ctx, args: list[str]) -> Outcome:
    """A private word to the coordinators, at any time: typed after the command, or in a form."""
    if not args:
        return concern_form(ctx)
    return _concern_sent(ctx, " ".join(args))


def concern_form(ctx: Ctx) -> Outcome:
    tr = ctx.tr
    return Outcome(
        form=Form(
            "concern",
            tr("A private concern"),
            (
                Text(tr("Only the programme's coordinators read this; your partner is never told.")),
                TextInput("concern", tr("What would you like them to know?"), multiline=True),
            ),
            submit=tr("Send"),
            close=tr("Cancel"),
        )
    )


def concern_submitted(ctx: Ctx, values: dict[str, str | None]) -> Outcome:
    text = typed(values.get("concern") or "").strip()
    if not text:
        return Outcome(form_errors={"concern": ctx.tr("Write a few words, or close the form.")})
    if len(text) > CONCERN_LENGTH:
        return Outcome(form_errors={"concern": ctx.tr("At most {n} characters.", n=CONCERN_LENGTH)})
    return _concern_sent(ctx, text)


def _concern_sent(ctx: Ctx, text: str) -> Outcome:
    # Made plain once, where it was typed (a form); a command's words come from the channel, whose mentions are the
    # core's markup: made plain again, they would show coordinators raw ids.
    text = text.strip()[:CONCERN_LENGTH]
    user = named(ctx.person)
    digest = hashlib.sha256(f"{ctx.person_id}:{text}".encode()).hexdigest()[:16]

    def compose(tr: Tr) -> Message:
        return message(Text(tr("*A private concern from {user}:*", user=user) + "\n" + text))

    # Her words, whatever they name: erasing her erases them.
    sent = Reply(compose, to=ToCoordinators(), key=f"concern:{ctx.person_id}:{digest}", about=(ctx.person_id,))
    return Outcome([*say(ctx.tr("Sent privately to the coordinators; only they read it.")).replies, sent])


def _unpaired(ctx: Ctx) -> Outcome:
    """Why someone has no pair: not a volunteer (a coordinator may well not be one), still joining, or waiting."""
    enrollment = queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme_id, ctx.person_id)
    if enrollment is None or enrollment.status in (EnrollmentStatus.ONBOARDING, EnrollmentStatus.LEFT):
        return not_taking_part(ctx, enrollment)
    return say(ctx.tr("You have no pair yet: you will hear from me once you are matched."))


def _own_pairs(ctx: Ctx) -> list[Pair]:
    return list(queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE))


def _partner(ctx: Ctx, pair: Pair) -> int:
    return pair.mentee_id if ctx.person_id == pair.mentor_id else pair.mentor_id
