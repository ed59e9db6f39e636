"""`/mentoring report` over HTTP: the figures answered privately, the chart uploaded as a PNG in the DM."""

import json

from sqlmodel import Session, select

from storage.models import Pair, PairStatus
from tests.bot.dialog import Dialog
from tests.bot.volunteers import many_volunteers
from tests.conftest import COORDINATOR, SlackWorld

PNG = b"\x89PNG\r\n\x1a\n"


async def test_report_answers_with_figures_and_uploads_the_chart_as_a_png(slack: SlackWorld) -> None:
    many_volunteers(slack.bot, slack.clock(), 2)
    coordinator = Dialog(slack.bot, slack.clock(), user=COORDINATOR)
    coordinator.command("match")
    coordinator.command("match confirm")
    with Session(slack.bot.engine) as session:
        assert len(session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).all()) == 2
    await slack.send.command(COORDINATOR, "report")
    answer = (await slack.fake.next("response_url")).text
    assert "Report:" in answer and "Sessions held" in answer and "not enough answers yet" in answer
    asked = await slack.fake.next("files.getUploadURLExternal")
    assert asked.args["filename"].endswith(".png")
    done = await slack.fake.next("files.completeUploadExternal")
    files = json.loads(done.args["files"]) if isinstance(done.args["files"], str) else done.args["files"]
    [file] = files
    assert slack.fake.uploads[file["id"]].startswith(PNG)
