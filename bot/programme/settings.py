"""The programme's settings: `program`, `program new NAME`, `program set KEY VALUE`."""

from datetime import date

from bot.context import Ctx
from bot.i18n import LOCALES
from bot.matching.model import COMPONENTS, POINTS, Weights
from bot.pairing import pair as pair_status
from bot.parse import fold, parse_channel, parse_choice, parse_date, parse_decimal, parse_time, parse_whole
from bot.programme import cadence, current
from bot.replies import say, usage
from bot.topics import DEFAULT_TOPICS, topic_label, topic_names
from bot.ui import Fields, Header, Outcome, Reply, Text, channel_ref, message
from storage import queries
from storage.models import PairStatus, Programme

SETTABLE = (
    "name",
    "topics",
    "start",
    "end",
    "quiet-hours",
    "language",
    "community",
    "mode",
    "min-score",
    "min-gap",
    "weights",
    "topic-overlap",
    *cadence.SETTERS,
)
# Besides the dates, what a pair's agenda is worked out from (its periods, its working days and hours): live pairs
# are looked at again by the next tick when one changes.
RECHECKED = ("monthly", "length", "working-days", "working-hours", "quiet-hours")
PROGRAM_USAGE = "program | program new NAME | program list | program use NAME | program set KEY VALUE"
MAX_TOPICS = 30


def program(ctx: Ctx, args: list[str]) -> Outcome:
    if not args:
        return show_programme(ctx)
    sub = fold(args[0])
    if sub in ("new", "nouveau"):
        return current.new(ctx, args[1:])
    if sub in ("list", "liste") and len(args) == 1:
        return current.listing(ctx, [])
    if sub in ("use", "utiliser"):
        return current.use(ctx, args[1:])
    if sub == "set":
        if len(args) < 3:
            return usage(ctx, "program set KEY VALUE", ctx.tr("Keys: {keys}.", keys=", ".join(SETTABLE)))
        return set_programme(ctx, fold(args[1]), " ".join(args[2:]))
    return usage(ctx, PROGRAM_USAGE)


def show_programme(ctx: Ctx) -> Outcome:
    p, tr = ctx.programme, ctx.tr
    setting = tr("program set KEY VALUE")  # KEY VALUE are words to translate, in a command to type
    return say(
        Header(p.name),
        Fields(
            (
                (tr("Topics"), "\n".join(topic_label(t, tr) for t in p.topics)),
                (tr("Dates"), f"{_day(ctx, p.start_date)} → {_day(ctx, p.end_date)}"),
                (tr("Language"), p.locale),
                (tr("Community channel"), channel_ref(p.community_channel) if p.community_channel else tr("not set")),
                (
                    tr("Matching"),
                    tr(
                        "{mode}, minimum score {score}, career gap {gap}",
                        mode=p.match_mode,
                        score=p.min_score,
                        gap=p.min_gap,
                    ),
                ),
                (tr("Weights"), " ".join(f"{k}={v:.2f}" for k, v in _weights(p).items())),
                (tr("Topic in common"), p.topic_overlap),
                *cadence.shown(tr, p),
            )
        ),
        tr(
            "Change a setting with `{command}`; keys: {keys}.",
            command=ctx.command(setting),
            keys=", ".join(SETTABLE),
        ),
    )


def set_programme(ctx: Ctx, key: str, value: str) -> Outcome:
    p, tr = ctx.programme, ctx.tr
    line = "program set KEY VALUE"
    if key == "name":
        name = " ".join(value.split())
        if not 2 <= len(name) <= 120:
            return usage(ctx, line, tr("Give the programme a name of 2 to 120 characters."))
        other = current.named(ctx, name)
        if other is not None and other.id != p.id:
            # Two programmes of one name could no longer be told apart by `program use`.
            return say(tr("Another programme is called *{name}* already; choose another name.", name=other.name))
        p.name = name
    elif key == "topics":
        topics = read_topics(value)
        if not topics:
            return usage(ctx, line, tr("List 1 to {n} topics separated by commas.", n=MAX_TOPICS))
        p.topics = topics
    elif key in ("start", "end"):
        day = parse_date(value, ctx.now.date())
        if day is None:
            return usage(ctx, line, tr("I could not read “{date}” as a date; try 2027-01-15.", date=value[:40]))
        start, end = (day, p.end_date) if key == "start" else (p.start_date, day)
        if key == "end" and day < ctx.now.date():
            # A programme cannot be given an end it has passed already: its pairs would be over before they begin.
            return usage(ctx, line, tr("That end date has passed; give a date to come."))
        if start and end and end <= start:
            return usage(ctx, line, tr("The end must come after the start."))
        p.start_date, p.end_date = start, end
        pair_status.touch_all(ctx.session, p, ctx.now)
        if key == "start" and day < ctx.now.date() and not _confirmed_pairs(ctx):
            # A start in the past is allowed (the programme began before it was recorded here), but with no pair
            # confirmed yet the coordinator should know nobody has been matched for it.
            shown = show_programme(ctx)
            note = tr(
                "That start date has passed and no pair is confirmed yet: `{match}` prepares them.",
                match=ctx.command("match"),
            )
            shown.replies.append(Reply(message(Text(note))))
            return shown
    elif key == "quiet-hours":
        parts = value.replace("–", "-").split("-")
        times = [parse_time(part) for part in parts] if len(parts) == 2 else []
        # Quiet from an evening to a morning: the working hours between them (`working-hours`) are one stretch.
        if len(times) != 2 or None in times or not times[0] or not times[1] or times[0] <= times[1]:
            return usage(ctx, line, tr("Quiet hours go from one time to another, for example 18:00-09:00."))
        p.quiet_start, p.quiet_end = (f"{t:%H:%M}" for t in times if t)
    elif key == "language":
        if fold(value) not in LOCALES:
            return usage(ctx, line, tr("The language is en or fr."))
        p.locale = fold(value)
    elif key in MATCHING or key in cadence.SETTERS:
        why = (MATCHING.get(key) or cadence.SETTERS[key])(ctx, value)
        if why:
            return usage(ctx, line, why)
    else:
        return usage(ctx, line, tr("Unknown key “{key}”. Keys: {keys}.", key=key[:30], keys=", ".join(SETTABLE)))
    if key in RECHECKED:
        pair_status.touch_all(ctx.session, p, ctx.now)
    return show_programme(ctx)


