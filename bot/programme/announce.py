"""`announce #channel`: the call for volunteers, posted in a channel with a *Join* button."""

from bot.context import Ctx
from bot.i18n import translator
from bot.parse import parse_channel
from bot.programme.rhythm import rhythm
from bot.recipients import ToChannel
from bot.replies import usage
from bot.topics import topic_label
from bot.ui import Button, Buttons, Header, Outcome, Reply, Text, channel_ref, message


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
                "senior managers, {rhythm}. Mentors teach, mentees learn, both discover a new point of "
                "view. It is voluntary, and you can pause or leave at any time.",
                rhythm=rhythm(tr, ctx.programme),
            )
        ),
        Text(tr("*Topics*\n{topics}", topics=topics)),
        Buttons((Button(tr("Join"), "join", style="primary"),)),
    )
    key = f"announce:programme:{ctx.programme_id}:channel:{channel}:{ctx.now:%Y-%m-%dT%H:%M}"
    queued = ctx.tr(
        "The call for volunteers is on its way to {channel}. If I cannot post there, I will tell you why.",
        channel=channel_ref(channel),
    )
    return Outcome([Reply(message(Text(queued))), Reply(post, to=ToChannel(channel), key=key)])
