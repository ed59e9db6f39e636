"""A volunteer's own standing: join, profile, language, leave, and how a status reads."""

from collections.abc import Sequence

from babel.lists import format_list

from bot.context import Ctx
from bot.pairing.members import end_pair
from bot.pairing.pair import LIVE, EndReason
from bot.people import named
from bot.replies import say, usage
from bot.ui import Button, Buttons, Fields, Outcome, Reply
from bot.volunteers import enrollment as enrollment_status
from bot.volunteers import language as chosen_language
from bot.volunteers.onboarding import flow
from bot.volunteers.onboarding.summary import summary_fields
from storage import queries
from storage.models import Enrollment, EnrollmentStatus, Pair, PairStatus


def join(ctx: Ctx, args: list[str]) -> Outcome:
    outcome = flow.start(ctx)
    if not ctx.in_direct_chat:  # typed in the direct chat, the questions simply follow
        outcome.replies[:0] = say(ctx.tr("Let's continue in our direct messages.")).replies
    return outcome


def profile(ctx: Ctx, args: list[str]) -> Outcome:
    enrollment = enrollment_status.own(ctx)
    if enrollment is None or enrollment.status == EnrollmentStatus.ONBOARDING:
        return not_taking_part(ctx, enrollment)
    return say(
        ctx.tr(
            "Your profile in *{programme}* · status: *{status}*",
            programme=ctx.programme.name,
            status=status_name(ctx, enrollment),
        ),
        *partner_fields(ctx, enrollment),
        *summary_fields(ctx, enrollment.answers),
        Buttons((Button(ctx.tr("Edit my profile"), "profile.edit"),)),
    )


def partner_fields(ctx: Ctx, enrollment: Enrollment) -> list[Fields]:
    """Who the volunteer is paired with in the enrollment's programme, and how the pair stands.

    Only confirmed pairs: a proposal is the coordinators' draft, which its members have not been told about."""
    pairs = [
        p
        for p in queries.pairs_of_person(ctx.session, ctx.workspace_id, enrollment.person_id, *LIVE)
        if p.programme_id == enrollment.programme_id
    ]
    if not pairs:
        return []
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for p in pairs for i in (p.mentor_id, p.mentee_id)])
    rows = []
    for pair in sorted(pairs, key=lambda p: p.id or 0):
        mentor = pair.mentor_id == enrollment.person_id
        partner = people.get(pair.mentee_id if mentor else pair.mentor_id)
        label = ctx.tr("Your mentee") if mentor else ctx.tr("Your mentor")
        rows.append((label, f"{named(partner) if partner else '—'} · {pair_status(ctx, pair)}"))
    return [Fields(tuple(rows))]


def pair_status(ctx: Ctx, pair: Pair) -> str:
    """How a pair stands, in words: 'active since 1 February 2027', 'ended on 3 May 2027'."""
    if pair.status == PairStatus.ACTIVE and pair.confirmed_at is not None:
        return ctx.tr("active since {date}", date=ctx.tr.day(pair.confirmed_at))
    if pair.status == PairStatus.ENDED and pair.ended_at is not None:
        return ctx.tr("ended on {date}", date=ctx.tr.day(pair.ended_at))
    names = {
        PairStatus.PROPOSED: ctx.tr("proposed, awaiting confirmation"),
        PairStatus.ACTIVE: ctx.tr("active"),
        # Flagged when nothing was booked after the last reminder.
        PairStatus.AT_RISK: ctx.tr("at risk: nothing booked after the reminders"),
        PairStatus.ENDED: ctx.tr("ended"),
    }
    return names[pair.status]


def leave(ctx: Ctx, args: list[str]) -> Outcome:
    """`leave` or the Home tab's Leave button: first say what leaving does, and ask."""
    enrollment = enrollment_status.own(ctx)
    if enrollment is None or enrollment.status == EnrollmentStatus.LEFT:
        return not_enrolled(ctx)
    return _ask_leave(ctx, enrollment)


def _ask_leave(ctx: Ctx, enrollment: Enrollment, before: str = "") -> Outcome:
    # The Yes button carries what was told: the newest pair named, else the enrollment. Pressed once that has
    # changed (a new pair since, a profile left and joined again), it asks again rather than act on an old answer.
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE)
    if enrollment.status == EnrollmentStatus.ONBOARDING:
        text = ctx.tr(
            "Leave *{programme}*? The answers you gave so far will be discarded.", programme=ctx.programme.name
        )
    elif pairs:
        partners = partners_of(ctx, pairs)
        text = ctx.tr.plural(
            "Leave *{programme}*? Your pair with {partners} ends now: they will be told, and so will the coordinators.",
            "Leave *{programme}*? Your pairs with {partners} end now: they will be told, and so will the coordinators.",
            len(partners),
            programme=ctx.programme.name,
            partners=format_list(partners, locale=ctx.tr.locale),
        )
    else:
        text = ctx.tr(
            "Leave *{programme}*? You will not be matched any more; your profile is kept in case you come back.",
            programme=ctx.programme.name,
        )
    yes = (
        Button(ctx.tr("Yes, leave"), "leave.confirm.pair", str(max(_ids(pairs))), style="danger")
        if pairs
        else Button(ctx.tr("Yes, leave"), "leave.confirm", str(enrollment.id), style="danger")
    )
    return say(*([before] if before else []), text, Buttons((yes, Button(ctx.tr("No, stay"), "leave.cancel"))))


