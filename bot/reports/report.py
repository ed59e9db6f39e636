"""`report` and `export` for coordinators, and the report's headline figures on their Home tab."""

from datetime import UTC, datetime

from babel.numbers import format_decimal, format_percent

from bot import csvfile
from bot.context import Ctx, known
from bot.i18n import Tr
from bot.lifecycle.health import Health, health_name
from bot.replies import say
from bot.reports.figures import ENOUGH_ANSWERS, REPORTED, Feedback, Figures, Measure, figures
from bot.topics import topic_label
from bot.ui import Fields, File, Header, Outcome, Text
from storage import queries
from storage.models import Meeting, Pair, Person

COMMENTS_SHOWN = 30
EXPORT_COLUMNS = (
    "pair",
    "mentor",
    "mentor_name",
    "mentee",
    "mentee_name",
    "pair_status",
    "confirmed_utc",
    "ended_utc",
    "ended_reason",
    "session_start_utc",
    "session_minutes",
    "session_format",
    "session_status",
)


def report(ctx: Ctx, args: list[str]) -> Outcome:
    """The figures in the caller's language, then the chart as a PNG file."""
    # Imported here: drawing needs matplotlib, which every other command and the start-up need not load.
    from bot.reports.chart import chart

    tr = ctx.tr
    found = figures(ctx.session, ctx.programme, ctx.now)
    name = f"report-{ctx.now:%Y-%m-%d}.png"
    outcome = say(
        Header(tr("Report: {programme}", programme=ctx.programme.name)),
        Fields(_enrolment(tr, found)),
        Header(tr("Pair health")),
        Fields(tuple((_capital(health_name(tr, h)), str(found.health[h])) for h in Health)),
        Header(tr("Feedback")),
        Fields(_feedback(tr, found.feedback)),
        Text(
            tr(
                "Feedback figures and comments show only once {n} people or more have answered; nobody's own answers "
                "are shown.",
                n=ENOUGH_ANSWERS,
            )
        ),
        *_topics(ctx, found),
        *_comments(tr, found.feedback.comments),
        Text(tr("Sessions month by month and the pairs' health are in the chart {name}.", name=name)),
    )
    outcome.files.append(File(name, tr("Sessions and pair health"), chart(found, tr)))
    return outcome


def headline(ctx: Ctx) -> list[Header | Fields | Text]:
    """The Home tab's few figures of the report."""
    tr = ctx.tr
    found = figures(ctx.session, ctx.programme, ctx.now)
    return [
        Header(tr("Report")),
        Fields(
            (
                _sessions(tr, found),
                (tr("Matched share"), _share(tr, found.matched_share)),
                (tr("Sessions rated (1 to 5)"), _average(tr, found.feedback.rating)),
                (tr("Net Promoter Score"), _nps(tr, found.feedback.nps)),
            )
        ),
        Text(tr("All the figures and a chart: `{command}`.", command=ctx.command("report"))),
    ]


def _enrolment(tr: Tr, found: Figures) -> tuple[tuple[str, str], ...]:
    roles = found.enrolment.by_role
    return (
        (tr("Mentors"), str(roles["mentor"])),
        (tr("Mentees"), str(roles["mentee"])),
        (tr("Matched share"), _share(tr, found.matched_share)),
        _sessions(tr, found),
    )


def _sessions(tr: Tr, found: Figures) -> tuple[str, str]:
    return tr("Sessions held"), tr("{held} of {planned} planned", held=found.held, planned=found.planned)


def _feedback(tr: Tr, feedback: Feedback) -> tuple[tuple[str, str], ...]:
    return (
        (tr("Sessions rated (1 to 5)"), _average(tr, feedback.rating)),
        (tr("Progress on objectives (1 to 5)"), _average(tr, feedback.progress)),
        (tr("Progress at the checkpoint (1 to 5)"), _average(tr, feedback.checkpoint)),
        (tr("Pairs a good fit"), _measured_share(tr, feedback.good_fit)),
        (tr("Would recommend (0 to 10)"), _average(tr, feedback.recommend)),
        (tr("Net Promoter Score"), _nps(tr, feedback.nps)),
        (tr("Mentors who found it useful"), _measured_share(tr, feedback.useful)),
        (tr("Mentees who adopted new practices"), _measured_share(tr, feedback.adoption)),
    )


