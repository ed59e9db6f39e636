"""Slack's text into the core's markup and back: mentions, channels and escaped characters survive the round trip."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parse import parse_channel, parse_mention
from bot.ui import CONTROL, channel_ref, mention
from handlers.slack.mrkdwn import to_mrkdwn
from handlers.slack.translate import to_neutral_text

user_ids = st.from_regex(r"[UW][A-Z0-9]{8,10}", fullmatch=True)
channel_ids = st.from_regex(r"[CG][A-Z0-9]{8,10}", fullmatch=True)
labels = st.text(st.characters(blacklist_characters="<>|", blacklist_categories=("Cs",)), max_size=20)
# What people type around mentions; no capitals, so no word of it looks like a Slack id typed by hand.
typed = st.text(st.characters(blacklist_characters="⟦⟧", blacklist_categories=("Lu", "Lt", "Cs")), max_size=40)


def escaped(text: str) -> str:
    """As Slack sends what a person typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def slack_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A text as Slack sends it, and as Slack should receive it back (labels dropped: Slack shows names itself)."""
    sent, expected = [], []
    for _ in range(draw(st.integers(0, 5))):
        words = draw(typed)
        sent.append(escaped(words))
        expected.append(escaped(CONTROL.sub("", words)))  # control characters no keyboard types are dropped
        kind, ref = draw(st.sampled_from(["@", "#"])), draw(user_ids | channel_ids)
        label = draw(st.none() | labels)
        sent.append(f"<{kind}{ref}|{escaped(label)}>" if label is not None else f"<{kind}{ref}>")
        expected.append(f"<{kind}{ref}>")
    return "".join(sent), "".join(expected)


@given(slack_texts())
def test_what_slack_sends_comes_back_to_slack_with_the_same_mentions_and_characters(text: tuple[str, str]) -> None:
    sent, expected = text
    assert to_mrkdwn(to_neutral_text(sent)) == expected


@given(user_ids, labels, channel_ids)
def test_a_slack_mention_or_channel_is_read_by_the_core_with_its_id(user: str, label: str, channel: str) -> None:
    assert parse_mention(to_neutral_text(f"<@{user}|{escaped(label)}>")) == user
    assert parse_mention(to_neutral_text(f" <@{user}> ")) == user
    assert parse_channel(to_neutral_text(f"<#{channel}|{escaped(label)}>")) == channel


@given(st.text(max_size=200))
def test_any_text_slack_sends_becomes_text_the_core_can_hold(text: str) -> None:
    neutral = to_neutral_text(text)
    assert to_mrkdwn(neutral).count("<") == neutral.count("⟦")  # only mentions and channels open a tag


@pytest.mark.parametrize(
    ("sent", "neutral"),
    [
        ("pair <@U1|ana> <@U2>", f"pair {mention('U1', 'ana')} {mention('U2')}"),
        ("announce <#C123|general>", f"announce {channel_ref('C123', 'general')}"),
        ("announce <#C123>", f"announce {channel_ref('C123')}"),
        ("coordinators add @U123ABC", f"coordinators add {mention('U123ABC')}"),
        ("announce #C123ABC", f"announce {channel_ref('C123ABC')}"),
        ("R&amp;D &lt;b&gt; &amp;lt;", "R&D <b> &lt;"),
        ("<!here> see <https://example.com|example.com>", "@here see example.com"),
        ("<!subteam^S0TEAM|@mentors> <mailto:a@b.fr|a@b.fr> <https://x.fr>", "@mentors a@b.fr https://x.fr"),
        ("⟦@U0BOSS01|boss⟧", "[@U0BOSS01|boss]"),
        ("@UNICEF helps", "@UNICEF helps"),  # not an id: ids typed by hand have Slack's shape
    ],
)
def test_slacks_formats_in_the_neutral_markup(sent: str, neutral: str) -> None:
    assert to_neutral_text(sent) == neutral
