"""What coordinators do besides configuring the programme: announce it, watch enrolment, name coordinators."""

from collections import Counter

from bot.context import Ctx
from bot.i18n import translator
from bot.parse import fold, parse_channel, parse_mention
from bot.replies import say, usage
from bot.topics import topic_label
from bot.ui import Button, Buttons, Fields, Header, Outcome, Reply, Text, message
from storage import queries


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
    enrollments = queries.enrollments_of_programme(ctx.session, ctx.workspace_id, ctx.programme_id)
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
            "{topic}: mentors {mentors}, mentees {mentees}",
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
    if person.id == ctx.person_id and len(queries.coordinators(ctx.session, ctx.workspace_id)) <= 1:
        return say(ctx.tr("You are the last coordinator; name another one before you step down."))
    person.is_coordinator = False
    return say(ctx.tr("<@{user}> is no longer a coordinator.", user=who), refresh_home=True)
