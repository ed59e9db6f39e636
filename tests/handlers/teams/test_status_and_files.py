"""What Teams shows where Slack has a Home tab and file uploads: a status card when the app is installed, and files
as cards linking to a download served an hour behind its own token; and `python app.py` serving Teams."""

import asyncio
from pathlib import Path

import aiohttp
from sqlmodel import Session, select

from storage.models import Address, Person
from tests.doubles.bot_connector import FakeConnector
from tests.handlers.teams.world import TeamsWorld, find_action, someone
from tests.processes import clean_env, free_port, healthy, start_app


async def test_installing_the_app_keeps_the_persons_chat_and_shows_where_they_stand(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    status, _ = await teams.post(teams.activity(ana, type="installationUpdate", action="add"))
    assert status == 200
    _, card = teams.last_card(ana)
    assert find_action(card, "Join the programme")["type"] == "Action.Execute"
    with Session(teams.bot.engine) as session:
        person = session.exec(select(Person).where(Person.user_id == ana.aad_id)).one()
        assert session.exec(select(Address).where(Address.owner_id == person.id)).one().ref["upn"] == ana.upn


async def test_an_export_is_a_card_whose_link_serves_the_file_for_an_hour(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    await teams.say(ana, "hello")
    await teams.say(ana, "export-my-data")
    _, card = teams.last_card(ana, "Your data in Passerelle")
    link = next(a for a in card["body"][-1]["actions"] if a["type"] == "Action.OpenUrl")
    assert link["title"].startswith("Download ")
    async with aiohttp.ClientSession() as session:
        async with session.get(link["url"]) as response:
            assert response.status == 200 and "Ana Martin" in await response.text()
            assert response.headers["Cache-Control"] == "no-store"
        async with session.get(link["url"].replace(link["url"].split("/")[-2], "x" * 43)) as response:
            assert response.status == 404
        teams.clock.travel(minutes=61)
        teams.bot.tick(teams.clock())
        async with session.get(link["url"]) as response:
            assert response.status == 404


async def test_python_app_py_serves_teams_without_authentication_when_the_app_id_is_empty(
    tmp_path: Path, connector: FakeConnector
) -> None:
    port = free_port()
    env = clean_env(MicrosoftAppId="", PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    log = (tmp_path / "log").open("wb")
    process = await start_app(env, tmp_path, log)
    try:
        assert await healthy(port, process)
        ana = someone("Ana Martin")
        connector.add_member(ana.teams_id, ana.name, ana.upn, ana.aad_id, "tenant-1")
        activity = {
            "type": "message",
            "id": "1:first",
            "channelId": "msteams",
            "serviceUrl": connector.url,
            "from": {"id": ana.teams_id, "name": ana.name, "aadObjectId": ana.aad_id},
            "recipient": {"id": "28:bot", "name": "Passerelle"},
            "conversation": {"id": connector.personal(ana.teams_id), "conversationType": "personal", "tenantId": "t1"},
            "text": "help",
        }
        url = f"http://127.0.0.1:{port}/api/messages"
        async with aiohttp.ClientSession() as session, session.post(url, json=activity) as response:
            assert response.status == 200
        shown = await connector.posted("join", to=ana.teams_id)
        assert shown["conversation"]["id"] == connector.personal(ana.teams_id)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
    assert "WITHOUT authentication" in (tmp_path / "log").read_text()


async def test_teams_telling_an_install_twice_shows_the_status_card_once(teams: TeamsWorld) -> None:
    ana = someone("Ana Martin")
    teams.join(ana)
    added = {"membersAdded": [{"id": "28:passerelle-bot"}]}
    await teams.post(teams.activity(ana, type="installationUpdate", action="add"))
    await teams.post(teams.activity(ana, type="conversationUpdate", **added))
    assert len(teams.connector.activities(ana.teams_id)) == 1
