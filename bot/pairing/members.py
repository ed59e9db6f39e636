"""A pair's own conversation: the introduction, the charter, objectives, booking, and "not a good fit".

Its buttons and form are for the pair's two members while the pair lasts: bot.routes guards them, and hands each
rule the pair, locked."""

import hashlib
from collections.abc import Collection, Sequence

from bot.context import Ctx, known
from bot.i18n import LOCALES, Tr, normalize_locale, translator
from bot.lifecycle import meeting
from bot.outbox import queue as outbox
from bot.pairing import pair as pair_status
from bot.pairing import rematch
from bot.pairing.pair import EndReason
from bot.pairing.reasons import pair_reasons
from bot.people import named, tr_for
from bot.programme.rhythm import rhythm
from bot.recipients import ToCoordinators, ToPair, ToPerson
from bot.replies import say
from bot.topics import N_, topic_label
from bot.ui import (
    Block,
    Button,
    Buttons,
    ChatWith,
    Compose,
    Fields,
    Form,
    Header,
    Message,
    Outcome,
    Reply,
    Text,
    TextInput,
    form_action,
    message,
)
from bot.volunteers import enrollment as enrollment_status
from storage import queries
from storage.models import Enrollment, Pair, Person, Programme

OBJECTIVES = 3
OBJECTIVE_LENGTH = 200
ENDED = N_("Your pairing with {partner} in *{programme}* has ended. You are back on the list for the next matching.")
# A member who erases her data is named in nothing that outlives the erasure.
ENDED_ERASED = N_(
    "Your pairing in *{programme}* has ended: your partner left the programme. You are back on the list for the "
    "next matching."
)
CALLED_OFF = N_("The session you had booked is cancelled; its calendar invite says so.")
ERASED_FOR_COORDINATORS = N_(
    "A pair has ended: the partner of {member} left the programme and had their data erased. {member} is back in "
    "the pool."
)


Member = tuple[Person, Enrollment]


def introduction(
    ctx: Ctx, pair: Pair, members: Sequence[Member] | None = None, who: Collection[int] | None = None
) -> Message:
    """What both read in their conversation: who the other is, why, the charter, the first session.

    `members` (mentor, mentee) and `who` has committed may be given when many pairs are introduced at once, to
    load them in one go."""
    mentor, mentee = members or members_of(ctx, pair)
    tr = tr_for_pair(ctx, (mentor, mentee))
    answers = {p.id: e.answers for p, e in (mentor, mentee)}
    who = queries.committed(ctx.session, ctx.workspace_id, known(pair.id)) if who is None else who
    committed = ", ".join(named(p) for p, _ in (mentor, mentee) if p.id in who)
    reasons = pair_reasons(tr, pair.components, answers[pair.mentor_id], answers[pair.mentee_id])
    blocks: list[Block] = [
        Header(tr("Your reverse-mentoring pair")),
        Text(
            tr(
                "{mentor} (mentor) and {mentee} (mentee), welcome to *{programme}*! You will meet about {rhythm}.",
                rhythm=rhythm(tr, ctx.programme),
                mentor=named(mentor[0]),
                mentee=named(mentee[0]),
                programme=ctx.programme.name,
            )
        ),
        Fields(
            tuple(
                item
                for person, enrollment in (mentor, mentee)
                for item in (
                    (
                        tr("{name} hopes", name=person.display_name or person.user_id),
                        str(enrollment.answers.get("hope", "")),
                    ),
                    (tr("{name}'s topics", name=person.display_name or person.user_id), _topics(tr, enrollment)),
                )
            )
        ),
        Text(tr("*Why you two:* {reasons}", reasons=" · ".join(reasons) or "—")),
        Text(
            tr(
                "*Our charter.* What we say stays between us. We are on time, or we warn. We are kind and curious; "
                "nobody is condescending, in either direction. Each of us commits by pressing the button."
            )
        ),
        Text(tr("Committed: {names}", names=committed) if committed else tr("Nobody has committed yet.")),
        Buttons((Button(tr("I commit"), "pair.commit", str(pair.id), style="primary"),)),
        ChatWith(
            tuple(
                (person.user_id, tr("Chat with {name}", name=person.display_name or person.user_id))
                for person, _ in (mentor, mentee)
            )
        ),
        Text(
            tr(
                "*Your first session:* agree on one to three objectives together, then write them down here; "
                "you will both see them."
            )
        ),
    ]
    if pair.objectives:
        blocks.append(
            Text(tr("*Our objectives*") + "\n" + "\n".join(f"{i}. {o}" for i, o in enumerate(pair.objectives, start=1)))
        )
    blocks.append(
        Buttons(
            (
                Button(tr("Set our objectives"), "pair.objectives", str(pair.id)),
                Button(tr("Book our first hour"), "pair.book", str(pair.id)),
                Button(tr("Not a good fit"), "pair.rematch", str(pair.id)),
            )
        )
    )
    return message(*blocks)


