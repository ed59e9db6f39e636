"""The Home tab: each person's status and buttons; coordinators also see enrolment and the report's headline."""

from bot.context import Ctx, known
from bot.lifecycle.health import standings
from bot.pairing.pair import LIVE
from bot.people import zone_of
from bot.programme.rhythm import rhythm
from bot.reports.report import headline
from bot.ui import Button, Buttons, Fields, Header, Message, Text, message
from bot.volunteers.enrollment import PAIRABLE
from bot.volunteers.profile import partner_fields, status_name
from bot.working_hours import zone_info
from storage import queries
from storage.models import Enrollment, EnrollmentStatus, PairStatus


def build_home(ctx: Ctx) -> Message:
    tr = ctx.tr
    assert ctx.programme.id is not None
    blocks: list[Header | Text | Fields | Buttons] = [Header(ctx.programme.name)]
    person_id = ctx.person.id  # None for someone the bot does not know yet
    enrollment = (
        queries.get_enrollment(ctx.session, ctx.workspace_id, ctx.programme.id, person_id) if person_id else None
    )
    join = Button(tr("Join the programme"), "join", style="primary")
    if enrollment is None:
        blocks += [
            Text(
                tr(
                    "Reverse mentoring pairs colleagues early in their career with senior managers, {rhythm}. "
                    "Join as a mentor to share what you master, or as a mentee to learn.",
                    rhythm=rhythm(tr, ctx.programme),
                )
            ),
            Buttons((join,)),
        ]
    elif enrollment.status == EnrollmentStatus.ONBOARDING:
        blocks += [
            Text(tr("You have started to join; a few questions are left.")),
            Buttons((Button(tr("Continue"), "join", style="primary"),)),
        ]
    elif enrollment.status == EnrollmentStatus.LEFT:
        blocks += [Text(tr("You have left the programme.")), Buttons((join,))]
    else:
        role = tr("Mentor") if enrollment.role == "mentor" else tr("Mentee")
        pause_or_resume = (
            Button(tr("Resume"), "/resume", style="primary")
            if enrollment.status == EnrollmentStatus.PAUSED
            else Button(tr("Pause"), "pause.form")
        )
        blocks += [
            Text(tr("You take part as *{role}* · {status}", role=role, status=status_name(ctx, enrollment))),
            *partner_fields(ctx, enrollment),
            *_sessions(ctx, enrollment),
            Buttons(
                (
                    Button(tr("Edit my profile"), "profile.edit"),
                    pause_or_resume,
                    Button(tr("Leave"), "/leave", style="danger"),
                )
            ),
        ]
    if ctx.is_coordinator:
        blocks += [*_figures(ctx), *headline(ctx)]
    return message(*blocks)


def _sessions(ctx: Ctx, enrollment: Enrollment) -> list[Fields | Buttons]:
    """Each pair's next session, and the button that books (or moves) it."""
    pairs = [
        p
        for p in queries.pairs_of_person(ctx.session, ctx.workspace_id, enrollment.person_id, *LIVE)
        if p.programme_id == enrollment.programme_id
    ]
    if not pairs:
        return []
    tr, zone = ctx.tr, zone_of(ctx.session, ctx.person, ctx.programme)
    standing = standings(ctx.session, ctx.programme, pairs, ctx.now)
    rows, buttons = [], []
    for pair in sorted(pairs, key=lambda p: p.id or 0):
        upcoming = standing[known(pair.id)].next_session
        if upcoming is None:
            rows.append((tr("Next session"), tr("none booked")))
        else:
            local = upcoming.starts_at.astimezone(zone_info(zone))
            clock = f"{local:%H:%M}"
            rows.append((tr("Next session"), tr("{day} at {time}", day=tr.day(local), time=clock)))
        buttons.append(Button(tr("Book our hour"), "pair.book", str(pair.id)))
    return [Fields(tuple(rows)), Buttons(tuple(buttons[:5]))]


def _figures(ctx: Ctx) -> list[Header | Text | Fields | Buttons]:
    tr = ctx.tr
    assert ctx.programme.id is not None
    counts = queries.count_enrollments(ctx.session, ctx.workspace_id, ctx.programme.id)

    def total(role: str | None = None, *statuses: EnrollmentStatus) -> int:
        return sum(n for (r, s), n in counts.items() if (role is None or r == role) and s in statuses)

    pairs = queries.count_pairs(ctx.session, ctx.workspace_id, ctx.programme.id).get

    return [
        Header(tr("Enrolment")),
        Fields(
            (
                # Ready or matched: everyone who takes part now (the status counts are in `volunteers`).
                (tr("Mentors taking part"), str(total("mentor", *PAIRABLE))),
                (tr("Mentees taking part"), str(total("mentee", *PAIRABLE))),
                (tr("Onboarding"), str(total(None, EnrollmentStatus.ONBOARDING))),
                (tr("On pause"), str(total(None, EnrollmentStatus.PAUSED))),
                (tr("Left"), str(total(None, EnrollmentStatus.LEFT))),
            )
        ),
        Text(tr("Topics and details: `{command}`.", command=ctx.command("volunteers"))),
        Header(tr("Pairs")),
        Fields(
            (
                (tr("Active"), str(pairs(PairStatus.ACTIVE, 0))),
                (tr("At risk"), str(pairs(PairStatus.AT_RISK, 0))),
                (tr("Proposed, awaiting confirmation"), str(pairs(PairStatus.PROPOSED, 0))),
            )
        ),
    ]
