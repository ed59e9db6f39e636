"""Any number of workspaces over HTTP: the OAuth install, workspaces kept apart, uninstalls, token rotation."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import Engine, event, func, select
from sqlmodel import Session

from bot import ui
from bot.outbox.codec import encode
from handlers.slack.install import Installations, authorization_url
from server import build_bot, build_installations, build_scheduler, serve
from settings import Settings
from storage import slack_tables
from storage.db import make_engine
from storage.models import Enrollment, Outbox, Person, Workspace
from tests.conftest import CLIENT_ID, CLIENT_SECRET, COORDINATOR, PEOPLE, SIGNING_SECRET, Clock, SlackWorld, oauth_world
from tests.doubles.slack_api import FakeSlack, Fault, Grant
from tests.doubles.slack_sender import SlackSender
from tests.processes import free_port, healthy

ANA, JEAN, MARC = "UANA0001", "UJEAN001", "UMARC001"
COORDINATOR_B = "UCOORDB1"
TEAM_A, TEAM_B = "T0AAAAA1", "T0BBBBB1"


@pytest.fixture
async def world(engine: Engine, clock: Clock) -> AsyncIterator[SlackWorld]:
    async with oauth_world(engine, clock) as world:
        world.fake.users[COORDINATOR_B] = {"name": "Bea", "locale": "en-GB", "tz": "Europe/London"}
        yield world


async def install(world: SlackWorld, grant: Grant) -> tuple[int, str]:
    """A browser's install: the install page sets the state cookie, Slack redirects back with a code."""
    code = f"code-{len(world.fake.codes) + len(world.fake.tokens)}"
    world.fake.codes[code] = grant
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        async with browser.get(f"{world.send.app_url}/slack/install", allow_redirects=False) as page:
            assert page.status == 200, await page.text()
            state = page.cookies["slack-app-oauth-state"].value
            assert f"state={state}" in await page.text()
        async with browser.get(
            f"{world.send.app_url}/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        ) as done:
            return done.status, await done.text()


def token_of(world: SlackWorld, workspace: str) -> str:
    """The latest token the double issued for a workspace."""
    return [t for t, g in world.fake.tokens.items() if (g.team_id or g.enterprise_id) == workspace][-1]


async def volunteer(world: SlackWorld, sender: SlackSender, user: str) -> None:
    """Starts onboarding (consent given), each answer sent with the token of the person's workspace."""
    for text in ("hello", "yes"):
        assert (await sender.message(user, text)).status == 200
        answer = await world.fake.next("chat.postMessage")
        workspace = sender.enterprise_id if sender.org_wide else sender.team
        assert answer.headers["Authorization"] == f"Bearer {token_of(world, workspace or '')}"


async def command(sender: SlackSender, user: str, text: str) -> str:
    assert (await sender.command(user, text)).status == 200
    return (await sender.fake.next("response_url")).text


def workspaces(engine: Engine) -> dict[str, Workspace]:
    with Session(engine) as session:
        return {w.external_id: w for w in session.scalars(select(Workspace)).all()}


async def test_installed_from_the_redirect_two_workspaces_each_see_only_their_own_volunteers(
    world: SlackWorld, engine: Engine
) -> None:
    assert (await install(world, Grant(TEAM_A, installer=COORDINATOR)))[0] == 200
    assert (await install(world, Grant(TEAM_B, installer=COORDINATOR_B)))[0] == 200
    exchanged = world.fake.of("oauth.v2.access")
    assert [c.args.get("code") for c in exchanged] == ["code-0", "code-1"]
    assert set(workspaces(engine)) == {TEAM_A, TEAM_B}

    a, b = world.send.as_team(TEAM_A), world.send.as_team(TEAM_B)
    for sender, user in ((a, ANA), (a, JEAN), (b, MARC)):
        await volunteer(world, sender, user)

    # The installer coordinates the programme of their own workspace only.
    in_a = await command(a, COORDINATOR, "volunteers")
    in_b = await command(b, COORDINATOR_B, "volunteers")
    assert "*Onboarding*\n2" in in_a
    assert "*Onboarding*\n1" in in_b
    assert "is for the programme's coordinators" in await command(b, COORDINATOR, "volunteers")
    with Session(engine) as session:
        found = workspaces(engine)
        people = {
            (w, p.user_id)
            for w, ws in found.items()
            for p in session.scalars(select(Person).where(Person.workspace_id == ws.id)).all()
        }
    a_people = {(TEAM_A, ANA), (TEAM_A, JEAN), (TEAM_A, COORDINATOR)}
    assert people == a_people | {(TEAM_B, MARC), (TEAM_B, COORDINATOR_B), (TEAM_B, COORDINATOR)}


async def test_a_workspace_that_did_not_install_the_app_is_refused_and_nothing_is_stored(
    world: SlackWorld, engine: Engine
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR))
    stranger = world.send.as_team("T0STRANGE")
    assert (await stranger.command(ANA, "volunteers")).status == 200
    assert "Passerelle is not installed in this workspace." in (await world.fake.next("response_url")).text
    assert (await stranger.message(ANA, "hello")).status == 200
    await world.fake.quiet()
    assert set(workspaces(engine)) == {TEAM_A}
    assert world.fake.of("chat.postMessage") == []
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1  # the installer


