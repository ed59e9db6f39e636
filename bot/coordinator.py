"""What coordinators do: configure the programme, announce it, watch enrolment, name other coordinators."""

from collections import Counter
from datetime import date

from bot.context import Ctx
from bot.i18n import LOCALES, translator
from bot.parse import fold, parse_channel, parse_choice, parse_date, parse_mention, parse_time
from bot.replies import say, usage
from bot.topics import DEFAULT_TOPICS, topic_label, topic_names
from bot.ui import Button, Buttons, Fields, Header, Outcome, Reply, Text, message
from storage import queries
from storage.models import Programme

SETTABLE = ("name", "topics", "start", "end", "quiet-hours", "language")
PROGRAM_USAGE = "program | program new NAME | program set KEY VALUE"
MAX_TOPICS = 30


def program(ctx: Ctx, args: list[str]) -> Outcome:
    if not args:
        return show_programme(ctx)
    sub = fold(args[0])
    if sub == "new":
        return new_programme(ctx, " ".join(args[1:]))
    if sub == "set":
        if len(args) < 3:
            return usage(ctx, "program set KEY VALUE", ctx.tr("Keys: {keys}.", keys=", ".join(SETTABLE)))
        return set_programme(ctx, fold(args[1]), " ".join(args[2:]))
    return usage(ctx, PROGRAM_USAGE)


def show_programme(ctx: Ctx) -> Outcome:
    p, tr = ctx.programme, ctx.tr
    return say(
        Header(p.name),
        Fields(
            (
                (tr("Topics"), "\n".join(topic_label(t, tr) for t in p.topics)),
                (tr("Dates"), f"{_day(ctx, p.start_date)} → {_day(ctx, p.end_date)}"),
                (tr("Quiet hours"), f"{p.quiet_start}–{p.quiet_end}"),
                (tr("Language"), p.locale),
            )
        ),
        tr(
            "Change a setting with `/mentoring program set KEY VALUE`; keys: {keys}.",
            keys=", ".join(SETTABLE),
        ),
    )


def new_programme(ctx: Ctx, name: str) -> Outcome:
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        return usage(ctx, "program new NAME", ctx.tr("Give the programme a name of 2 to 120 characters."))
    programme = Programme(
        workspace_id=ctx.workspace_id,
        name=name,
        topics=list(DEFAULT_TOPICS),
        locale=ctx.programme.locale,
        created_at=ctx.now,
    )
    ctx.session.add(programme)
    ctx.session.flush()
    ctx.programme = programme
    return say(
        ctx.tr(
            "Programme *{name}* created; it is now the current programme. Set its dates with "
            "`/mentoring program set start DATE` and `end DATE`.",
            name=name,
        )
    )


def set_programme(ctx: Ctx, key: str, value: str) -> Outcome:
    p, tr = ctx.programme, ctx.tr
    line = "program set KEY VALUE"
    if key == "name":
        name = " ".join(value.split())
        if not 2 <= len(name) <= 120:
            return usage(ctx, line, tr("Give the programme a name of 2 to 120 characters."))
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
        if start and end and end <= start:
            return usage(ctx, line, tr("The end must come after the start."))
        p.start_date, p.end_date = start, end
    elif key == "quiet-hours":
        parts = value.replace("–", "-").split("-")
        times = [parse_time(part) for part in parts] if len(parts) == 2 else []
        if len(times) != 2 or None in times or times[0] == times[1]:
            return usage(ctx, line, tr("Quiet hours go from one time to another, for example 18:00-09:00."))
        p.quiet_start, p.quiet_end = (f"{t:%H:%M}" for t in times if t)
    elif key == "language":
        if fold(value) not in LOCALES:
            return usage(ctx, line, tr("The language is en or fr."))
        p.locale = fold(value)
    else:
        return usage(ctx, line, tr("Unknown key “{key}”. Keys: {keys}.", key=key[:30], keys=", ".join(SETTABLE)))
    return show_programme(ctx)


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


