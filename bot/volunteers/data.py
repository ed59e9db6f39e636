"""A person's data: a copy on request (`export-my-data`), erasure (`delete-my-data`).

The copy holds everything stored about the person, each kind of record a section of SECTIONS: readable in their
language (labels, names, dates), and the same as JSON in a file, for machines.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.lists import format_list

from bot.context import Ctx
from bot.pairing.pair import LIVE, EndReason
from bot.people import named, named_by_user_id
from bot.programme.lock import hold
from bot.replies import say
from bot.topics import N_
from bot.ui import Block, Button, Buttons, Fields, File, Header, Outcome, Text
from bot.volunteers.not_with import KEY as NOT_WITH
from bot.volunteers.onboarding.summary import summary_fields
from bot.volunteers.profile import end_pairs, pair_status, partners_of, status_name
from storage import queries
from storage.models import Enrollment, Pair, PairStatus, Programme, RematchOutcome

LANGUAGES = {"en": N_("English"), "fr": N_("French")}
ENDED = {
    EndReason.UNPAIRED: N_("undone by a coordinator"),
    EndReason.LEFT: N_("one of you left the programme"),
    EndReason.NOT_A_GOOD_FIT: N_("not a good fit"),
    EndReason.COMPLETED: N_("the programme came to its end"),
}


@dataclass(frozen=True)
class Section:
    """One kind of record: its title and blocks for the person, its key and value in the JSON file."""

    key: str
    title: str
    blocks: list[Block]
    data: Any


def export(ctx: Ctx, args: list[str]) -> Outcome:
    """Everything stored about the caller, readable, with the JSON attached as a file, to them only."""
    tr = ctx.tr
    sections = [found for gather in SECTIONS if (found := gather(ctx)) is not None]
    name = f"passerelle-my-data-{ctx.now:%Y-%m-%d}.json"
    document = {"exported_at": ctx.now, **{section.key: section.data for section in sections}}
    blocks: list[Block | str] = [
        Header(tr("Your data in Passerelle")),
        tr(
            "Here is everything Passerelle stores about you, on {date}. The same, for machines, is in the file {name}.",
            date=tr.day(ctx.now),
            name=name,
        ),
    ]
    for section in sections:
        blocks += [Text(f"*{section.title}*"), *section.blocks]
    outcome = say(*blocks)
    # One JSON however long: each channel hands a file over its own way.
    content = json.dumps(document, ensure_ascii=False, indent=1, default=str)
    outcome.files.append(File(name, tr("Your data in Passerelle"), content))
    return outcome


def _person(ctx: Ctx) -> Section:
    tr, person = ctx.tr, ctx.person
    language = (
        tr(LANGUAGES[person.chosen_locale])
        if person.chosen_locale in LANGUAGES
        else tr("as set on your platform ({locale})", locale=person.platform_locale or "—")
    )
    rows = (
        (tr("Name"), person.display_name or "—"),
        (tr("Language"), language),
        (tr("Time zone"), person.timezone or "—"),
        (tr("Coordinator"), tr("yes") if ctx.is_coordinator else tr("no")),
        (tr("Known to Passerelle since"), tr.day(person.created_at)),
    )
    data = {
        "user_id": person.user_id,
        "display_name": person.display_name,
        "platform_locale": person.platform_locale,
        "chosen_language": person.chosen_locale,
        "timezone": person.timezone,
        "coordinator": ctx.is_coordinator,
        "first_seen": person.created_at,
    }
    return Section("person", tr("You"), [Fields(rows)], data)


def _enrollments(ctx: Ctx) -> Section | None:
    tr = ctx.tr
    enrollments = queries.enrollments_of_person(ctx.session, ctx.workspace_id, ctx.person_id)
    if not enrollments:
        return None
    programmes = _programmes(ctx)
    blocks: list[Block] = []
    data = []
    for e in enrollments:
        programme = programmes.get(e.programme_id)
        listed = [str(u) for u in e.answers.get(NOT_WITH, [])]
        names = named_by_user_id(ctx.session, ctx.workspace_id, listed)
        role = tr("Mentor") if e.role == "mentor" else tr("Mentee") if e.role == "mentee" else "—"
        blocks.append(
            Text(
                tr(
                    "*{programme}*: {role} · {status}",
                    programme=programme.name if programme else "—",
                    role=role,
                    status=status_name(ctx, e),
                )
            )
        )
        blocks += summary_fields(ctx, e.answers)
        blocks.append(Fields(_dates(ctx, e)))
        if listed:
            blocks.append(
                Text(
                    tr("People you asked never to be paired with (only you see this): {names}", names=", ".join(names))
                )
            )
        data.append(
            {
                "programme": programme.name if programme else None,
                "role": e.role,
                "status": e.status,
                "answers": e.answers,
                "not_with": [{"user_id": u, "name": n} for u, n in zip(listed, _plain_names(ctx, listed), strict=True)],
                "paused_until": e.paused_until,
                "paused_from": e.paused_from,
                "consented_at": e.consented_at,
                "updated_at": e.updated_at,
            }
        )
    return Section("enrollments", tr("Your participation"), blocks, data)


def _dates(ctx: Ctx, enrollment: Enrollment) -> tuple[tuple[str, str], ...]:
    tr = ctx.tr
    rows = [
        (tr("Consent given on"), tr.day(enrollment.consented_at)),
        (tr("Last change"), tr.day(enrollment.updated_at)),
    ]
    if enrollment.paused_until is not None:
        rows.append((tr("On pause until"), tr.day(enrollment.paused_until)))
    return tuple(rows)


def _onboarding(ctx: Ctx) -> Section | None:
    conversation = queries.get_conversation(ctx.session, ctx.workspace_id, ctx.person_id)
    if conversation is None:
        return None
    tr = ctx.tr
    programme = _programmes(ctx).get(conversation.programme_id)
    blocks: list[Block] = [
        Text(
            tr(
                "You are answering the questions to join *{programme}*; your answers so far:",
                programme=programme.name if programme else "—",
            )
        ),
        *summary_fields(ctx, conversation.draft),
    ]
    data = {"step": conversation.step, "answers": conversation.draft, "updated_at": conversation.updated_at}
    return Section("onboarding_in_progress", tr("Joining in progress"), blocks, data)


def _pairs(ctx: Ctx) -> Section | None:
    tr = ctx.tr
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *PairStatus)
    if not pairs:
        return None
    programmes = _programmes(ctx)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for p in pairs for i in (p.mentor_id, p.mentee_id)])
    committed = {
        c.pair_id: c.committed_at for c in queries.commitments_of_person(ctx.session, ctx.workspace_id, ctx.person_id)
    }
    blocks: list[Block] = []
    data = []
    for pair in sorted(pairs, key=lambda p: p.id or 0):
        mentor = pair.mentor_id == ctx.person_id
        partner = people.get(pair.mentee_id if mentor else pair.mentor_id)
        programme = programmes.get(pair.programme_id)
        blocks.append(
            Text(
                tr(
                    "*{label}: {partner}* · {programme}",
                    label=tr("Your mentee") if mentor else tr("Your mentor"),
                    partner=named(partner) if partner else "—",
                    programme=programme.name if programme else "—",
                )
            )
        )
        blocks.append(Fields(_pair_rows(ctx, pair, committed.get(pair.id or 0))))
        if pair.objectives:
            lines = "\n".join(f"{n}. {objective}" for n, objective in enumerate(pair.objectives, start=1))
            blocks.append(Text(tr("Your objectives:") + "\n" + lines))
        data.append(
            {
                "programme": programme.name if programme else None,
                "you_are": "mentor" if mentor else "mentee",
                "partner": {"user_id": partner.user_id, "name": partner.display_name} if partner else None,
                "status": pair.status,
                "score": pair.score,
                "score_components": pair.components,
                "objectives": pair.objectives,
                "committed_to_the_charter_at": committed.get(pair.id or 0),
                "proposed_at": pair.created_at,
                "confirmed_at": pair.confirmed_at,
                "ended_at": pair.ended_at,
                "ended_reason": pair.ended_reason,
            }
        )
    return Section("pairs", tr("Your pairs"), blocks, data)


def _rematch_requests(ctx: Ctx) -> Section | None:
    """The person's "not a good fit" requests: which pair, when, and what the coordinators decided (not who)."""
    tr = ctx.tr
    requests = queries.rematch_requests_of_person(ctx.session, ctx.workspace_id, ctx.person_id)
    if not requests:
        return None
    pairs = {p.id: p for p in queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *PairStatus)}
    partners = queries.people_by_id(
        ctx.session,
        ctx.workspace_id,
        [i for p in pairs.values() for i in (p.mentor_id, p.mentee_id) if i != ctx.person_id],
    )
    decisions = {RematchOutcome.ENDED: N_("the pair was ended"), RematchOutcome.KEPT: N_("the pair was kept")}
    rows, data = [], []
    for request in requests:
        pair = pairs.get(request.pair_id)
        other = (pair.mentee_id if pair.mentor_id == ctx.person_id else pair.mentor_id) if pair else None
        partner = partners.get(other) if other is not None else None
        decided = tr(decisions[request.outcome]) if request.outcome else tr("awaiting a coordinator")
        rows.append(
            (
                tr("Asked on {date}", date=tr.day(request.asked_at)),
                f"{named(partner) if partner else '—'} · {decided}",
            )
        )
        data.append(
            {
                "partner": {"user_id": partner.user_id, "name": partner.display_name} if partner else None,
                "asked_at": request.asked_at,
                "outcome": request.outcome,
                "decided_at": request.decided_at,
            }
        )
    return Section("rematch_requests", tr("Your requests to end a pair (not a good fit)"), [Fields(tuple(rows))], data)