async def test_an_install_with_a_wrong_state_stores_nothing(world: SlackWorld, engine: Engine) -> None:
    world.fake.codes["code-x"] = Grant(TEAM_A)
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(
            f"{world.send.app_url}/slack/oauth_redirect",
            params={"code": "code-x", "state": "forged"},
            headers={"Cookie": "slack-app-oauth-state=forged"},
        ) as done,
    ):
        assert done.status == 401
    assert world.fake.of("oauth.v2.access") == []
    assert workspaces(engine) == {}


def queue_for(engine: Engine, workspace: str, user: str, key: str, now: datetime) -> None:
    """A message the bot sends on its own to one person (as a rule's Reply would have stored it)."""
    with Session(engine) as session:
        ws = workspaces(engine)[workspace]
        person = session.scalars(select(Person).where(Person.workspace_id == ws.id, Person.user_id == user)).one()
        message = encode(ui.message(ui.Text(f"Reminder {key}")))
        session.add(
            Outbox(
                workspace_id=ws.id,
                key=key,
                recipient={"kind": "person", "id": person.id},
                conversation=f"person:{person.id}",
                message=message,
                not_before=now,
                created_at=now,
            )
        )
        session.commit()


async def test_an_uninstall_stops_all_delivery_keeps_the_data_and_a_reinstall_resumes(
    world: SlackWorld, engine: Engine
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR))
    a = world.send.as_team(TEAM_A)
    await volunteer(world, a, ANA)
    event = {"type": "app_uninstalled", "event_ts": "1764000000.000001"}
    assert (await a.post(a.event_body(event), "application/json")).status == 200
    await world.fake.quiet()
    assert workspaces(engine)[TEAM_A].uninstalled_at is not None
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(slack_tables.bots)) == 0

    queue_for(engine, TEAM_A, ANA, "reminder:1", world.clock())
    world.bot.queued()
    await world.fake.settle()
    assert world.fake.of("chat.postMessage")[-1].text != "Reminder reminder:1"
    with Session(engine) as session:
        row = session.scalars(select(Outbox).where(Outbox.key == "reminder:1")).one()
        assert (row.state, row.attempts) == ("pending", 0)
        assert session.scalar(select(func.count()).select_from(Enrollment)) == 1  # the data stays

    await install(world, Grant(TEAM_A, installer=COORDINATOR))
    resumed = await world.fake.posted("Reminder reminder:1", channel=ANA)
    assert resumed.headers["Authorization"] == f"Bearer {token_of(world, TEAM_A)}"
    assert workspaces(engine)[TEAM_A].uninstalled_at is None


async def test_a_revoked_bot_token_stops_delivery_like_an_uninstall(world: SlackWorld, engine: Engine) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR))
    a = world.send.as_team(TEAM_A)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [COORDINATOR]}, "event_ts": "1764000000.1"}
    assert (await a.post(a.event_body(event), "application/json")).status == 200
    await world.fake.quiet()
    assert workspaces(engine)[TEAM_A].uninstalled_at is not None


async def test_an_org_wide_install_serves_every_team_of_the_enterprise_as_one_workspace(
    world: SlackWorld, engine: Engine
) -> None:
    grid = Grant(None, installer=COORDINATOR, enterprise_id="E0GRID01", org_wide=True)
    assert (await install(world, grid))[0] == 200
    assert set(workspaces(engine)) == {"E0GRID01"}
    one_team = world.send.as_team("T0INGRID", enterprise_id="E0GRID01", org_wide=True)
    no_team = world.send.as_team("", enterprise_id="E0GRID01", org_wide=True)
    await volunteer(world, one_team, ANA)
    await volunteer(world, no_team, MARC)
    assert "*Onboarding*\n2" in await command(one_team, COORDINATOR, "volunteers")
    assert set(workspaces(engine)) == {"E0GRID01"}


# -- token rotation ----------------------------------------------------------------------------------------------


def expiring_soon(clock: Clock) -> None:
    """The test's clock, moved to an hour before the rotated tokens issued now expire (they live 12 h)."""
    clock.now = datetime.now(UTC) + timedelta(hours=11)