def _topics(ctx: Ctx, found: Figures) -> list[Text]:
    tr, counted = ctx.tr, found.enrolment
    lines = [
        tr(
            "{topic}: mentors {mentors}, mentees {mentees}",
            topic=topic_label(t, tr),
            mentors=counted.offered[t],
            mentees=counted.wanted[t],
        )
        for t in ctx.programme.topics
    ]
    return [Text(tr("*Topics: supply and demand (volunteers taking part)*") + "\n" + "\n".join(lines))] if lines else []


def _comments(tr: Tr, comments: tuple[str, ...]) -> list[Text]:
    """Shown only from the threshold up, in alphabetical order and without names, so that none points to anyone."""
    if not comments:
        return [Text(tr("*Comments*") + "\n" + tr("not enough answers yet"))]
    lines = [f"• {' '.join(c.split())}" for c in comments[:COMMENTS_SHOWN]]
    if len(comments) > COMMENTS_SHOWN:
        lines.append(tr("…and {n} more.", n=len(comments) - COMMENTS_SHOWN))
    return [Text(tr("*Comments*") + "\n" + "\n".join(lines))]


def _average(tr: Tr, found: Measure) -> str:
    if found.value is None:
        return tr("not enough answers yet")
    value = format_decimal(round(found.value, 1), "0.0", locale=tr.locale)
    return tr.plural("{value} ({n} answer)", "{value} ({n} answers)", found.answers, value=value)


def _measured_share(tr: Tr, found: Measure) -> str:
    if found.value is None:
        return tr("not enough answers yet")
    value = _share(tr, found.value)
    return tr.plural("{value} ({n} answer)", "{value} ({n} answers)", found.answers, value=value)


def _nps(tr: Tr, found: Measure) -> str:
    if found.value is None:
        return tr("not enough answers yet")
    value = format_decimal(round(found.value), "+0;-0", locale=tr.locale)
    return tr.plural("{value} ({n} answer)", "{value} ({n} answers)", found.answers, value=value)


def _share(tr: Tr, share: float | None) -> str:
    return "–" if share is None else str(format_percent(share, locale=tr.locale))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def export(ctx: Ctx, args: list[str]) -> Outcome:
    """Pairs and their sessions as CSV, a row per session and one for a pair with none; no feedback in it."""
    pairs = queries.pairs_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id, *REPORTED)
    meetings: dict[int, list[Meeting | None]] = {known(p.id): [] for p in pairs}
    for m in queries.meetings_of_pairs(ctx.session, list(meetings)):
        meetings[m.pair_id].append(m)
    people = queries.people_by_id(ctx.session, ctx.workspace_id, [i for p in pairs for i in (p.mentor_id, p.mentee_id)])
    rows = [_row(pair, people, m) for pair in pairs for m in (meetings[known(pair.id)] or [None])]
    name = f"pairs-and-sessions-{ctx.now:%Y-%m-%d}.csv"
    outcome = say(
        ctx.tr.plural(
            "{n} pair and its sessions are in the file {name}.",
            "{n} pairs and their sessions are in the file {name}.",
            len(pairs),
            name=name,
        )
        if pairs
        # French reads 0 in the singular ("0 binôme"): none is said in words.
        else ctx.tr("No pair yet: the file {name} holds the columns' names only.", name=name)
    )
    content = csvfile.write(EXPORT_COLUMNS, rows, csvfile.delimiter_for(ctx.tr.locale))
    outcome.files.append(File(name, ctx.tr("Pairs and sessions"), content))
    return outcome


def _row(pair: Pair, people: dict[int, Person], m: Meeting | None) -> list[object]:
    mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
    return [
        pair.id,
        mentor.user_id,
        mentor.display_name,
        mentee.user_id,
        mentee.display_name,
        pair.status.value,
        _utc(pair.confirmed_at),
        _utc(pair.ended_at),
        pair.ended_reason,
        _utc(m.starts_at) if m else None,
        m.minutes if m else None,
        m.format if m else None,
        m.status.value if m else None,
    ]


def _utc(moment: datetime | None) -> str | None:
    """A moment as a spreadsheet sorts it: `2026-12-08 13:30`, in UTC."""
    if moment is None:
        return None
    return f"{(moment.astimezone(UTC) if moment.tzinfo else moment):%Y-%m-%d %H:%M}"