def _community(ctx: Ctx, value: str) -> str | None:
    channel = parse_channel(value) if fold(value) not in ("none", "aucun", "-") else ""
    if channel is None:
        return ctx.tr("Name the mentors' channel as #channel, or `none`.")
    ctx.programme.community_channel = channel or None
    return None


def _mode(ctx: Ctx, value: str) -> str | None:
    if fold(value) not in ("most-pairs", "best-pairs"):
        return ctx.tr("The mode is most-pairs (as many pairs as possible) or best-pairs (only good pairs).")
    ctx.programme.match_mode = fold(value)
    return None


def _min_score(ctx: Ctx, value: str) -> str | None:
    score = parse_whole(value, 0, POINTS)
    if score is None:
        return ctx.tr("The minimum score is a whole number from 0 to {top}.", top=POINTS)
    ctx.programme.min_score = score
    return None


def _min_gap(ctx: Ctx, value: str) -> str | None:
    gap = parse_whole(value, 0, 4)
    if gap is None:
        return ctx.tr("The career gap is a whole number of stages from 0 to 4.")
    ctx.programme.min_gap = gap
    return None


def _set_weights(ctx: Ctx, value: str) -> str | None:
    """`topics=0.6 times=0.2 style=0.1 departments=0.1`; components not named keep their weight."""
    weights = _weights(ctx.programme)
    for part in value.replace(",", " ").split():
        name, _, number = part.partition("=")
        weight = parse_decimal(number, 0, 10)
        if name not in weights or weight is None:
            return ctx.tr("Weights look like topics=0.6 times=0.2 style=0.1 departments=0.1 (each from 0 to 10).")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        return ctx.tr("At least one weight must be above zero.")
    ctx.programme.match_weights = weights
    return None


def _weights(programme: Programme) -> dict[str, float]:
    defaults = Weights()
    return {name: float(programme.match_weights.get(name, getattr(defaults, name))) for name in COMPONENTS}


def _topic_overlap(ctx: Ctx, value: str) -> str | None:
    if fold(value) not in ("preferred", "required"):
        return ctx.tr(
            "A topic in common is preferred (a pair without one may be proposed, with a warning) or required "
            "(never a pair without one)."
        )
    ctx.programme.topic_overlap = fold(value)
    return None


MATCHING = {
    "community": _community,
    "mode": _mode,
    "min-score": _min_score,
    "min-gap": _min_gap,
    "weights": _set_weights,
    "topic-overlap": _topic_overlap,
}


def read_topics(text: str) -> list[str] | None:
    """Catalogue keys for the topics it knows ('AI', 'RSE'), the words as written for the others."""
    options = [(key, topic_names(key)) for key in DEFAULT_TOPICS]
    topics: list[str] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        known = parse_choice(part, options) if not part.strip().isdecimal() else None
        topic = known or " ".join(part.split())[:60]
        if topic not in topics:
            topics.append(topic)
    return topics if 1 <= len(topics) <= MAX_TOPICS else None


def _confirmed_pairs(ctx: Ctx) -> bool:
    """Whether a pair of the programme was ever confirmed (ended ones count: they were matched)."""
    counts = queries.count_pairs(ctx.session, ctx.workspace_id, ctx.programme_id)
    return any(n for status, n in counts.items() if status != PairStatus.PROPOSED)


def _day(ctx: Ctx, day: date | None) -> str:
    return ctx.tr.day(day) if day else ctx.tr("not set")