async def test_two_processes_needing_an_expiring_token_refresh_it_once(
    world: SlackWorld, engine: Engine, database_url: str
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR, rotation=True))
    first = token_of(world, TEAM_A)
    expiring_soon(world.clock)
    world.fake.slow["oauth.v2.access"] = 0.3  # both processes find the token expiring before either refreshed it
    other_engine = make_engine(database_url)  # another process: its own engine, its own locks
    settings = Settings(
        _env_file=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_api_url=world.fake.api_url
    )
    try:
        here = build_installations(settings, world.bot, world.clock)
        there = Installations(other_engine, here.client, world.clock) if here else None
        assert here is not None and there is not None
        bots = await asyncio.gather(here.bot_of(TEAM_A), there.bot_of(TEAM_A), here.bot_of(TEAM_A))
    finally:
        other_engine.dispose()
    refreshes = [c for c in world.fake.of("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    fresh = token_of(world, TEAM_A)
    assert fresh != first
    assert [b.bot_token if b else None for b in bots] == [fresh, fresh, fresh]


async def test_the_outbox_refreshes_an_expiring_token_before_sending(world: SlackWorld, engine: Engine) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR, rotation=True))
    first = token_of(world, TEAM_A)
    expiring_soon(world.clock)
    queue_for(engine, TEAM_A, COORDINATOR, "reminder:rotated", world.clock())
    world.bot.queued()
    sent = await world.fake.posted("Reminder reminder:rotated", channel=COORDINATOR)
    assert sent.headers["Authorization"] == f"Bearer {token_of(world, TEAM_A)}" != f"Bearer {first}"
    # The token now lasts: a second delivery uses it without another refresh.
    queue_for(engine, TEAM_A, COORDINATOR, "reminder:again", world.clock())
    world.bot.queued()
    await world.fake.posted("Reminder reminder:again", channel=COORDINATOR)
    refreshes = [c for c in world.fake.of("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1


async def test_a_request_with_an_expiring_token_is_served_with_a_refreshed_one(world: SlackWorld) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR, rotation=True))
    first = token_of(world, TEAM_A)
    expiring_soon(world.clock)
    await world.send.as_team(TEAM_A).message(ANA, "hello")
    welcome = await world.fake.next("chat.postMessage")
    assert welcome.headers["Authorization"] == f"Bearer {token_of(world, TEAM_A)}" != f"Bearer {first}"


async def test_a_failed_refresh_keeps_the_valid_token_then_asks_for_a_reinstall_logging_once_a_minute(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR, rotation=True, expires_in=3600))
    first = token_of(world, TEAM_A)
    world.clock.now = datetime.now(UTC)  # an hour left: it is refreshed before use, and the refresh fails
    world.fake.refresh_tokens.clear()  # spent, as by a process killed mid-refresh
    a = world.send.as_team(TEAM_A)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert "`join`" in await command(a, COORDINATOR, "help")
        assert {c.headers.get("Authorization") for c in world.fake.of("users.info")} == {f"Bearer {first}"}
        refreshes = [c for c in world.fake.of("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
        assert len(refreshes) == 1  # tried again a minute later, not with each request
        world.clock.travel(hours=2)  # expired, and still not refreshable
        for _ in range(3):
            refused = await command(a, COORDINATOR, "help")
            assert "must install Passerelle again" in refused
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in logged] == ["handlers.slack.install", "handlers.slack.install"], caplog.text
    assert "still valid" in logged[0].getMessage() and "expired" in logged[1].getMessage()


async def test_requests_from_a_workspace_not_installed_log_one_warning_and_no_error(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = world.send.as_team("T0STRANGE")
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert "is not installed in this workspace" in await command(stranger, ANA, "help")
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == ["WARNING"]


async def test_expired_oauth_states_are_purged_by_the_tick(world: SlackWorld, engine: Engine) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        for _ in range(5):  # nobody finishes these installs
            async with browser.get(f"{world.send.app_url}/slack/install") as page:
                assert page.status == 200

    def states() -> int:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(slack_tables.oauth_states)) or 0

    assert states() == 5
    settings = Settings(
        _env_file=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, passerelle_tick_seconds=0.05
    )
    scheduler = build_scheduler(settings, world.bot, lambda: datetime.now(UTC) + timedelta(minutes=11))
    scheduler.start()
    try:
        for _ in range(200):
            if states() == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
    assert states() == 0


async def test_an_install_refused_by_slack_leaves_its_code_and_state_out_of_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    settings = Settings(
        _env_file=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        port=free_port(),
        database_url=f"sqlite:///{tmp_path}/passerelle.db",
    )
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO):
        server = asyncio.create_task(serve(settings, build_bot(settings), stop))
        try:
            url = f"http://127.0.0.1:{settings.port}"
            assert await healthy(settings.port)
            async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
                async with browser.get(f"{url}/slack/install") as page:
                    state = page.cookies["slack-app-oauth-state"].value
                query = {"code": "CODE-NOT-TO-LOG", "state": state}
                cookie = {"Cookie": f"slack-app-oauth-state={state}"}
                async with browser.get(f"{url}/slack/oauth_redirect", params=query, headers=cookie) as done:
                    assert done.status >= 400
        finally:
            stop.set()
            await server
            await fake.stop()
    assert "GET /slack/oauth_redirect" in caplog.text  # the access log was captured
    assert "Failed to fetch oauth.v2.access result" in caplog.text
    assert "CODE-NOT-TO-LOG" not in caplog.text and state not in caplog.text


