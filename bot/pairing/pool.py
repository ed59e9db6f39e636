"""Who can be matched now, as the pure matching sees them, and what it must never propose again."""

from dataclasses import dataclass, field
from typing import Any, cast

from bot.context import Ctx
from bot.matching.model import Format, Mode, Role, Rules, TopicOverlap, Volunteer, Weights
from bot.pairing.pair import LIVE
from bot.volunteers.enrollment import PAIRABLE
from storage import queries
from storage.models import Enrollment, Pair, PairStatus, Person


@dataclass
class Pool:
    volunteers: list[Volunteer] = field(default_factory=list)  # ids are platform user ids
    people: dict[str, Person] = field(default_factory=dict)  # by user id: the pool and the pinned pairs
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    excluded: set[frozenset[str]] = field(default_factory=set)  # past pairs
    forbids: set[frozenset[str]] = field(default_factory=set)  # the coordinators' forbids
    pinned: list[Pair] = field(default_factory=list)


def rules_of(ctx: Ctx) -> Rules:
    programme = ctx.programme
    weights = Weights(**{k: float(v) for k, v in programme.match_weights.items() if k in Weights.__annotations__})
    mode: Mode = "best-pairs" if programme.match_mode == "best-pairs" else "most-pairs"
    overlap: TopicOverlap = "required" if programme.topic_overlap == "required" else "preferred"
    return Rules(
        mode=mode, min_score=programme.min_score, min_gap=programme.min_gap, weights=weights, topic_overlap=overlap
    )


def gather(ctx: Ctx) -> Pool:
    """Ready volunteers, and matched mentors with room left; pinned pairs take their places first."""
    pool = Pool()
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [e.person_id for e in enrollments])
    held = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *LIVE)
    proposed = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, PairStatus.PROPOSED)
    pool.pinned = [p for p in proposed if p.pinned]
    taken: dict[int, int] = {}
    for pair in [*held, *pool.pinned]:
        taken[pair.mentor_id] = taken.get(pair.mentor_id, 0) + 1
        taken[pair.mentee_id] = taken.get(pair.mentee_id, 0) + 1
    for enrollment in enrollments:
        person = people[enrollment.person_id]
        pool.people[person.user_id] = person
        pool.enrollments[person.user_id] = enrollment
        volunteer = to_volunteer(person, enrollment)
        room = (volunteer.capacity if volunteer.role == "mentor" else 1) - taken.get(enrollment.person_id, 0)
        if enrollment.status in PAIRABLE and room > 0 and volunteer.role in ("mentor", "mentee"):
            pool.volunteers.append(Volunteer(**{**volunteer.__dict__, "capacity": room}))
    by_id = {p.id: p.user_id for p in pool.people.values()}
    for mentor, mentee in queries.past_pairs(ctx.session, ctx.workspace_id):
        if mentor in by_id and mentee in by_id:
            pool.excluded.add(frozenset({by_id[mentor], by_id[mentee]}))
    for forbid in queries.forbidden_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id):
        if forbid.mentor_id in by_id and forbid.mentee_id in by_id:
            pool.forbids.add(frozenset({by_id[forbid.mentor_id], by_id[forbid.mentee_id]}))
    return pool


def to_volunteer(person: Person, enrollment: Enrollment) -> Volunteer:
    """The onboarding answers as the matching reads them."""
    answers: dict[str, Any] = enrollment.answers
    levels: dict[str, int] = answers.get("levels", {})
    return Volunteer(
        id=person.user_id,
        role=cast(Role, enrollment.role or answers.get("role", "")),
        career_stage=int(answers.get("career_stage", 1)),
        name=person.display_name,
        department=str(answers.get("department", "")),
        site=str(answers.get("site", "")),
        manager_id=str(answers.get("manager", "")),
        languages=frozenset(answers.get("languages", [])),
        format=cast(Format, answers.get("format", "either")),
        timezone=str(answers.get("timezone") or person.timezone or "UTC"),
        windows=frozenset(answers.get("windows", [])),
        topics={t: int(levels.get(t, 1)) for t in answers.get("topics", [])},
        style=frozenset(a for a in (answers.get("style_plan"), answers.get("style_learning")) if a),
        capacity=int(answers.get("capacity", 1)),
        not_with=frozenset(answers.get("not_with", [])),
    )
