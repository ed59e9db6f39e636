"""Dependencies point one way: app.py → handlers → bot → storage; the core never sees a platform."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")


def imports(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("folder", ["bot", "storage"])
def test_the_core_and_storage_import_no_platform_or_web_package(folder: str) -> None:
    assert [(f, m) for f, m in imports(folder) if top(m) in PLATFORM] == []


def test_storage_does_not_depend_on_the_core() -> None:
    assert [(f, m) for f, m in imports("storage") if top(m) in ("bot", "handlers", "app")] == []


def test_the_core_does_not_depend_on_channels_or_the_composition_root() -> None:
    assert [(f, m) for f, m in imports("bot") if top(m) in ("handlers", "app")] == []


def test_channels_do_not_depend_on_each_other() -> None:
    crossing = [
        (f, m) for f, m in imports("handlers") if m.startswith("handlers.") and m.split(".")[1] != Path(f).parts[1]
    ]
    assert crossing == []


def test_the_console_channel_imports_no_platform_package() -> None:
    assert [(f, m) for f, m in imports("handlers/console") if top(m) in PLATFORM] == []


# What only a platform writes: Slack's mentions, channels, special mentions and links, Teams' mentions, Slack's
# slash command, Slack ids used as a format (they hold a digit; an all-caps word does not), Slack's text limits.
PLATFORM_TEXT = re.compile(
    r"<[@#]|<![a-z]|<https?:|</?at>|/mentoring\b"
    r"|\b[UWCGD](?=[A-Z0-9]*[0-9])[A-Z0-9]{8,}\b"
    r"|\b(?:3[ ,.]?000|2[ ,.]?800)\b"
)
PLATFORM_LIMITS = (3000, 2800)  # Slack's characters per text block, and the margin once kept under it


def platform_formats(source: str) -> list[tuple[int, str]]:
    """Every string literal (f-strings' parts too) and number of the Python source that is a platform's format.

    Docstrings document and are never shown, so they may name a platform's format."""
    tree = ast.parse(source)
    documentation = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in documentation:
            continue
        if isinstance(node.value, str):
            found += [(node.lineno, m.group(0)) for m in PLATFORM_TEXT.finditer(node.value)]
        elif isinstance(node.value, int) and node.value in PLATFORM_LIMITS:
            found.append((node.lineno, str(node.value)))
    return found


def catalogue_formats(po: str) -> list[tuple[int, str]]:
    """The same in a gettext catalogue, whose comments are not texts."""
    return [
        (number, m.group(0))
        for number, line in enumerate(po.splitlines(), start=1)
        if not line.startswith("#")
        for m in PLATFORM_TEXT.finditer(line)
    ]


def test_the_core_writes_no_platforms_markup_id_format_command_or_limit() -> None:
    found = [
        (str(path.relative_to(ROOT)), line, what)
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line, what in platform_formats(path.read_text())
    ]
    assert found == []


def test_the_french_texts_hold_no_platforms_markup_or_command() -> None:
    for po in (ROOT / "bot" / "locales").rglob("*.po"):
        assert catalogue_formats(po.read_text()) == [], po


@pytest.mark.parametrize(
    ("planted", "found"),
    [
        ('tr("<@{user}> is now a coordinator.", user=who)', "<@"),
        ('f"• <@{person.user_id}> → {other}"', "<@"),
        ('f"Share it in <#{channel}>."', "<#"),
        ('text = "<!here> the programme starts"', "<!h"),
        ('link = f"<https://example.com|{label}>"', "<https:"),
        ('card = f"<at>{name}</at> joined"', "<at>"),
        ('say("Usage: `/mentoring {usage}`")', "/mentoring"),
        ('FOUNDER = "U0123ABCD9"', "U0123ABCD9"),
        ("CHUNK = 2800", "2800"),
        ("chunks = [text[i : i + 3000] for i in range(0, len(text), 3000)]", "3000"),
        ('hint = "at most 3,000 characters"', "3,000"),
    ],
)
def test_the_scan_finds_a_platforms_format_planted_in_the_core(planted: str, found: str) -> None:
    assert found in [what for _, what in platform_formats(planted)]


def test_the_scan_lets_the_cores_own_markup_words_and_documentation_pass() -> None:
    clean = '''
def coordinators(ctx):
    """`coordinators add|remove @person`, as `/mentoring coordinators` on Slack."""
    return tr("{user} is now a coordinator.", user=mention(person.user_id, "ana"))
CONFIRMATION = "CONFIRMATIONS are PASSERELLE_COORDINATORS"
PAGE = 10
DIGITS = re.compile(r"(?<![0-9.])[0-9]{1,6}")
'''
    assert platform_formats(clean) == []


def test_the_scan_finds_a_platforms_format_in_a_catalogue() -> None:
    po = '#: bot/x.py:3 <@ in a comment is fine\nmsgid "<@{user}> left"\nmsgstr "Tapez `/mentoring help`"\n'
    assert catalogue_formats(po) == [(2, "<@"), (3, "/mentoring")]


# The benchmark's baseline is a bare botbuilder bot, the SDK itself: a move to the successor replaces it too.
BARE_TEAMS = "bench/bare_teams.py"


def test_every_bot_framework_import_stays_in_the_teams_channel() -> None:
    """Microsoft has ended the Bot Framework Python SDK's support: a move to its successor touches one folder."""
    outside = [
        (f, m)
        for folder in ("app.py", "server.py", "settings.py", "bot", "storage", "handlers", "bench")
        for f, m in (imports(folder) if (ROOT / folder).is_dir() else _file_imports(folder))
        if top(m) in ("botbuilder", "botframework") and not f.startswith("handlers/teams/") and f != BARE_TEAMS
    ]
    assert outside == []


def _file_imports(name: str) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse((ROOT / name).read_text())):
        if isinstance(node, ast.Import):
            found += [(name, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((name, node.module))
    return found
