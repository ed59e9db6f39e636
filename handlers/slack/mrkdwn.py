"""The core's text as Slack writes it: mrkdwn escaped, mentions as `<@U123>`, long texts cut or split."""

from bot.ui import MARKUP

SECTION_TEXT = 3000  # Slack's limit for a section's text
FENCE = "```"


def to_mrkdwn(text: str) -> str:
    """Neutral text as Slack mrkdwn: `&`, `<`, `>` escaped first (so what people typed shows as typed), then the
    core's mentions and channels written as Slack's `<@U123>` and `<#C123>`."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKUP.sub(lambda m: f"<{m.group(1)}{m.group(2)}>", escaped)


def to_plain(text: str) -> str:
    """Neutral text for Slack's plain_text, which shows no mentions: `@name`, `#name`."""
    return MARKUP.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), text)


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Rendered mrkdwn in pieces of at most `limit`, cut at line breaks; a ``` block cut in two is closed at the
    end of one piece and opened again at the start of the next, so both still show as code."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in _lines(text, limit - 2 * len(FENCE)):
        candidate = current + line
        if current and len(candidate) + (len(FENCE) if _open(candidate) else 0) > limit:
            if _open(current):
                pieces.append(current + FENCE)
                current = FENCE + line
            else:
                pieces.append(current)
                current = line
        else:
            current = candidate
    return [*pieces, current]


def _lines(text: str, limit: int) -> list[str]:
    """The text's lines with their line breaks; a line longer than `limit` in several parts."""
    found: list[str] = []
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            end = _safe_end(line, limit)
            space = line.rfind(" ", limit // 2, end)
            end = space + 1 if space > 0 else end
            found.append(line[:end])
            line = line[end:]
        found.append(line)
    return found


def _open(text: str) -> bool:
    """Whether the text ends inside a ``` block."""
    return text.count(FENCE) % 2 == 1


def _safe_end(text: str, end: int) -> int:
    """`end`, or a little before it so as not to cut `&amp;` or `<@U123>` in two."""
    amp = text.rfind("&", max(0, end - 4), end)
    if amp > 0 and ";" not in text[amp:end]:
        end = amp
    angle = text.rfind("<", 0, end)
    if angle > 0 and ">" not in text[angle:end]:
        end = angle
    return end


def cut(text: str, limit: int) -> str:
    """The text within `limit`, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: _safe_end(text, limit - 1)] + "…"