def _sessions(ctx: Ctx) -> Section | None:
    """The sessions of the person's pairs: when, how, where, and the talking points shared for them."""
    tr = ctx.tr
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *PairStatus)
    meetings = queries.meetings_of_pairs(ctx.session, [p.id for p in pairs if p.id is not None])
    if not meetings:
        return None
    rows = tuple(
        (tr("Session of {date}", date=tr.day(m.starts_at)), f"{m.starts_at:%H:%M} UTC · {m.format} · {m.status}")
        for m in meetings
    )
    data = [
        {
            "starts_at": m.starts_at,
            "minutes": m.minutes,
            "timezone": m.timezone,
            "format": m.format,
            "place": m.place,
            "status": m.status,
            "talking_points": m.talking_points,
        }
        for m in meetings
    ]
    return Section("sessions", tr("Your pairs' sessions"), [Fields(rows)], data)


def _feedback(ctx: Ctx) -> Section | None:
    """The person's own pulses and survey answers; nobody else's."""
    tr = ctx.tr
    pulses = queries.pulses_of_person(ctx.session, ctx.workspace_id, ctx.person_id)
    surveys = queries.surveys_of_person(ctx.session, ctx.workspace_id, ctx.person_id)
    answered = [p for p in pulses if p.answered_at] + [s for s in surveys if s.answered_at]
    if not answered:
        return None
    rows = [
        (tr("Pulse of {date}", date=tr.day(p.answered_at or ctx.now)), f"{p.happened} · {p.rating} · {p.progress}")
        for p in pulses
        if p.answered_at
    ]
    rows += [(tr("Survey of {date}", date=tr.day(s.answered_at or ctx.now)), s.kind) for s in surveys if s.answered_at]
    data = {
        "pulses": [
            {
                "answered_at": p.answered_at,
                "happened": p.happened,
                "rating": p.rating,
                "progress": p.progress,
                "fit": p.fit,
                "comment": p.comment,
            }
            for p in pulses
            if p.answered_at
        ],
        "surveys": [{"kind": s.kind, "answered_at": s.answered_at, "answers": s.answers} for s in surveys],
    }
    return Section("feedback", tr("Your feedback (seen by nobody but you)"), [Fields(tuple(rows))], data)