def announce(ctx: Ctx, args: list[str]) -> Outcome:
    channel = parse_channel(args[0]) if len(args) == 1 else None
    if channel is None:
        return usage(ctx, "announce #channel", ctx.tr("Name one channel, as #channel."))
    tr = translator(ctx.programme.locale)  # a channel post speaks the programme's language
    topics = "\n".join(f"• {topic_label(t, tr)}" for t in ctx.programme.topics)
    post = message(
        Header(ctx.programme.name),
        Text(
            tr(
                "*Join our reverse-mentoring programme!* Early-career colleagues share what they master with "
                "senior managers, one hour a month. Mentors teach, mentees learn, both discover a new point of "
                "view. It is voluntary, and you can pause or leave at any time."
            )
        ),
        Text(tr("*Topics*\n{topics}", topics=topics)),
        Buttons((Button(tr("Join"), "join", style="primary"),)),
    )
    posted = message(Text(ctx.tr("Posted the call for volunteers in <#{channel}>.", channel=channel)))
    failed = message(
        Text(
            ctx.tr(
                "I could not post in <#{channel}>. Invite me there first (`/invite @Passerelle` in the channel), "
                "then try again.",
                channel=channel,
            )
        )
    )
    return Outcome([Reply(post, to="channel", channel=channel, posted=posted, failed=failed)])


def volunteers(ctx: Ctx, args: list[str]) -> Outcome:
    tr = ctx.tr
    assert ctx.programme.id is not None
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme.id)
    by_role = Counter(e.role or "undecided" for e in enrollments if e.status != "left")
    by_status = Counter(e.status for e in enrollments)
    wanted, offered = Counter[str](), Counter[str]()
    for e in enrollments:
        if e.status in ("ready", "matched", "paused"):
            (offered if e.role == "mentor" else wanted).update(e.answers.get("topics", []))
    role_names = {"mentor": tr("Mentors"), "mentee": tr("Mentees"), "undecided": tr("Role not chosen yet")}
    status_names = {
        "onboarding": tr("Onboarding"),
        "ready": tr("Ready"),
        "matched": tr("Matched"),
        "paused": tr("On pause"),
        "left": tr("Left"),
    }
    topic_lines = "\n".join(
        tr(
            "{topic}: {mentors} mentors, {mentees} mentees",
            topic=topic_label(t, tr),
            mentors=offered[t],
            mentees=wanted[t],
        )
        for t in ctx.programme.topics
    )
    return say(
        Header(tr("Volunteers of {programme}", programme=ctx.programme.name)),
        Fields(
            tuple((role_names[r], str(by_role[r])) for r in ("mentor", "mentee", "undecided") if by_role[r])
            + tuple((status_names.get(s, s), str(n)) for s, n in sorted(by_status.items()))
            or ((tr("Volunteers"), "0"),)
        ),
        Text(tr("*Topics (ready volunteers)*\n{lines}", lines=topic_lines)),
    )


def coordinators(ctx: Ctx, args: list[str]) -> Outcome:
    line = "coordinators add|remove @person"
    if not args:
        names = ", ".join(f"<@{p.user_id}>" for p in queries.coordinators(ctx.session, ctx.workspace_id))
        return say(ctx.tr("Coordinators: {names}", names=names or "—"))
    verb = fold(args[0])
    who = parse_mention(args[1]) if len(args) == 2 else None
    if verb not in ("add", "remove", "ajouter", "retirer") or who is None:
        return usage(ctx, line, ctx.tr("Mention the person with @."))
    person = queries.get_or_add_person(ctx.session, ctx.workspace_id, who, ctx.now)
    if verb in ("add", "ajouter"):
        person.is_coordinator = True
        return say(ctx.tr("<@{user}> is now a coordinator.", user=who), refresh_home=True)
    if who in ctx.founders:
        return say(
            ctx.tr(
                "<@{user}> is named in PASSERELLE_COORDINATORS and stays a coordinator until the setting changes.",
                user=who,
            )
        )
    if person.id == ctx.person.id and len(queries.coordinators(ctx.session, ctx.workspace_id)) <= 1:
        return say(ctx.tr("You are the last coordinator; name another one before you step down."))
    person.is_coordinator = False
    return say(ctx.tr("<@{user}> is no longer a coordinator.", user=who), refresh_home=True)


def _day(ctx: Ctx, day: date | None) -> str:
    return day.isoformat() if day else ctx.tr("not set")
