"""`announce #channel`: the call for volunteers, posted in a channel with a *Join* button; where the bot posts in
no channel, handed to the coordinator to pass on."""

from bot.context import Ctx
from bot.i18n import Tr, translator
from bot.parse import parse_channel
from bot.programme.rhythm import rhythm
from bot.recipients import WITHOUT_CHANNELS, ToChannel
from bot.replies import usage
from bot.topics import topic_label
from bot.ui import Button, Buttons, Header, Outcome, Reply, Text, channel_ref, message


def announce(ctx: Ctx, args: list[str]) -> Outcome:
    if ctx.workspace.platform in WITHOUT_CHANNELS:
        return _to_pass_on(ctx)
    channel = parse_channel(args[0]) if len(args) == 1 else None
    if channel is None:
        return usage(ctx, "announce #channel", ctx.tr("Name one channel, as #channel."))
    tr = translator(ctx.programme.locale)  # a channel post speaks the programme's language
    post = message(*_call(ctx, tr), Buttons((Button(tr("Join"), "join", style="primary"),)))
    key = f"announce:programme:{ctx.programme_id}:channel:{channel}:{ctx.now:%Y-%m-%dT%H:%M}"
    queued = ctx.tr(
        "The call for volunteers is on its way to {channel}. If I cannot post there, I will tell you why.",
        channel=channel_ref(channel),
    )
    return Outcome([Reply(message(Text(queued))), Reply(post, to=ToChannel(channel), key=key)])


def _call(ctx: Ctx, tr: Tr) -> tuple[Header, Text, Text]:
    topics = "\n".join(f"• {topic_label(t, tr)}" for t in ctx.programme.topics)
    return (
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
    )


def _to_pass_on(ctx: Ctx) -> Outcome:
    """Where the bot posts in no channel, the call comes to the coordinator, in the programme's language, with
    how colleagues join instead of a button, to copy into a channel post or an e-mail."""
    tr = translator(ctx.programme.locale)
    said = ctx.tr(
        "I post in no channel here: below is the call for volunteers, to copy into a channel post or an e-mail."
    )
    joining = Text(tr("To join, open *Passerelle* among your apps and say hello: it asks a few questions."))
    return Outcome([Reply(message(Text(said))), Reply(message(*_call(ctx, tr), joining))])