def commit(ctx: Ctx, pair: Pair) -> Outcome:
    """A row per member, under the pair's lock: the second to press sees both names in the introduction."""
    queries.add_commitment(ctx.session, ctx.workspace_id, known(pair.id), ctx.person_id, ctx.now)
    shown = introduction(ctx, pair)
    outbox.rewrite_waiting(ctx.session, ctx.workspace_id, intro_key(known(pair.id)), shown)
    return Outcome(replace=shown)


def intro_key(pair_id: int) -> str:
    """The outbox key of a pair's introduction."""
    return f"intro:pair:{pair_id}"


def objectives_form(ctx: Ctx, pair: Pair) -> Outcome:
    tr = ctx.tr
    fields = [
        TextInput(
            f"objective{i}",
            tr("Objective {n}", n=i),
            initial=(pair.objectives[i - 1] if i <= len(pair.objectives) else ""),
        )
        for i in range(1, OBJECTIVES + 1)
    ]
    return Outcome(
        form=Form(
            form_action("pair.objectives", pair.id),
            tr("Our objectives"),
            (Text(tr("One to three objectives you agreed on together.")), *fields),
            submit=tr("Save"),
            close=tr("Cancel"),
        )
    )


def objectives_submitted(ctx: Ctx, pair: Pair, values: dict[str, str | None]) -> Outcome:
    written = [" ".join((values.get(f"objective{i}") or "").split()) for i in range(1, OBJECTIVES + 1)]
    too_long = {
        f"objective{i}": ctx.tr("At most {n} characters.", n=OBJECTIVE_LENGTH)
        for i, text in enumerate(written, start=1)
        if len(text) > OBJECTIVE_LENGTH
    }
    if too_long:
        return Outcome(form_errors=too_long)
    if not any(written):
        return Outcome(form_errors={"objective1": ctx.tr("Write at least one objective.")})
    pair.objectives = [text for text in written if text]
    tr = tr_for_pair(ctx, members_of(ctx, pair))
    lines = "\n".join(f"{i}. {o}" for i, o in enumerate(pair.objectives, start=1))
    shared = message(Text(tr("{user} wrote down your objectives:", user=named(ctx.person)) + "\n" + lines))
    # The same objectives written twice (two presses of Save) are shared once.
    digest = hashlib.sha256("\n".join(pair.objectives).encode()).hexdigest()[:16]
    return Outcome([Reply(shared, to=ToPair(known(pair.id)), key=f"objectives:pair:{pair.id}:{digest}")])


def not_a_fit(ctx: Ctx, pair: Pair) -> Outcome:
    """Asked privately: only the person who pressed sees this."""
    return say(
        ctx.tr(
            "If this pairing does not work for you, you can ask the coordinators for a new partner. They decide "
            "whether it ends; your partner is never told who asked. Ask them?"
        ),
        Buttons(
            (
                Button(ctx.tr("Yes, ask for a new partner"), "pair.rematch.confirm", str(pair.id), style="danger"),
                Button(ctx.tr("No, keep it"), "pair.rematch.cancel", str(pair.id)),
            )
        ),
    )


def keep(ctx: Ctx, pair: Pair) -> Outcome:
    return say(ctx.tr("Your pairing goes on."))


def not_a_fit_confirmed(ctx: Ctx, pair: Pair) -> Outcome:
    return rematch.ask(ctx, pair)


