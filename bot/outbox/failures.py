"""Messages that could not be delivered, told once to the coordinators: who could not be reached, and why."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.i18n import Tr
from bot.outbox import queue
from bot.people import named
from bot.recipients import ToCoordinators
from bot.topics import N_
from bot.ui import Compose, Message, Reply, Text, channel_ref, message
from storage import queries
from storage.db import session as open_session
from storage.models import Outbox, OutboxState, Person, Programme

LISTED = 20
# Failures of one burst (a confirmation, an announcement) are told together, in one notice.
GATHERED = timedelta(minutes=1)
LONGEST = timedelta(minutes=10)
REASONS = {
    "inactive": N_("their account is deactivated"),
    "unknown_person": N_("they are no longer in the workspace"),
    "no_channel": N_("the channel no longer exists"),
    "not_member": N_("I am not a member of the channel; invite me there, then try again"),
    "archived": N_("the channel is archived"),
    "refused": N_("the platform refused the message"),
    "not_installed": N_(
        "I cannot write to them until the app is installed for them: install it for them in your admin centre, "
        "or ask them to open it once"
    ),
    "blocked": N_("they blocked the app or turned its messages off; ask them to allow it again"),
}


def report(engine: Engine, now: datetime) -> int:
    """Write one notice per coordinator for the failures not told yet; returns how many failures were told."""
    with open_session(engine) as session:
        by_workspace: dict[int, list[Outbox]] = defaultdict(list)
        for row in queries.unreported_failures(session):
            by_workspace[row.workspace_id].append(row)
        told = {w: rows for w, rows in by_workspace.items() if _gathered(rows, now)}
        for workspace_id, rows in told.items():
            for row in rows:
                row.reported = True
            # A notice about failures that cannot be delivered either is not reported again: that would never end.
            rows = [row for row in rows if not row.key.startswith(queue.NOTICE)]
            if not rows:
                continue
            lines = [_line(session, row) for row in rows]
            key = f"{queue.NOTICE}{rows[0].id}-{rows[-1].id}"
            notice = Reply(_compose(lines), to=ToCoordinators(), key=key)
            queue.write(session, _programme(session, workspace_id, now), now, [notice])
        session.commit()
        return sum(len(rows) for rows in told.values())


def _gathered(rows: list[Outbox], now: datetime) -> bool:
    """Failures are told once a minute has passed without a new one, or when the first has waited ten minutes;
    a time in the future comes from a clock that was ahead and does not hold them back."""
    times = [row.failed_at for row in rows if row.failed_at is not None and row.failed_at <= now + queue.SKEW]
    return not times or max(times) <= now - GATHERED or min(times) <= now - LONGEST


def _compose(lines: list[tuple[str, str, int]]) -> Compose:
    def compose(tr: Tr) -> Message:
        shown = [_describe(tr, who, why, attempts) for who, why, attempts in lines[:LISTED]]
        if len(lines) > LISTED:
            shown.append(tr("…and {n} more.", n=len(lines) - LISTED))
        head = tr.plural("I could not deliver {n} message:", "I could not deliver {n} messages:", len(lines))
        return message(Text(head + "\n" + "\n".join(shown)))

    return compose


def _describe(tr: Tr, who: str, why: str, attempts: int) -> str:
    reason = tr(REASONS[why]) if why in REASONS else tr("still failing after {n} attempts", n=attempts)
    # Composed through the catalogue: French puts a space before the colon.
    return tr("• {who}: {reason}", who=who, reason=reason)


def _line(session: Session, row: Outbox) -> tuple[str, str, int]:
    """Who the row was for, as a coordinator reads it, and the reason (a dead row's reason is its attempts)."""
    kind, owner_id = row.recipient.get("kind"), int(row.recipient.get("id", 0) or 0)
    why = str(row.error) if row.state == OutboxState.UNDELIVERABLE else "dead"
    if kind == "channel":
        return channel_ref(str(row.recipient.get("ref"))), why, row.attempts
    if kind == "pair":
        pair = queries.get_pair(session, row.workspace_id, owner_id)
        people = queries.people_by_id(session, row.workspace_id, [pair.mentor_id, pair.mentee_id]) if pair else {}
        return " – ".join(named(p) for p in people.values()) or "—", why, row.attempts
    person = session.get(Person, owner_id)
    return (named(person) if person else "—"), why, row.attempts


def _programme(session: Session, workspace_id: int, now: datetime) -> Programme:
    """The programme whose language and working hours the notice follows (every workspace has one)."""
    found = queries.current_programme(session, workspace_id)
    return found or Programme(workspace_id=workspace_id, name="", created_at=now)
