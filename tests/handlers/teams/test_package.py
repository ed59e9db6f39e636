"""`python app.py teams-package` builds a Teams app package that Microsoft's own schemas accept, for this bot."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy
import pytest
from jsonschema import Draft7Validator
from PIL import Image

import server
from bot.guards import Guard
from bot.i18n import translator
from bot.routes import COMMANDS
from handlers.teams import package
from settings import Settings
from tests.bot.test_french import typeset
from tests.doubles.schemas import SCHEMAS
from tests.processes import ROOT, clean_env

APP_ID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
PUBLIC_URL = "https://mentoring.example.org:8443/passerelle"
SPECS = SCHEMAS / "teams-app-manifest" / "v1.19"
COMMANDS_KEY = "bots[0].commandLists[0].commands[{}].{}"


def validator(name: str) -> Draft7Validator:
    # The files say draft-04, whose validator ignores `const` (manifestVersion): Draft 7 reads them as meant.
    return Draft7Validator(json.loads((SPECS / name).read_text()))


MANIFEST_SCHEMA = validator("MicrosoftTeams.schema.json")
LOCALIZATION_SCHEMA = validator("MicrosoftTeams.Localization.schema.json")


def errors(schema: Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in schema.iter_errors(document)]


def without_our_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's settings of ours (in any of the accepted spellings) are not the test's."""
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFT", "PASSERELLE_", "SLACK_", "DATABASE_")):
            monkeypatch.delenv(name)


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder, empty but for a `.env` naming the bot's app id and public address."""
    without_our_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"MICROSOFT_APP_ID={APP_ID}\nPASSERELLE_PUBLIC_URL={PUBLIC_URL}\n")
    return tmp_path


def read_settings() -> Settings:
    """As `python app.py teams-package` reads them: a package needs no password."""
    return server.read_settings(complete=False)


def built(folder: Path) -> dict[str, bytes]:
    """The package the command writes in `folder`, by file name."""
    assert package.main(["--out", str(folder / "teams.zip")], read_settings) == 0
    with zipfile.ZipFile(folder / "teams.zip") as written:
        return {name: written.read(name) for name in written.namelist()}


def test_the_built_manifest_is_valid_and_names_this_bot(configured: Path) -> None:
    manifest = json.loads(built(configured)["manifest.json"])
    assert errors(MANIFEST_SCHEMA, manifest) == []
    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["mentoring.example.org"]
    # The bot works in its 1:1 chats, and sends no file (a report comes as a card with a link).
    assert manifest["bots"][0]["scopes"] == ["personal"]
    assert "supportsFiles" not in manifest["bots"][0] and "webApplicationInfo" not in manifest


