"""Volunteers put straight into the database, as if they had finished onboarding."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.actor import Actor
from bot.service import Passerelle
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


def a_volunteer(bot: Passerelle, user: str, now: datetime, base: dict[str, Any], **answers: Any) -> None:
    bot.home(Actor("slack", "T0PASSE", user), now)  # the workspace and its programme exist
    with Session(bot.engine) as session:
        programme = session.exec(select(Programme)).first()
        assert programme is not None and programme.id is not None
        person = session.exec(select(Person).where(Person.user_id == user)).first() or Person(
            workspace_id=programme.workspace_id, user_id=user, display_name=user.title(), created_at=now
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        full = base | answers
        session.add(
            Enrollment(
                workspace_id=programme.workspace_id,
                programme_id=programme.id,
                person_id=person.id,
                role=full["role"],
                status="ready",
                answers=full,
                consented_at=now,
                updated_at=now,
            )
        )
        session.commit()


def many_volunteers(bot: Passerelle, now: datetime, pairs: int) -> None:
    """`pairs` mentors and as many mentees, in one transaction."""
    bot.home(Actor("slack", "T0PASSE", "USEED000"), now)
    with Session(bot.engine) as session:
        programme = session.exec(select(Programme)).first()
        assert programme is not None and programme.id is not None
        for n in range(pairs):
            for role, base in (("M", MENTOR), ("E", MENTEE)):
                person = Person(workspace_id=programme.workspace_id, user_id=f"U{role}{n:06d}", created_at=now)
                session.add(person)
                session.flush()
                assert person.id is not None
                session.add(
                    Enrollment(
                        workspace_id=programme.workspace_id,
                        programme_id=programme.id,
                        person_id=person.id,
                        role=base["role"],
                        status="ready",
                        answers=dict(base),
                        consented_at=now,
                        updated_at=now,
                    )
                )
        session.commit()