def _pair_rows(ctx: Ctx, pair: Pair, committed_at: datetime | None) -> tuple[tuple[str, str], ...]:
    tr = ctx.tr
    rows = [(tr("Status"), pair_status(ctx, pair)), (tr("Proposed on"), tr.day(pair.created_at))]
    if pair.ended_reason in ENDED:
        rows.append((tr("Why it ended"), tr(ENDED[EndReason(pair.ended_reason)])))
    if pair.status != PairStatus.PROPOSED:
        rows.append(
            (
                tr("Your commitment to the charter"),
                tr("given on {date}", date=tr.day(committed_at)) if committed_at else tr("not given"),
            )
        )
    return tuple(rows)


def _programmes_section(ctx: Ctx) -> Section | None:
    """The programmes the person's records belong to."""
    tr = ctx.tr
    programmes = _programmes(ctx)
    enrolled = {e.programme_id for e in queries.enrollments_of_person(ctx.session, ctx.workspace_id, ctx.person_id)}
    paired = {
        p.programme_id for p in queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *PairStatus)
    }
    theirs = [programmes[i] for i in sorted(enrolled | paired) if i in programmes]
    if not theirs:
        return None
    rows = tuple((p.name, f"{_day(ctx, p.start_date)} → {_day(ctx, p.end_date)}") for p in theirs)
    data = [{"name": p.name, "start": p.start_date, "end": p.end_date} for p in theirs]
    return Section("programmes", tr("Programmes"), [Fields(rows)], data)