def end_pair(
    ctx: Ctx, pair: Pair, why: EndReason, told: int | None = None, ended_text: str = ENDED, erased: bool = False
) -> list[Reply]:
    """End a pair: both return to the pool (the pair is never proposed again); the members (but `told`, who
    knows) and the coordinators are told, privately; a rematch request still open is settled. `erased`: `told` is
    erasing her data, and nobody is told her name."""
    pair_status.end(pair, why, ctx.now)
    rematch.settle(ctx, pair)
    called_off = _call_off_sessions(ctx, pair)
    replies = []
    members = members_of(ctx, pair)
    for (person, enrollment), (partner, _) in zip(members, reversed(members), strict=True):
        enrollment_status.pair_ended(ctx.session, enrollment, pair.id, ctx.now)
        if person.id != told:
            # Named, since a mentor with two mentees must know which pairing ended.
            # The pair's own programme: a coordinator may have made another one current since.
            programme = ctx.session.get(Programme, pair.programme_id) or ctx.programme
            names = {"partner": named(partner), "programme": programme.name}
            key = f"ended:pair:{pair.id}:person:{person.id}"
            text = ENDED_ERASED if erased else ended_text
            said = (text, CALLED_OFF) if called_off else (text,)
            replies.append(Reply(_told(*said, names=names), to=ToPerson(known(person.id)), key=key))
    if erased:
        staying = [named(person) for person, _ in members if person.id != told]
        names = {"member": staying[0] if staying else "—"}
        replies.append(
            Reply(
                _told(ERASED_FOR_COORDINATORS, names=names),
                to=ToCoordinators(),
                key=f"ended:pair:{pair.id}:coordinators",
            )
        )
        return replies
    (mentor, _), (mentee, _) = members
    texts = {
        EndReason.NOT_A_GOOD_FIT: N_(
            "The pair {mentor} – {mentee} has ended: one of them said it is not a good fit. Both are back in the pool."
        ),
        EndReason.LEFT: N_("The pair {mentor} – {mentee} has ended: one of them left the programme."),
        EndReason.UNPAIRED: N_("The pair {mentor} – {mentee} has ended. Both are back in the pool."),
        EndReason.COMPLETED: N_("The pair {mentor} – {mentee} has completed the programme."),
    }
    text = texts[why]
    names = {"mentor": named(mentor), "mentee": named(mentee)}
    replies.append(
        Reply(
            _told(text, names=names),
            to=ToCoordinators(),
            key=f"ended:pair:{pair.id}:coordinators",
        )
    )
    return replies


def _told(*texts: str, names: dict[str, str]) -> Compose:
    return lambda tr: message(Text(" ".join(tr(text, **names) for text in texts)))


def _call_off_sessions(ctx: Ctx, pair: Pair) -> bool:
    """The sessions the pair had booked are off: their invites say so, and their reminders are never sent."""
    called_off = False
    while (booked := queries.upcoming_meeting(ctx.session, known(pair.id), ctx.now)) is not None:
        for kind in ("morning", "talking_points"):
            outbox.withdraw(ctx.session, ctx.workspace_id, f"{kind}:{booked.id}:")
        meeting.call_off(booked, ctx.now)
        ctx.session.flush()
        called_off = True
    outbox.withdraw(ctx.session, ctx.workspace_id, f"nudge:{pair.id}:")
    return called_off


def tr_for_pair(ctx: Ctx, members: Sequence[Member]) -> Tr:
    return pair_language(ctx.programme, members)


def pair_language(programme: Programme, members: Sequence[Member]) -> Tr:
    """The language of a pair's conversation, one both members read: the bot language of both; else one each
    either uses with the bot or declared when joining ("languages"); else the programme's."""
    bot_languages = [tr_for(person, programme).locale for person, _ in members]
    if len(set(bot_languages)) == 1:
        return translator(bot_languages[0])
    readable = [
        {bot_language, *(normalize_locale(code) for code in enrollment.answers.get("languages", []))}
        for bot_language, (_, enrollment) in zip(bot_languages, members, strict=True)
    ]
    common = [code for code in LOCALES if all(code in languages for languages in readable)]
    if not common:
        return translator(programme.locale)
    # Among several, the programme's, then one a member already reads the bot in, so that the choice is stable.
    best = sorted(common, key=lambda code: (code != programme.locale, code not in bot_languages))
    return translator(best[0])


def members_of(ctx: Ctx, pair: Pair) -> Sequence[Member]:
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [pair.mentor_id, pair.mentee_id])
    found = []
    for person_id in (pair.mentor_id, pair.mentee_id):
        person = people[person_id]
        enrollment = queries.get_enrollment(ctx.session, ctx.workspace_id, pair.programme_id, person_id)
        assert enrollment is not None
        found.append((person, enrollment))
    return found


def _topics(tr: Tr, enrollment: Enrollment) -> str:
    return ", ".join(topic_label(t, tr) for t in enrollment.answers.get("topics", [])) or "—"
