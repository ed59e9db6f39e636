"""Dependencies point one way: app.py → handlers → bot → storage; the core never sees a platform."""

import ast
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
