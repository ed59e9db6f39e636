"""The programme's cadence, working hours and retention, as `program set` changes them and `program` shows them."""

from collections.abc import Callable

from bot.context import Ctx
from bot.i18n import Tr
from bot.parse import fold, parse_time, parse_whole
from bot.working_hours import of_programme
from storage.models import Programme

# Day names as people type them, in both languages, to the programme's week (0 is Monday).
DAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
    **{name: i for i, name in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"))},
    **{name: i for i, name in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))},
}
ALL_DAY = ("none", "always", "aucune", "toujours", "24/7")


def session_length(ctx: Ctx, value: str) -> str | None:
    minutes = parse_whole(value.removesuffix("min").strip(), 15, 240)
    if minutes is None:
        return ctx.tr("A session lasts from 15 to 240 minutes, for example 60.")
    ctx.programme.session_minutes = minutes
    return None


def monthly(ctx: Ctx, value: str) -> str | None:
    count = parse_whole(value, 0, 12)
    if count is None:
        return ctx.tr("Give how many monthly sessions come before they are quarterly: a whole number from 0 to 12.")
    ctx.programme.monthly_sessions = count
    return None


def length(ctx: Ctx, value: str) -> str | None:
    months = parse_whole(value.split()[0] if value.split() else "", 1, 36)
    if months is None:
        return ctx.tr("The programme lasts from 1 to 36 months from its start, for example 6.")
    ctx.programme.length_months = months
    return None


def target(ctx: Ctx, value: str) -> str | None:
    parts = value.replace("–", "-").split("-")
    numbers = [parse_whole(part, 1, 24) for part in parts]
    if not 1 <= len(numbers) <= 2 or None in numbers:
        return ctx.tr("The target is a number of sessions, or a range such as 4-6.")
    low, high = min(n for n in numbers if n), max(n for n in numbers if n)
    ctx.programme.target_min, ctx.programme.target_max = low, high
    return None


def working_hours(ctx: Ctx, value: str) -> str | None:
    if fold(value) in ALL_DAY:
        ctx.programme.quiet_start = ctx.programme.quiet_end = "00:00"
        return None
    parts = value.replace("–", "-").split("-")
    times = [parse_time(part) for part in parts] if len(parts) == 2 else []
    if len(times) != 2 or None in times or not times[0] or not times[1] or times[0] >= times[1]:
        return ctx.tr("Working hours go from a time to a later one, for example 09:00-18:00 (or `none`).")
    ctx.programme.quiet_end, ctx.programme.quiet_start = f"{times[0]:%H:%M}", f"{times[1]:%H:%M}"
    return None


def working_days(ctx: Ctx, value: str) -> str | None:
    days = read_days(value)
    if not days:
        return ctx.tr("Working days are a range or a list of days, for example mon-fri or mon,tue,thu.")
    ctx.programme.working_days = days
    return None


def read_days(value: str) -> list[int]:
    """'mon-fri', 'lun-ven', 'mon,wed,fri', 'monday tuesday' → the days of the week, Monday first; [] if unread."""
    found: set[int] = set()
    for part in fold(value).replace(",", " ").replace(";", " ").split():
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            return []
        start, end = DAYS[first], DAYS[last or first]
        found |= set(range(start, end + 1)) if start <= end else set(range(start, 7)) | set(range(0, end + 1))
    return sorted(found)


def retention(ctx: Ctx, value: str) -> str | None:
    months = parse_whole(value.split()[0] if value.split() else "", 1, 120)
    if months is None:
        return ctx.tr("Personal data is kept from 1 to 120 months after the programme's end, for example 12.")
    ctx.programme.retention_months = months
    return None


SETTERS: dict[str, Callable[[Ctx, str], str | None]] = {
    "session-length": session_length,
    "monthly": monthly,
    "length": length,
    "target": target,
    "working-hours": working_hours,
    "working-days": working_days,
    "retention": retention,
}


def shown(tr: Tr, p: Programme) -> tuple[tuple[str, str], ...]:
    """The lines `program` shows for these settings."""
    hours = of_programme(p)
    names = [tr.weekday(d) for d in sorted(hours.days)]
    when = tr("all day") if hours.start == hours.end else f"{hours.start:%H:%M}–{hours.end:%H:%M}"
    return (
        (tr("Cadence"), cadence_line(tr, p)),
        (tr("Working hours"), f"{when}, {', '.join(names)}"),
        (
            tr("Retention"),
            tr.plural(
                "{n} month after the programme's end", "{n} months after the programme's end", p.retention_months
            ),
        ),
    )


def cadence_line(tr: Tr, p: Programme) -> str:
    """The sessions' length, their rhythm, the programme's length and the target, each worded for its number."""
    n = p.monthly_sessions
    # Only one count reads in the singular in both languages: 1 (0 has no monthly sessions at all).
    if n == 0:
        rhythm = tr("quarterly")
    elif n == 1:
        rhythm = tr("monthly for the first one, then quarterly")
    else:
        rhythm = tr("monthly for the first {n}, then quarterly", n=n)
    length = tr.plural("over {n} month unless an end is set", "over {n} months unless an end is set", p.length_months)
    low, high = p.target_min, p.target_max
    goal = (
        tr.plural("target {n} session", "target {n} sessions", low)
        if low == high
        else tr("target {low}–{high} sessions", low=low, high=high)
    )
    return tr(
        "{minutes}-minute sessions, {rhythm}; {length}; {target}",
        minutes=p.session_minutes,
        rhythm=rhythm,
        length=length,
        target=goal,
    )
