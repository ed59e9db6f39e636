"""Whatever changes who is paired in a programme takes the programme's row first, so such changes go one at a
time: two confirmations at once confirm once, and a mentor's capacity holds."""

from bot.context import Ctx
from storage import queries


def hold(ctx: Ctx) -> None:
    """Lock the current programme until the commit; everything read after this is fresh."""
    ctx.programme = queries.lock_programme(ctx.session, ctx.programme_id)
