"""Volunteers put straight into the database, as if they had finished onboarding."""

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from bot.actor import Actor
from bot.service import Passerelle
from bot.ui import mention
from bot.working_hours import ALL_WEEK
from storage.models import Enrollment, Person, Programme

MENTOR = {
    "role": "mentor",
    "topics": ["ai_assistants", "social_networks"],
    "levels": {"ai_assistants": 3, "social_networks": 2},
    "career_stage": 1,
    "department": "Marketing",
    "manager": "",
    "languages": ["fr", "en"],
    "site": "Lyon",
    "format": "either",
    "timezone": "Europe/Paris",
    "windows": ["morning", "lunch"],
    "hope": "Share what I love.",
    "style_plan": "free",
    "style_learning": "hands_on",
    "capacity": 1,
}
MENTEE = {
    "role": "mentee",
    "topics": ["ai_assistants"],
    "levels": {"ai_assistants": 3},
    "career_stage": 5,
    "department": "Finance",
    "manager": "",
    "languages": ["fr"],
    "site": "Paris",
    "format": "video",
    "timezone": "Europe/Paris",
    "windows": ["morning"],
    "hope": "Understand AI.",
    "style_plan": "free",
    "style_learning": "hands_on",
}
SLACK = ("slack", "T0PASSE")


def named(user: str) -> str:
    """How the core writes a volunteer put in by a_volunteer, who has not talked to the bot since."""
    return mention(user, user[1:].title())


def a_volunteer(
    bot: Passerelle, user: str, now: datetime, base: dict[str, Any], workspace: tuple[str, str] = SLACK, **answers: Any
) -> None:
    with Session(bot.engine) as session:
        _enroll(session, _programme(bot, session, workspace, now), user, base | answers, now)
        session.commit()


def many_volunteers(bot: Passerelle, now: datetime, pairs: int, all_hours: bool = False) -> None:
    """`pairs` mentors and as many mentees, in one transaction; with `all_hours`, in a programme whose messages go
    out at any hour of any day (a real process runs on the wall clock, whatever the time the tests run at)."""
    with Session(bot.engine) as session:
        programme = _programme(bot, session, SLACK, now)
        if all_hours:
            programme.quiet_start = programme.quiet_end = "00:00"
            programme.working_days = list(ALL_WEEK)
        for n in range(pairs):
            _enroll(session, programme, f"UM{n:06d}", MENTOR, now)
            _enroll(session, programme, f"UE{n:06d}", MENTEE, now)
        session.commit()


def bulk_volunteers(bot: Passerelle, now: datetime, pairs: int, all_hours: bool = False) -> None:
    """`many_volunteers`, written with one statement per table: tens of thousands in seconds."""
    with Session(bot.engine) as session:
        programme = _programme(bot, session, SLACK, now)
        if all_hours:
            programme.quiet_start = programme.quiet_end = "00:00"
            programme.working_days = list(ALL_WEEK)
        workspace_id, programme_id = programme.workspace_id, programme.id
        users = [(f"UM{n:06d}", MENTOR) for n in range(pairs)] + [(f"UE{n:06d}", MENTEE) for n in range(pairs)]
        session.execute(
            insert(Person),
            [
                {
                    "workspace_id": workspace_id,
                    "user_id": u,
                    "display_name": u[1:].title(),
                    "is_coordinator": False,
                    "created_at": now,
                }
                for u, _ in users
            ],
        )
        ids = dict(session.exec(select(Person.user_id, Person.id).where(Person.workspace_id == workspace_id)).all())
        session.execute(
            insert(Enrollment),
            [
                {
                    "workspace_id": workspace_id,
                    "programme_id": programme_id,
                    "person_id": ids[u],
                    "role": answers["role"],
                    "status": "ready",
                    "answers": dict(answers),
                    "consented_at": now,
                    "updated_at": now,
                }
                for u, answers in users
            ],
        )
        session.commit()


def _programme(bot: Passerelle, session: Session, workspace: tuple[str, str], now: datetime) -> Programme:
    bot.home(Actor(*workspace, "USEED000"), now)  # the workspace and its programme exist
    programme = session.exec(select(Programme).order_by(Programme.id.desc())).first()  # type: ignore[union-attr]
    assert programme is not None
    return programme


def _enroll(session: Session, programme: Programme, user: str, answers: dict[str, Any], now: datetime) -> None:
    person = session.exec(select(Person).where(Person.user_id == user)).first() or Person(
        workspace_id=programme.workspace_id, user_id=user, display_name=user[1:].title(), created_at=now
    )
    session.add(person)
    session.flush()
    assert person.id is not None and programme.id is not None
    session.add(
        Enrollment(
            workspace_id=programme.workspace_id,
            programme_id=programme.id,
            person_id=person.id,
            role=answers["role"],
            status="ready",
            answers=dict(answers),
            consented_at=now,
            updated_at=now,
        )
    )