def test_the_add_to_slack_link_is_beside_the_web_api_it_was_given() -> None:
    assert authorization_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorization_url("https://slack-gov.com/api/") == "https://slack-gov.com/oauth/v2/authorize"


@pytest.mark.parametrize(
    ("languages", "expected"),
    [("fr-CA,fr;q=0.9,en;q=0.8", "L'installation a été annulée"), ("de,en;q=0.5", "The installation was cancelled")],
)
async def test_a_cancelled_install_is_a_page_of_our_own_in_the_browsers_language(
    world: SlackWorld, languages: str, expected: str
) -> None:
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(
            f"{world.send.app_url}/slack/oauth_redirect",
            params={"error": "access_denied", "state": "any"},
            headers={"Accept-Language": languages},
        ) as done,
    ):
        assert done.status == 403
        page = await done.text()
    assert expected in page and "Oops" not in page


async def test_an_install_ends_on_a_page_of_our_own_in_the_browsers_language(world: SlackWorld) -> None:
    world.fake.codes["code-fr"] = Grant(TEAM_A, installer=COORDINATOR)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        async with browser.get(f"{world.send.app_url}/slack/install") as page:
            state = page.cookies["slack-app-oauth-state"].value
        headers = {"Cookie": f"slack-app-oauth-state={state}", "Accept-Language": "fr"}
        query = {"code": "code-fr", "state": state}
        async with browser.get(f"{world.send.app_url}/slack/oauth_redirect", params=query, headers=headers) as done:
            assert done.status == 200
            assert "Passerelle est maintenant installé" in await done.text()


async def test_the_outbox_waits_without_a_traceback_when_the_token_expired_and_cannot_be_refreshed(
    world: SlackWorld, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR, rotation=True, expires_in=3600))
    world.fake.refresh_tokens.clear()
    world.clock.now = datetime.now(UTC) + timedelta(hours=2)  # expired
    with caplog.at_level(logging.INFO):
        queue_for(engine, TEAM_A, COORDINATOR, "reminder:expired", world.clock())
        world.bot.queued()
        await world.fake.quiet()
    assert world.fake.of("chat.postMessage") == []
    with Session(engine) as session:
        assert session.scalars(select(Outbox).where(Outbox.key == "reminder:expired")).one().state == "pending"
    assert "Traceback" not in caplog.text and "sending failed" not in caplog.text


def installation_reads(engine: Engine, seen: list[str]) -> Callable[..., None]:
    def looked(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "slack_bots" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", looked)
    return looked


async def test_the_outbox_finds_a_workspaces_installation_once_for_many_messages_and_again_when_its_token_fails(
    world: SlackWorld, engine: Engine
) -> None:
    await install(world, Grant(TEAM_A, installer=COORDINATOR))
    queue_for(engine, TEAM_A, COORDINATOR, "reminder:first", world.clock())
    world.bot.queued()
    await world.fake.posted("Reminder reminder:first", channel=COORDINATOR)
    reads: list[str] = []
    looked = installation_reads(engine, reads)
    try:
        for n in range(5):
            world.clock.travel(seconds=2)  # each message to the coordinator is a second after the one before
            queue_for(engine, TEAM_A, COORDINATOR, f"reminder:{n}", world.clock())
            world.bot.queued()
            await world.fake.posted(f"Reminder reminder:{n}", channel=COORDINATOR)
        assert reads == [], "the installation was read again for each message"
        # The token kept is refused (the app was installed again, say): the message waits a second, not five
        # minutes, and goes with the installation read afresh.
        world.fake.fail("chat.postMessage", Fault(error="token_revoked"))
        world.clock.travel(seconds=2)
        queue_for(engine, TEAM_A, COORDINATOR, "reminder:refused", world.clock())
        world.bot.queued()
        await world.fake.settle()
        world.clock.travel(seconds=2)
        world.bot.queued()
        await world.fake.posted("Reminder reminder:refused", channel=COORDINATOR)
        assert reads, "the installation was read afresh"
    finally:
        event.remove(engine, "before_cursor_execute", looked)
