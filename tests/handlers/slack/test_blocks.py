"""Every element of the neutral vocabulary becomes valid Block Kit, within Slack's limits."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.ui import (
    Button,
    Buttons,
    Choice,
    DateInput,
    Fields,
    Form,
    Header,
    Link,
    Links,
    Option,
    PersonChoice,
    Text,
    TextInput,
    channel_ref,
    mention,
    message,
)
from handlers.slack.blocks import build_blocks, build_home, build_messages, build_modal
from handlers.slack.mrkdwn import split_text, to_mrkdwn
from tests.doubles.schemas import block_problems, view_problems

options = tuple(Option(f"v{i}", f"Option {i}") for i in range(12))
EVERYTHING = message(
    Header("A header"),
    Text("Some *mrkdwn*"),
    Fields((("Role", "Mentor"), ("Site", "Lyon"))),
    Buttons((Button("Yes", "onb.consent", "yes", style="primary"), Button("No", "onb.consent", "no"))),
    Choice("pick.one", options[:3], label="One", placeholder="Choose"),
    Choice("pick.few", options[:4], multiple=True, selected=("v1",), label="Few"),
    Choice("pick.many", options, multiple=True, selected=("v1", "v11"), label="Many"),
    PersonChoice("who", label="Manager", placeholder="Choose a person"),
    TextInput("words", "Words", placeholder="Type"),
    DateInput("when", "When", initial=date(2027, 1, 15)),
)


def test_every_element_renders_to_valid_blocks_in_a_message() -> None:
    blocks = build_blocks(EVERYTHING)
    assert block_problems(blocks) == []
    kinds = [
        b.get("elements", [b.get("accessory", b.get("element", {}))])[0].get("type")
        for b in blocks
        if b["type"] in ("actions", "section", "input") and ("elements" in b or "accessory" in b or "element" in b)
    ]
    assert kinds == [
        "button",
        "static_select",
        "checkboxes",
        "multi_static_select",
        "users_select",
        "plain_text_input",
        "datepicker",
    ]
    assert all(b.get("dispatch_action") for b in blocks if b["type"] == "input")  # inputs in a message send


def test_a_form_becomes_a_valid_modal_and_a_message_a_valid_home() -> None:
    form = Form("pause", "Take a break that is far too long a title", EVERYTHING.blocks, "Pause", "Cancel")
    modal = build_modal(form)
    assert view_problems(modal) == []
    assert len(modal["title"]["text"]) <= 24 and modal["callback_id"] == "form:pause"
    assert view_problems(build_home(EVERYTHING)) == []


def test_buttons_of_one_block_get_distinct_action_ids() -> None:
    [block] = build_blocks(message(Buttons(tuple(Button(str(i), "onb.role", str(i)) for i in range(5)))))
    ids = [e["action_id"] for e in block["elements"]]
    assert len(set(ids)) == 5 and {i.split("#")[0] for i in ids} == {"onb.role"}


@given(st.text(min_size=1, max_size=9000), st.integers(0, 30), st.text(min_size=1, max_size=200))
def test_long_texts_and_many_fields_are_split_or_cut_to_slacks_limits(text: str, fields: int, label: str) -> None:
    msg = message(
        Header(text),
        Text(text),
        Fields(tuple((label, text[:2500]) for _ in range(fields))),
        Buttons((Button(label, "a", label),)),
        Choice("c", (Option("x" * 200, label),), label=label),
    )
    assert block_problems(build_blocks(msg)) == []


def test_mentions_become_slacks_and_everything_else_is_escaped_first() -> None:
    text = f"{mention('U0ANA001', 'Ana <3')} & {channel_ref('C0NEWS01', 'news')}: *<b>bold</b>* _it_"
    assert to_mrkdwn(text) == "<@U0ANA001> &amp; <#C0NEWS01>: *&lt;b&gt;bold&lt;/b&gt;* _it_"
    [header, button] = build_blocks(message(Header(text), Buttons((Button(text, "a"),))))
    assert header["text"]["text"] == "@Ana <3 & #news: *<b>bold</b>* _it_"  # plain text shows no mention
    assert button["elements"][0]["text"]["text"].startswith("@Ana <3")


def test_a_code_block_cut_in_two_is_closed_and_opened_again() -> None:
    lines = "\n".join(f"line {n} " + "x" * 60 for n in range(150))
    pieces = split_text(f"Here:\n```{lines}```")
    assert len(pieces) > 2 and all(len(p) <= 3000 for p in pieces)
    assert all(p.count("```") == 2 for p in pieces[1:]) and pieces[0].count("```") == 2
    assert all(p.startswith("```") for p in pieces[1:]) and all(p.endswith("\n```") for p in pieces[:-1])
    # Without the fences the cut added, the pieces are the text again.
    middle = "".join(p.removeprefix("```").removesuffix("```") for p in pieces[1:-1])
    assert pieces[0].removesuffix("```") + middle + pieces[-1].removeprefix("```") == f"Here:\n```{lines}```"


@given(st.text(alphabet="ab &<>\n`", max_size=9000))
def test_long_texts_are_split_within_the_limit_without_cutting_an_escape(text: str) -> None:
    pieces = split_text(to_mrkdwn(text))
    assert all(len(p) <= 3000 for p in pieces)
    for piece in pieces:
        for start in [i for i, c in enumerate(piece) if c == "&"]:
            assert piece[start:].startswith(("&amp;", "&lt;", "&gt;"))


def test_more_than_fifty_blocks_make_several_messages_each_with_its_own_notification_text() -> None:
    texts = [Text(f"Paragraph {n}") for n in range(120)]
    messages = build_messages(message(Header("Long"), *texts))
    assert [len(blocks) for _, blocks in messages] == [50, 50, 21]
    assert [text for text, _ in messages] == ["Long", "Paragraph 49", "Paragraph 99"]
    assert all(block_problems(blocks) == [] for _, blocks in messages)


def test_each_link_is_a_section_of_its_own_and_none_is_cut_however_long_the_others() -> None:
    links = tuple(
        Link(f"Add to calendar {i}", f"https://calendar.example/{i}?body=" + "%C3%A9" * 320) for i in range(3)
    )
    blocks = build_blocks(message(Text("Booked"), Links(links)))
    assert block_problems(blocks) == []
    shown = [b["text"]["text"] for b in blocks[1:]]
    assert shown == [f"<{link.url}|{link.label}>" for link in links]  # each whole, in its own block