def leave_confirmed(ctx: Ctx, enrollment_id: int) -> Outcome:
    """Yes to a confirmation that named no pair: only for that same enrollment, still without a pair."""
    enrollment = enrollment_status.own(ctx, lock=True)  # not halfway through a confirmation that pairs her
    if enrollment is None or enrollment.status == EnrollmentStatus.LEFT:
        return not_enrolled(ctx)
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE)
    if enrollment.id != enrollment_id or pairs:
        return _ask_leave(ctx, enrollment, ctx.tr("Things have changed since you were asked."))
    return _leave(ctx, enrollment)


def leave_pair_confirmed(ctx: Ctx, pair_id: int) -> Outcome:
    """Yes to a confirmation that named a partner: only while that pair is still the newest of the person's."""
    enrollment = enrollment_status.own(ctx, lock=True)
    if enrollment is None or enrollment.status == EnrollmentStatus.LEFT:
        return not_enrolled(ctx)
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE)
    if not pairs or max(_ids(pairs)) != pair_id:
        return _ask_leave(ctx, enrollment, ctx.tr("Things have changed since you were asked."))
    return _leave(ctx, enrollment)


def stay(ctx: Ctx) -> Outcome:
    return say(ctx.tr("You stay in *{programme}*; nothing has changed.", programme=ctx.programme.name))


def _leave(ctx: Ctx, enrollment: Enrollment) -> Outcome:
    if flow.active(ctx):
        flow.stop(ctx)
    if enrollment.status == EnrollmentStatus.ONBOARDING:
        enrollment_status.discard(ctx.session, enrollment)
        return say(ctx.tr("You have left. Nothing you answered was kept."), refresh_home=True)
    told = end_pairs(ctx)
    enrollment_status.leave(enrollment, ctx.now)
    outcome = say(
        ctx.tr(
            "You have left *{programme}*. Thank you for taking part! Your profile is kept in case you come "
            "back; erase it whenever you like.",
            programme=ctx.programme.name,
        ),
        Buttons((Button(ctx.tr("Erase my data"), "data.delete", style="danger"),)),
        refresh_home=True,
    )
    outcome.replies += told
    return outcome


def _ids(pairs: Sequence[Pair]) -> list[int]:
    return [pair.id for pair in pairs if pair.id is not None]


def partners_of(ctx: Ctx, pairs: Sequence[Pair]) -> list[str]:
    """The other member of each pair, named, oldest pair first, for a confirmation that ends them."""
    ordered = sorted(pairs, key=lambda pair: pair.id or 0)
    others = [pair.mentee_id if pair.mentor_id == ctx.person_id else pair.mentor_id for pair in ordered]
    people = queries.people_by_id(ctx.session, ctx.workspace_id, others)
    return [named(people[other]) for other in others if other in people]


def end_pairs(ctx: Ctx, erased: bool = False) -> list[Reply]:
    """Someone who leaves ends their pairs: the partner goes back to the pool, the coordinators are told; without
    her name when she is erasing her data."""
    pairs = queries.pairs_of_person(ctx.session, ctx.workspace_id, ctx.person_id, *LIVE)
    return [reply for pair in pairs for reply in end_pair(ctx, pair, EndReason.LEFT, ctx.person_id, erased=erased)]


def language(ctx: Ctx, args: list[str]) -> Outcome:
    wanted = chosen_language.wanted(args[0]) if len(args) == 1 else None
    if wanted is None:
        return usage(ctx, "language en|fr", ctx.tr("Your language is *{language}*.", language=ctx.tr.locale))
    chosen_language.switch(ctx, wanted)
    outcome = say(ctx.tr("From now on I will write to you in English."), refresh_home=True)
    outcome.replies += flow.current(ctx).replies  # a question under way is asked again, in that language
    return outcome


def status_name(ctx: Ctx, enrollment: Enrollment) -> str:
    names = {
        EnrollmentStatus.ONBOARDING: ctx.tr("onboarding"),
        EnrollmentStatus.READY: ctx.tr("ready for matching"),
        EnrollmentStatus.MATCHED: ctx.tr("matched"),
        EnrollmentStatus.PAUSED: ctx.tr("on pause"),
        EnrollmentStatus.LEFT: ctx.tr("left"),
    }
    name = names[enrollment.status]
    if enrollment.status == EnrollmentStatus.PAUSED and enrollment.paused_until:
        name = ctx.tr("on pause until {date}", date=ctx.tr.day(enrollment.paused_until))
    return name


def not_taking_part(ctx: Ctx, enrollment: Enrollment | None) -> Outcome:
    """Why a volunteer's command does not apply: not enrolled, still joining, or gone."""
    if enrollment is not None and enrollment.status == EnrollmentStatus.ONBOARDING:
        return say(ctx.tr("You have started to join; a few questions are left. Type `join` to continue."))
    return not_enrolled(ctx)


def not_enrolled(ctx: Ctx) -> Outcome:
    return say(ctx.tr("You are not enrolled in *{programme}*. Type `join` to take part.", programme=ctx.programme.name))