def _addresses(ctx: Ctx) -> Section | None:
    """Where the bot reaches the person; a pair's conversation is the pair's, not theirs alone."""
    address = queries.get_address(ctx.session, ctx.workspace_id, "person", ctx.person_id)
    if address is None:
        return None
    text = ctx.tr("Passerelle remembers your direct conversation with it, to write to you there.")
    data = {"ref": address.ref, "updated_at": address.updated_at}
    return Section("address", ctx.tr("Where Passerelle writes to you"), [Text(text)], data)


def _programmes(ctx: Ctx) -> dict[int, Programme]:
    return {p.id: p for p in queries.programmes(ctx.session, ctx.workspace_id) if p.id is not None}


def _plain_names(ctx: Ctx, user_ids: list[str]) -> list[str]:
    people = queries.people_by_user_id(ctx.session, ctx.workspace_id, user_ids)
    return [people[u].display_name if u in people else "" for u in user_ids]


def _day(ctx: Ctx, day: date | None) -> str:
    return ctx.tr.day(day) if day else ctx.tr("not set")


# Each kind of record stored about a person, in the order the copy shows them. A new kind of record joins here,
# with its own section function, and in storage.queries.erase_person.
SECTIONS: tuple[Callable[[Ctx], Section | None], ...] = (
    _person,
    _enrollments,
    _onboarding,
    _pairs,
    _rematch_requests,
    _sessions,
    _feedback,
    _programmes_section,
    _addresses,
)


def delete(ctx: Ctx, args: list[str]) -> Outcome:
    """Ask first, saying what erasing does, and which pairs it ends (as `leave` does)."""
    text = ctx.tr(
        "This erases your profile, your answers and your settings, in every programme. It cannot be undone. "
        "Are you sure?"
    )
    partners = partners_of(ctx, queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE))
    if partners:
        text = ctx.tr.plural(
            "This erases your profile, your answers and your settings, in every programme, and ends your pair "
            "with {partners}: they will be told, and so will the coordinators. It cannot be undone. Are you sure?",
            "This erases your profile, your answers and your settings, in every programme, and ends your pairs "
            "with {partners}: they will be told, and so will the coordinators. It cannot be undone. Are you sure?",
            len(partners),
            partners=format_list(partners, locale=ctx.tr.locale),
        )
    return say(
        text,
        Buttons(
            (
                Button(ctx.tr("Yes, erase everything"), "data.delete.confirm", style="danger"),
                Button(ctx.tr("Cancel"), "data.delete.cancel"),
            )
        ),
    )


def cancel_delete(ctx: Ctx) -> Outcome:
    return say(ctx.tr("Nothing was erased."))


def confirm_delete(ctx: Ctx) -> Outcome:
    hold(ctx)  # not halfway through a confirmation that pairs her
    told = end_pairs(ctx, erased=True)
    queries.erase_person(ctx.session, ctx.workspace_id, ctx.person_id)
    outcome = say(ctx.tr("Done: everything Passerelle stored about you is erased."), refresh_home=True)
    outcome.replies += told
    return outcome
