"""`volunteers`: enrolment counted by role, status and topic, for coordinators."""

from collections import Counter

from bot.context import Ctx
from bot.replies import say
from bot.topics import topic_label
from bot.ui import Fields, Header, Outcome, Text
from storage import queries
from storage.models import EnrollmentStatus


def volunteers(ctx: Ctx, args: list[str]) -> Outcome:
    tr = ctx.tr
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    by_role = Counter(e.role or "undecided" for e in enrollments if e.status != EnrollmentStatus.LEFT)
    by_status = Counter(e.status for e in enrollments)
    wanted, offered = Counter[str](), Counter[str]()
    for e in enrollments:
        # The label says "ready": the matched and the paused, who wait for nobody, are counted by status above.
        if e.status == EnrollmentStatus.READY:
            (offered if e.role == "mentor" else wanted).update(e.answers.get("topics", []))
    role_names = {"mentor": tr("Mentors"), "mentee": tr("Mentees"), "undecided": tr("Role not chosen yet")}
    status_names = {
        EnrollmentStatus.ONBOARDING: tr("Onboarding"),
        EnrollmentStatus.READY: tr("Ready"),
        EnrollmentStatus.MATCHED: tr("Matched"),
        EnrollmentStatus.PAUSED: tr("On pause"),
        EnrollmentStatus.LEFT: tr("Left"),
    }
    topic_lines = "\n".join(
        tr(
            "{topic}: mentors {mentors}, mentees {mentees}",
            topic=topic_label(t, tr),
            mentors=offered[t],
            mentees=wanted[t],
        )
        for t in ctx.programme.topics
    )
    return say(
        Header(tr("Volunteers of {programme}", programme=ctx.programme.name)),
        Fields(
            tuple((role_names[r], str(by_role[r])) for r in ("mentor", "mentee", "undecided") if by_role[r])
            + tuple((status_names.get(s, s), str(n)) for s, n in sorted(by_status.items()))
            or ((tr("Volunteers"), "0"),)
        ),
        Text(tr("*Topics (ready volunteers)*\n{lines}", lines=topic_lines)),
    )
