"""`python app.py` as a newcomer runs it: the console with no credentials, Slack over HTTP with them."""

import asyncio
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import aiohttp
import pytest
from sqlmodel import Session, select

from server import build_bot, build_scheduler, serve
from settings import Settings
from storage.models import Enrollment
from tests.bot.volunteers import MENTEE, a_volunteer
from tests.conftest import PEOPLE, SIGNING_SECRET
from tests.doubles.slack_api import FakeSlack, Grant
from tests.doubles.slack_sender import SlackSender
from tests.processes import ROOT, clean_env, free_port, healthy, slack_env, start_app


def test_with_no_credentials_it_opens_the_console_chat_on_sqlite(tmp_path: Path) -> None:
    # claire coordinates: her hello gets the help, and `join` the questions.
    typed = "hello\njoin\na\nb\n/mentoring help\n/mentoring volunteers\n/as ana\n/mentoring volunteers\n/quit\n"
    env = clean_env(PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        input=typed,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Passerelle console" in done.stdout
    assert "join the programme as a mentor or mentee" in done.stdout
    assert "what I keep and who sees it" in done.stdout
    assert "What would you like to learn?" in done.stdout  # "b" pressed Mentee
    assert "you are claire" in done.stdout  # a coordinator, to try every command
    assert "Volunteers of Reverse mentoring" in done.stdout
    assert "is for the programme's coordinators" in done.stdout  # ana is not one
    assert (tmp_path / "passerelle.db").exists()


async def test_with_slack_credentials_it_serves_slack_and_the_health_check(tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    port = free_port()
    process = await start_app(slack_env(fake, port, f"sqlite:///{tmp_path}/passerelle.db"), tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        assert await healthy(port, process), "the server never answered /healthz"
        sent = await SlackSender(url, SIGNING_SECRET, fake).command("UANA0001", "help")
        assert sent.status == 200
        assert "`join`" in (await fake.next("response_url")).text
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
    assert fake.problems == []


async def test_with_oauth_credentials_it_serves_the_install_and_only_installed_workspaces(tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    port = free_port()
    env = slack_env(fake, port, f"sqlite:///{tmp_path}/passerelle.db", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
    del env["SLACK_BOT_TOKEN"]
    process = await start_app(env, tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        assert await healthy(port, process), "the server never answered /healthz"
        async with aiohttp.ClientSession() as browser, browser.get(f"{url}/slack/install") as page:
            assert page.status == 200
            # Beside the Web API it was given (GovSlack's, or here the double's), not slack.com's.
            assert f"http://127.0.0.1:{fake.port}/oauth/v2/authorize?state=" in await page.text()
        assert (await SlackSender(url, SIGNING_SECRET, fake).command("UANA0001", "help")).status == 200
        assert "Passerelle is not installed in this workspace." in (await fake.next("response_url")).text
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
    assert fake.problems == []
    assert fake.of("auth.test") == []


async def test_with_an_app_token_it_talks_to_slack_in_socket_mode(tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=fake.api_url,
        port=free_port(),
        database_url=f"sqlite:///{tmp_path}/passerelle.db",
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, build_bot(settings), stop))
    try:
        sender = SlackSender("", SIGNING_SECRET, fake)
        command = dict(parse_qsl(sender.command_body("UANA0001", "help")))
        await fake.push(
            {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True, "payload": command}
        )
        assert "`join`" in (await fake.next("response_url")).text
        # Acknowledged once the command is stored: the socket's answer may come a moment after the reply.
        for _ in range(100):
            if fake.socket_acks:
                break
            await asyncio.sleep(0.05)
        assert fake.socket_acks == ["env-1"]
    finally:
        stop.set()
        await server
        await fake.stop()
    assert fake.problems == []


async def test_with_oauth_and_an_app_token_installs_over_http_and_talks_in_socket_mode(tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    fake.codes["code-1"] = Grant(fake.team_id, installer="UCOORD01")
    await fake.start()
    settings = Settings(
        _env_file=None,
        slack_client_id="1.2",
        slack_client_secret="s",
        slack_app_token="xapp-test",
        slack_api_url=fake.api_url,
        port=free_port(),
        database_url=f"sqlite:///{tmp_path}/passerelle.db",
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, build_bot(settings), stop))
    try:
        url = f"http://127.0.0.1:{settings.port}"
        assert await healthy(settings.port)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
            async with browser.get(f"{url}/slack/install") as page:
                state = page.cookies["slack-app-oauth-state"].value
            cookie = {"Cookie": f"slack-app-oauth-state={state}"}
            query = {"code": "code-1", "state": state}
            async with browser.get(f"{url}/slack/oauth_redirect", params=query, headers=cookie) as done:
                assert done.status == 200
            async with browser.post(f"{url}/slack/events", data=b"{}") as events:
                assert events.status == 404  # no signing secret: events come over the socket only
        command = dict(parse_qsl(SlackSender("", SIGNING_SECRET, fake).command_body("UANA0001", "help")))
        await fake.push(
            {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True, "payload": command}
        )
        assert "`join`" in (await fake.next("response_url")).text
    finally:
        stop.set()
        await server
        await fake.stop()
    assert fake.problems == []


async def test_the_scheduler_ticks_and_ends_a_pause_whose_date_has_come(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path}/passerelle.db", passerelle_tick_seconds=0.05
    )
    bot = build_bot(settings)
    now = datetime.now(UTC)
    a_volunteer(bot, "UANA0001", now, MENTEE)
    with Session(bot.engine) as session:
        enrollment = session.exec(select(Enrollment)).one()
        enrollment.status, enrollment.paused_until = "paused", (now - timedelta(days=1)).date()
        session.commit()
    scheduler = build_scheduler(settings, bot)
    scheduler.start()
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            with Session(bot.engine) as session:
                if session.exec(select(Enrollment)).one().status == "ready":
                    break
        else:
            pytest.fail("the tick never ended the pause")
    finally:
        scheduler.shutdown(wait=False)


def test_a_database_that_cannot_be_opened_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    env = clean_env(PORT=str(free_port()), DATABASE_URL="postgresql://nobody:secret@127.0.0.1:1/none")
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot open the database postgresql://nobody:***@127.0.0.1:1/none" in done.stderr
    assert "secret" not in done.stderr + done.stdout


def test_a_bot_token_beside_oauth_is_named_as_not_used() -> None:
    both = Settings(_env_file=None, slack_client_id="1.2", slack_client_secret="s", slack_bot_token="xoxb-1")
    assert both.slack_oauth and both.slack_served and "SLACK_BOT_TOKEN" in both.ignored[0]
    assert Settings(_env_file=None, slack_client_id="1.2", slack_client_secret="s").ignored == []


def run_app(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python app.py` with no terminal (stdin empty), as a service manager starts it."""
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(**({"PORT": str(free_port())} | env)),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


HTTP_OR_SOCKET = "SLACK_SIGNING_SECRET (Slack over HTTP) or SLACK_APP_TOKEN (Socket Mode) is missing"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is missing"),
        ({"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_ID is missing"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, HTTP_OR_SOCKET),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "http://127.0.0.1:1/api/"}, HTTP_OR_SOCKET),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
        ({"MICROSOFT_APP_ID": "8f1e"}, "MICROSOFT_APP_PASSWORD is missing"),
        # Authentication off is asked for with an empty app id alone, never by settings gone wrong.
        ({"MICROSOFT_APP_ID": "   "}, "MICROSOFT_APP_ID is only spaces"),
        ({"MICROSOFT_APP_ID": "", "MICROSOFT_APP_PASSWORD": "p"}, "MICROSOFT_APP_ID is empty but"),
        (
            {"MICROSOFT_APP_ID": "8f1e", "MICROSOFT_APP_PASSWORD": "p", "MICROSOFT_APP_TYPE": "SingleTenant"},
            "MICROSOFT_APP_TENANT_ID is missing",
        ),
    ],
)
def test_settings_given_in_part_name_what_is_missing_and_exit_2(
    tmp_path: Path, given: dict[str, str], missing: str
) -> None:
    done = run_app(tmp_path, **given)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"passerelle: {missing}"), lines
    assert "Passerelle console" not in done.stdout
    assert "no HTTP server" not in done.stderr  # a failed auth.test was once reported as that


def test_invalid_settings_are_one_line_each_and_exit_2(tmp_path: Path) -> None:
    done = run_app(tmp_path, PORT="abc", PASSERELLE_TICK_SECONDS="0", PASSERELLE_LOCALE="de")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split(" ")[1] for line in lines] == ["PORT", "PASSERELLE_TICK_SECONDS", "PASSERELLE_LOCALE"], lines
    assert "speaks en and fr, not 'de'" in lines[2]


@pytest.mark.parametrize("url", ["nonsense", "mysql://someone:secret@127.0.0.1/passerelle"])
def test_a_database_url_that_cannot_be_used_is_one_clear_line_and_exit_code_2(tmp_path: Path, url: str) -> None:
    done = run_app(tmp_path, DATABASE_URL=url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("passerelle: cannot open the database ")
    assert "secret" not in done.stderr


def test_coordinators_may_be_separated_by_semicolons() -> None:
    settings = Settings(_env_file=None, passerelle_coordinators="U0AAAAA1;U0BBBBB1; U0CCCCC1")
    assert settings.passerelle_coordinators == {"U0AAAAA1", "U0BBBBB1", "U0CCCCC1"}


async def test_a_start_while_slack_cannot_be_reached_serves_and_tries_again_with_the_first_request(
    tmp_path: Path,
) -> None:
    slack_port, port = free_port(), free_port()
    fake = FakeSlack(users=dict(PEOPLE), port=slack_port)  # not listening yet: Slack cannot be reached
    env = slack_env(fake, port, f"sqlite:///{tmp_path}/passerelle.db")
    log = tmp_path / "app.log"
    with log.open("wb") as output:
        process = await start_app(env, tmp_path, output)
        try:
            assert await healthy(port, process), "the server never answered /healthz"
            for _ in range(300):  # the start's auth.test gives up (after its one retry) before Slack is back
                if "auth.test failed at start" in log.read_text():
                    break
                await asyncio.sleep(0.1)
            await fake.start()
            sent = await SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake).command("UANA0001", "help")
            assert sent.status == 200
            assert "`join`" in (await fake.next("response_url")).text
        finally:
            process.terminate()
            await process.wait()
            await fake.stop()
    text = log.read_text()
    assert "Traceback" not in text
    about = [line for line in text.splitlines() if "auth.test" in line and ("WARNING" in line or "ERROR" in line)]
    assert len(about) == 1 and "WARNING" in about[0] and "auth.test failed at start" in about[0], text
    assert len(fake.of("auth.test")) == 1


def test_a_port_already_taken_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_app(
            tmp_path,
            PORT=str(port),
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL="http://127.0.0.1:1/api/",
            DATABASE_URL=f"sqlite:///{tmp_path}/passerelle.db",
        )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"passerelle: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr


@pytest.mark.parametrize(("arguments", "code"), [(["--help"], 0), (["-h"], 0), (["--verbose"], 2), (["serve"], 2)])
def test_help_prints_the_usage_and_an_unknown_argument_is_refused_without_opening_anything(
    tmp_path: Path, arguments: list[str], code: int
) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(PORT=str(free_port())),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == code and "Traceback" not in done.stderr
    assert "python app.py simulate" in (done.stdout if code == 0 else done.stderr)
    assert list(tmp_path.iterdir()) == []  # no database was created, no console opened


async def test_a_request_too_long_to_read_is_one_log_line_without_its_bytes(tmp_path: Path) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    port = free_port()
    log = (tmp_path / "app.log").open("wb")
    process = await start_app(slack_env(fake, port, f"sqlite:///{tmp_path}/passerelle.db"), tmp_path, log)
    secret = "YBGPV4o1dZMx-K3eP1gMKzeiUAe2bvHvkp8Xxam4Jyw"  # as a calendar token looks
    try:
        assert await healthy(port, process), "the server never answered /healthz"
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET /calendar/{secret}.ics?pad={'p' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            await writer.drain()
            assert b" 400 " in (await reader.readline())
            writer.close()
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
        log.close()
    written = (tmp_path / "app.log").read_text()
    assert "Traceback" not in written and secret not in written and "ERROR" not in written
    assert written.count("a malformed request was refused with 400") == 3


def test_the_offline_matching_loads_nothing_of_the_server_or_the_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "app.py"), "match", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
    )
    assert done.returncode == 0 and "--volunteers" in done.stdout
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "bot" in loaded and "numpy" in loaded
    assert loaded.isdisjoint(
        {"aiohttp", "apscheduler", "botbuilder", "slack_bolt", "slack_sdk", "sqlalchemy", "sqlmodel"}
    )
