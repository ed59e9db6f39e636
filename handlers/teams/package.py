"""The Teams app package: `python app.py teams-package [--out FILE]` zips `teams/` with this bot's app id and host.

Teams takes an app as one zip holding manifest.json, its localization files and its two icons at the zip's root.
Nothing of the server is imported here (no botbuilder, no aiohttp, no database): building the package is quick.
"""

import argparse
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from settings import Settings

SOURCES = Path(__file__).resolve().parents[2] / "teams"
FILES = ("manifest.json", "fr.json", "color.png", "outline.png")
DEFAULT_OUT = "passerelle-teams.zip"
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# A fixed date for every entry: the same settings give the same zip, byte for byte.
ENTRY_DATE = (1980, 1, 1, 0, 0, 0)


def refusals(settings: Settings) -> list[str]:
    """What in the settings stops the package from being built, one line each; empty when it can be."""
    return [line for line in (_app_id_refused(settings), _address_refused(settings)) if line]


def _app_id_refused(settings: Settings) -> str | None:
    app_id = settings.microsoft_app_id
    if not app_id or not app_id.strip():
        # An empty app id is the Bot Framework Emulator on this machine: it takes no package.
        return (
            "MICROSOFT_APP_ID is not set: the package needs the bot's app id (a GUID, from its Azure Bot resource "
            "or the Teams Developer Portal); an empty one is for the local emulator, which needs no package"
        )
    if not GUID.fullmatch(app_id):
        return f"MICROSOFT_APP_ID (given: {app_id[:60]!r}) is not a GUID like 00000000-0000-0000-0000-000000000000"
    return None


def _address_refused(settings: Settings) -> str | None:
    address = settings.passerelle_public_url
    if address is None:
        return (
            "PASSERELLE_PUBLIC_URL is not set: set it to the https:// address where Teams reaches this server "
            "(its messaging endpoint is that address + /api/messages)"
        )
    given = f"PASSERELLE_PUBLIC_URL (given: {address[:80]!r})"
    if not address.startswith("https://"):
        return f"{given} is not https://: Teams reaches bots at https addresses only"
    if not _host(address):
        return f"{given} names no host"
    return None


def _host(address: str) -> str | None:
    try:
        return urlsplit(address).hostname
    except ValueError:  # `https://[oops`: not a URL
        return None


def build(settings: Settings) -> dict[str, bytes]:
    """The package's files by name, the manifest's placeholders filled; only for settings with no refusals."""
    assert settings.microsoft_app_id and settings.passerelle_public_url
    values = {
        "MICROSOFT_APP_ID": settings.microsoft_app_id,
        "PASSERELLE_PUBLIC_HOST": _host(settings.passerelle_public_url) or "",
    }
    files = {name: (SOURCES / name).read_bytes() for name in FILES}
    manifest = files["manifest.json"].decode()
    for name, value in values.items():
        manifest = manifest.replace("${{" + name + "}}", value)
    files["manifest.json"] = manifest.encode()
    return files


def write(files: dict[str, bytes], out: Path) -> None:
    with zipfile.ZipFile(out, "w") as package:
        for name, content in files.items():
            package.writestr(zipfile.ZipInfo(name, ENTRY_DATE), content, zipfile.ZIP_DEFLATED)


def main(argv: list[str], read_settings: Callable[[], Settings]) -> int:
    """`read_settings` is the composition root's: it tells each bad setting in one line and exits 2."""
    arguments = _parser().parse_args(argv)
    settings = read_settings()
    refused = refusals(settings)
    for line in refused:
        print(f"passerelle: {line}", file=sys.stderr)
    if refused:
        return 2
    out, files = Path(arguments.out), build(settings)
    try:
        write(files, out)
    except OSError as error:
        print(f"passerelle: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote the Teams app package {out.resolve()}: upload it in the Teams admin center (Manage apps → Upload)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py teams-package",
        description="Writes the zip Teams takes for this bot: manifest.json, fr.json and the two icons of teams/, "
        "with MICROSOFT_APP_ID and the host of PASSERELLE_PUBLIC_URL (from the environment or .env).",
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"where to write the zip (default: {DEFAULT_OUT})")
    return parser
