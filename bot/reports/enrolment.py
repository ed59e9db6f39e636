"""`volunteers`: enrolment counted by role, status and topic, for coordinators; the same counts feed `report`."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.context import Ctx
from bot.replies import say
from bot.topics import topic_label
from bot.ui import Fields, Header, Outcome, Text
from storage import queries
from storage.models import Enrollment, EnrollmentStatus


@dataclass(frozen=True)
class Enrolment:
    """A programme's volunteers counted: by role (those who have not left), by status, and topics offered and
    wanted by the volunteers of `statuses`."""

    by_role: Counter[str]
    by_status: Counter[EnrollmentStatus]
    offered: Counter[str]
    wanted: Counter[str]


def count(enrollments: Sequence[Enrollment], *statuses: EnrollmentStatus) -> Enrolment:
    offered, wanted = Counter[str](), Counter[str]()
    for e in enrollments:
        if e.status in statuses:
            (offered if e.role == "mentor" else wanted).update(e.answers.get("topics", []))
    return Enrolment(
        by_role=Counter(e.role or "undecided" for e in enrollments if e.status != EnrollmentStatus.LEFT),
        by_status=Counter(e.status for e in enrollments),
        offered=offered,
        wanted=wanted,
    )


def volunteers(ctx: Ctx, args: list[str]) -> Outcome:
    tr = ctx.tr
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    # The label says "ready": the matched and the paused, who wait for nobody, are counted by status above.
    counted = count(enrollments, EnrollmentStatus.READY)
    by_role, by_status = counted.by_role, counted.by_status
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
            mentors=counted.offered[t],
            mentees=counted.wanted[t],
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
