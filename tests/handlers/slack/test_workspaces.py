"""One bot token serves its own workspace only: one `auth.test` for every request, and strangers refused."""

import asyncio
import logging

import pytest
from aiohttp import web
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.service import Passerelle
from handlers.slack import started
from server import build_slack, build_web
from settings import Settings
from storage.models import Person, Workspace
from tests.conftest import PEOPLE, SIGNING_SECRET, Clock, SlackWorld
from tests.doubles.slack_api import FakeSlack, Fault, Grant
from tests.doubles.slack_sender import SlackSender


async def test_a_burst_of_direct_messages_at_a_fresh_app_calls_auth_test_once(slack: SlackWorld) -> None:
    slack.fake.slow["auth.test"] = 0.5  # every request of the burst arrives before the first auth.test answers
    people = list(PEOPLE)
    sent = await asyncio.gather(*(slack.send.message(people[n % len(people)], "hello") for n in range(40)))
    assert {s.status for s in sent} == {200}
    await slack.fake.quiet()
    assert len(slack.fake.of("auth.test")) <= 1
    assert len(slack.fake.of("chat.postMessage")) == 40


async def test_a_failed_auth_test_is_not_remembered(slack: SlackWorld) -> None:
    slack.fake.fail("auth.test", Fault(error="internal_error"))
    await slack.send.message("UANA0001", "hello")
    await slack.fake.quiet()
    assert slack.fake.of("chat.postMessage") == []
    await slack.send.message("UANA0001", "hello")
    assert "UANA0001"[1:] in str((await slack.fake.next("chat.postMessage")).args["channel"])
    assert len(slack.fake.of("auth.test")) == 2


async def test_another_team_is_refused_and_nothing_is_stored(slack: SlackWorld) -> None:
    other = slack.send.as_team("T0OTHER1")
    assert (await other.command("UCOORD01", "volunteers")).status == 200
    assert "Passerelle is not installed in this workspace." in (await slack.fake.next("response_url")).text
    assert (await other.message("UANA0001", "hello")).status == 200
    await slack.fake.quiet()
    assert slack.fake.of("chat.postMessage") == []
    with Session(slack.bot.engine) as session:
        # The token's own workspace is known from its auth.test; the stranger's is not.
        assert session.scalars(select(Workspace.external_id)).all() == [slack.fake.team_id]
        assert session.scalar(select(func.count()).select_from(Person)) == 0


async def test_the_founders_coordinate_only_the_tokens_own_workspace(slack: SlackWorld) -> None:
    other = slack.send.as_team("T0OTHER1")
    await other.command("UCOORD01", "program set name Taken over")
    refused = (await slack.fake.next("response_url")).text
    assert "Passerelle is not installed in this workspace." in refused
    with Session(slack.bot.engine) as session:
        assert session.scalars(select(Workspace.external_id)).all() == [slack.fake.team_id]
        assert session.scalar(select(func.count()).select_from(Person)) == 0


async def test_at_start_auth_test_is_called_once_and_the_workspace_is_served(engine: Engine, clock: Clock) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    try:
        bot = Passerelle(engine)
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url
        )
        app = build_slack(settings, bot, clock)
        await started(app)
        await started(app)
        assert len(fake.of("auth.test")) == 1
        with Session(engine) as session:
            assert session.scalars(select(Workspace.external_id)).all() == [fake.team_id]
    finally:
        await fake.stop()


async def test_an_org_wide_token_serves_its_enterprise_with_or_without_a_team(slack: SlackWorld) -> None:
    slack.fake.tokens["xoxb-test-token"] = Grant(None, enterprise_id="E0GRID01", org_wide=True)
    in_team = slack.send.as_team("T0INGRID", enterprise_id="E0GRID01", org_wide=True)
    no_team = slack.send.as_team("", enterprise_id="E0GRID01", org_wide=True)
    elsewhere = slack.send.as_team("T0ELSE01", enterprise_id="E0OTHER1", org_wide=True)
    await in_team.message("UANA0001", "hello")
    await slack.fake.next("chat.postMessage")
    await no_team.message("UMARC001", "hello")
    await slack.fake.next("chat.postMessage")
    await elsewhere.message("UJEAN001", "hello")
    await slack.fake.quiet()
    assert len(slack.fake.of("chat.postMessage")) == 2
    with Session(slack.bot.engine) as session:
        assert session.scalars(select(Workspace.external_id)).all() == ["E0GRID01"]


async def test_a_request_claiming_another_enterprise_is_stored_in_the_tokens_own_workspace(slack: SlackWorld) -> None:
    # Signed, with the token's own team, but claiming an org-wide install of another enterprise.
    claiming = slack.send.as_team(slack.fake.team_id, enterprise_id="E0EVIL01", org_wide=True)
    await claiming.message("UANA0001", "hello")
    await slack.fake.next("chat.postMessage")
    with Session(slack.bot.engine) as session:
        assert session.scalars(select(Workspace.external_id)).all() == [slack.fake.team_id]
        people = session.exec(select(Person.user_id, Workspace.external_id).join(Workspace)).all()
        assert [tuple(p) for p in people] == [("UANA0001", slack.fake.team_id)]


async def test_after_an_uninstall_a_later_successful_auth_test_serves_the_workspace_again(
    engine: Engine, clock: Clock
) -> None:
    fake = FakeSlack(users=dict(PEOPLE))
    await fake.start()
    try:
        bot = Passerelle(engine)
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url
        )
        await started(build_slack(settings, bot, clock))
        bot.uninstalled("slack", fake.team_id, clock())
        # The next start: auth.test fails; a request then tries it again.
        fake.fail("auth.test", Fault(error="internal_error"))
        restarted = build_slack(settings, bot, clock)
        await started(restarted)
        with Session(engine) as session:
            assert session.scalars(select(Workspace)).one().uninstalled_at is not None
        runner = web.AppRunner(build_web(restarted, SIGNING_SECRET))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        try:
            assert (await SlackSender(url, SIGNING_SECRET, fake).command("UANA0001", "help")).status == 200
            assert "`join`" in (await fake.next("response_url")).text
        finally:
            await runner.cleanup()
        with Session(engine) as session:
            assert session.scalars(select(Workspace)).one().uninstalled_at is None
    finally:
        await fake.stop()


async def test_single_token_mode_does_not_warn_that_its_token_is_ignored(
    sqlite_engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")  # as app.py is started: Bolt reads it too
    settings = Settings(_env_file=None, slack_signing_secret=SIGNING_SECRET, slack_api_url="http://127.0.0.1:1/api/")
    assert settings.slack_bot_token == "xoxb-t"
    with caplog.at_level(logging.INFO):
        build_slack(settings, Passerelle(sqlite_engine), clock)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_requests_from_another_team_log_one_warning_and_no_error(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    other = slack.send.as_team("T0OTHER1")
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            await other.command("UCOORD01", "volunteers")
            assert "Passerelle is not installed in this workspace." in (await slack.fake.next("response_url")).text
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == ["WARNING"]
    assert "T0OTHER1" in caplog.text
