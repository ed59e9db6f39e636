"""The programme's rhythm as its invitations say it: "one hour a month", "90 minutes a month", "one hour a quarter"."""

from bot.i18n import Tr
from storage.models import Programme


def rhythm(tr: Tr, programme: Programme) -> str:
    """As the pairs will meet from their start: monthly while the programme has monthly sessions, else quarterly."""
    minutes = programme.session_minutes
    length = tr("one hour") if minutes == 60 else tr("{n} minutes", n=minutes)
    if programme.monthly_sessions > 0:
        return tr("{length} a month", length=length)
    return tr("{length} a quarter", length=length)