def test_the_package_holds_exactly_the_manifest_its_french_and_the_two_icons_at_its_root(configured: Path) -> None:
    files = built(configured)
    assert sorted(files) == ["color.png", "fr.json", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    named = [manifest["icons"]["color"], manifest["icons"]["outline"]]
    named += [language["file"] for language in manifest["localizationInfo"]["additionalLanguages"]]
    assert sorted([*named, "manifest.json"]) == sorted(files)
    assert b"${{" not in files["manifest.json"]  # every placeholder was filled


def test_the_french_texts_are_valid_and_say_what_the_manifest_says(configured: Path) -> None:
    files = built(configured)
    manifest, french = json.loads(files["manifest.json"]), json.loads(files["fr.json"])
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "en"
    assert manifest["localizationInfo"]["additionalLanguages"] == [{"languageTag": "fr", "file": "fr.json"}]
    assert errors(LOCALIZATION_SCHEMA, french) == []
    assert french["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.Localization.schema.json")
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    translated = {f"{part}.{size}" for part in ("name", "description") for size in ("short", "full")}
    translated |= {COMMANDS_KEY.format(i, key) for i in range(len(commands)) for key in ("title", "description")}
    assert set(french) - {"$schema"} == translated
    tr = translator("fr")
    for i, command in enumerate(commands):
        # The words typed are the same in French (the bot's French help shows them so); what they do is translated.
        assert french[COMMANDS_KEY.format(i, "title")] == command["title"]
        assert french[COMMANDS_KEY.format(i, "description")] == tr(COMMANDS[command["title"]].summary)
    assert all(text == typeset(text) for key, text in french.items() if key != "$schema")


def test_the_listed_commands_are_everyones_commands_with_the_words_of_the_help() -> None:
    manifest = json.loads((package.SOURCES / "manifest.json").read_text())
    lists = manifest["bots"][0]["commandLists"]
    assert [entry["scopes"] for entry in lists] == [["personal"]]
    limits = MANIFEST_SCHEMA.schema["properties"]["bots"]["items"]["properties"]["commandLists"]["items"]
    listed = limits["properties"]["commands"]
    assert len(lists[0]["commands"]) == listed["maxItems"] == 10
    for command in lists[0]["commands"]:
        bots = COMMANDS[command["title"]]  # a real command of the bot, by its name
        assert bots.guard is Guard.ANYONE
        assert command["description"] == bots.summary
        assert len(command["title"]) <= listed["items"]["properties"]["title"]["maxLength"]
        assert len(command["description"]) <= listed["items"]["properties"]["description"]["maxLength"]
    assert lists[0]["commands"][0]["title"] == "help"  # which lists every other, the coordinators' included


def test_the_icons_are_the_sizes_teams_asks_and_the_outline_is_white_on_transparent(configured: Path) -> None:
    files = built(configured)
    assert Image.open(io.BytesIO(files["color.png"])).size == (192, 192)
    outline = Image.open(io.BytesIO(files["outline.png"]))
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = numpy.asarray(outline)
    seen = pixels[pixels[..., 3] > 0]
    assert len(seen) and (seen[:, :3] == 255).all()  # white, more or less opaque, and no other colour
    assert (pixels[..., 3] == 0).mean() > 0.5  # the background is transparent


@pytest.mark.parametrize(
    ("planted", "why"),
    [
        ({"manifestVersion": "1.18"}, "'1.19' was expected"),
        ({"id": "not-a-guid"}, "does not match"),
        ({"accentColor": "navy"}, "does not match"),
        ({"bots": [{"botId": APP_ID, "scopes": ["personal"], "supportsPigeons": True}]}, "Additional properties"),
    ],
)
def test_a_planted_fault_fails_the_validation(configured: Path, planted: dict[str, Any], why: str) -> None:
    manifest = json.loads(built(configured)["manifest.json"]) | planted
    assert any(why in error for error in errors(MANIFEST_SCHEMA, manifest))


def test_a_command_title_too_long_fails_the_validation(configured: Path) -> None:
    manifest = json.loads(built(configured)["manifest.json"])
    manifest["bots"][0]["commandLists"][0]["commands"][0]["title"] = "h" * 33
    french = json.loads(built(configured)["fr.json"]) | {COMMANDS_KEY.format(0, "title"): "h" * 33}
    assert any("is too long" in error for error in errors(MANIFEST_SCHEMA, manifest))
    assert any("is too long" in error for error in errors(LOCALIZATION_SCHEMA, french))


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"PASSERELLE_PUBLIC_URL": PUBLIC_URL}, "passerelle: MICROSOFT_APP_ID is not set"),
        ({"MICROSOFT_APP_ID": "", "PASSERELLE_PUBLIC_URL": PUBLIC_URL}, "passerelle: MICROSOFT_APP_ID is not set"),
        (
            {"MICROSOFT_APP_ID": "my-bot", "PASSERELLE_PUBLIC_URL": PUBLIC_URL},
            "passerelle: MICROSOFT_APP_ID (given: 'my-bot') is not a GUID",
        ),
        ({"MICROSOFT_APP_ID": APP_ID}, "passerelle: PASSERELLE_PUBLIC_URL is not set"),
        (
            {"MICROSOFT_APP_ID": APP_ID, "PASSERELLE_PUBLIC_URL": "http://mentoring.example.org"},
            "passerelle: PASSERELLE_PUBLIC_URL (given: 'http://mentoring.example.org') is not https://",
        ),
        (
            {"MICROSOFT_APP_ID": APP_ID, "PASSERELLE_PUBLIC_URL": "https:///passerelle"},
            "passerelle: PASSERELLE_PUBLIC_URL (given: 'https:///passerelle') names no host",
        ),
    ],
)
def test_settings_it_cannot_build_from_are_one_line_each_exit_2_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], line: str
) -> None:
    without_our_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert package.main([], read_settings) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.startswith(line) and said.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_both_refusals_are_told_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_our_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert package.main([], read_settings) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" is ")[0] for line in lines] == [
        "passerelle: MICROSOFT_APP_ID",
        "passerelle: PASSERELLE_PUBLIC_URL",
    ]


def test_an_out_that_cannot_be_written_is_one_line_and_exit_2(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert package.main(["--out", str(configured / "missing" / "teams.zip")], read_settings) == 2
    assert (
        capsys.readouterr().err
        == f"passerelle: cannot write {configured / 'missing' / 'teams.zip'}: No such file or directory\n"
    )


def test_an_unknown_argument_exits_2(configured: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        package.main(["--verbose"], read_settings)
    assert exited.value.code == 2
    assert sorted(p.name for p in configured.iterdir()) == [".env"]


def teams_package(folder: Path, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    theirs = {k: v for k, v in clean_env().items() if not k.upper().startswith("MICROSOFT")}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "teams-package", *arguments],
        capture_output=True,
        text=True,
        cwd=folder,
        env=theirs | env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_python_app_py_teams_package_writes_a_valid_package_from_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"MICROSOFT_APP_ID={APP_ID}\n")
    done = teams_package(tmp_path, PASSERELLE_PUBLIC_URL="https://bot.example.org")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"wrote the Teams app package {tmp_path / package.DEFAULT_OUT}: ")
    with zipfile.ZipFile(tmp_path / package.DEFAULT_OUT) as written:
        manifest, french = json.loads(written.read("manifest.json")), json.loads(written.read("fr.json"))
    assert errors(MANIFEST_SCHEMA, manifest) == [] and errors(LOCALIZATION_SCHEMA, french) == []
    assert manifest["bots"][0]["botId"] == APP_ID and manifest["validDomains"] == ["bot.example.org"]


def test_python_app_py_teams_package_with_an_empty_app_id_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MICROSOFT_APP_ID=\nPASSERELLE_PUBLIC_URL=https://bot.example.org\n")
    done = teams_package(tmp_path, "--out", "teams.zip")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("passerelle: MICROSOFT_APP_ID is not set: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


def test_the_builder_imports_nothing_of_the_server() -> None:
    """Building a package needs no web server, no Slack and no Bot Framework: none of them is imported for it."""
    looked_for = ("aiohttp", "slack_bolt", "slack_sdk", "botbuilder", "botframework", "sqlalchemy", "apscheduler")
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, handlers.teams.package; print(set(sys.modules) & set({looked_for}))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "set()")
