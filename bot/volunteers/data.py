"""A person's data: a copy on request (`export-my-data`), erasure (`delete-my-data`)."""

import json
from typing import Any

from bot.context import Ctx
from bot.programme.lock import hold
from bot.replies import say
from bot.ui import Button, Buttons, Outcome
from bot.volunteers.profile import end_pairs
from storage import queries


def export(ctx: Ctx, args: list[str]) -> Outcome:
    """Everything stored about the caller, as JSON, to them only."""
    document = json.dumps(personal_data(ctx), ensure_ascii=False, indent=1, default=str)
    # One text however long: each channel splits it to its own limits.
    return say(ctx.tr("Here is everything Passerelle stores about you:"), f"```{document}```")


def personal_data(ctx: Ctx) -> dict[str, Any]:
    person = ctx.person
    assert person.id is not None
    conversation = queries.get_conversation(ctx.session, ctx.workspace_id, person.id)
    programmes = {p.id: p.name for p in queries.programmes(ctx.session, ctx.workspace_id)}
    return {
        "person": {
            "user_id": person.user_id,
            "display_name": person.display_name,
            "platform_locale": person.platform_locale,
            "chosen_language": person.chosen_locale,
            "timezone": person.timezone,
            "coordinator": ctx.is_coordinator,
            "first_seen": person.created_at,
        },
        "enrollments": [
            {
                "programme": programmes.get(e.programme_id),
                "role": e.role,
                "status": e.status,
                "answers": e.answers,
                "paused_until": e.paused_until,
                "consented_at": e.consented_at,
                "updated_at": e.updated_at,
            }
            for e in queries.enrollments_of_person(ctx.session, ctx.workspace_id, person.id)
        ],
        "onboarding_in_progress": {"step": conversation.step, "answers": conversation.draft} if conversation else None,
    }


def delete(ctx: Ctx, args: list[str]) -> Outcome:
    return say(
        ctx.tr(
            "This erases your profile, your answers and your settings, in every programme. It cannot be "
            "undone. Are you sure?"
        ),
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
    told = end_pairs(ctx)
    queries.erase_person(ctx.session, ctx.workspace_id, ctx.person_id)
    outcome = say(ctx.tr("Done: everything Passerelle stored about you is erased."), refresh_home=True)
    outcome.replies += told
    return outcome
