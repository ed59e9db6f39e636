"""The coordinators' report, export and Home headline, against the core: feedback only from three answers up."""

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.image import imread
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.reports.figures import net_promoter
from bot.service import Passerelle
from bot.ui import Fields, Outcome
from storage.models import Meeting, MeetingStatus, Pair, PairStatus, Person, Pulse, Survey
from tests.bot.dialog import Dialog, flat
from tests.bot.volunteers import many_volunteers

COORD = "UCOORD01"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=40)  # two monthly periods have opened for each pair
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bot(engine: Engine) -> Passerelle:
    return Passerelle(engine, coordinators=frozenset({COORD}))


@pytest.fixture
def pairs(bot: Passerelle) -> list[Pair]:
    """Three confirmed pairs, each with one session held ten days in."""
    many_volunteers(bot, NOW, 3)
    coordinator = Dialog(bot, NOW, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    with Session(bot.engine) as session:
        found = list(session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).all())
        for pair in found:
            session.add(
                Meeting(
                    workspace_id=pair.workspace_id,
                    pair_id=pair.id,
                    starts_at=NOW + timedelta(days=10),
                    status=MeetingStatus.HELD,
                    token=secrets.token_urlsafe(32),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
    with Session(bot.engine) as session:
        found = list(session.exec(select(Pair).where(Pair.status == PairStatus.ACTIVE)).all())
    assert len(found) == 3
    return found


def pulse(bot: Passerelle, pair: Pair, rating: int, comment: str | None = None, fit: str = "good") -> None:
    with Session(bot.engine) as session:
        held = session.exec(select(Meeting).where(Meeting.pair_id == pair.id)).one()
        session.add(
            Pulse(
                workspace_id=pair.workspace_id,
                pair_id=pair.id,
                meeting_id=held.id,
                person_id=pair.mentee_id,
                happened="yes",
                rating=rating,
                progress=rating,
                fit=fit,
                comment=comment,
                answered_at=NOW + timedelta(days=11),
            )
        )
        session.commit()


def end_survey(bot: Passerelle, pair: Pair, mentor: bool, **answers: str) -> None:
    with Session(bot.engine) as session:
        session.add(
            Survey(
                workspace_id=pair.workspace_id,
                programme_id=pair.programme_id,
                pair_id=pair.id,
                person_id=pair.mentor_id if mentor else pair.mentee_id,
                kind="end",
                answers=answers,
                sent_at=NOW,
                answered_at=NOW + timedelta(days=12),
            )
        )
        session.commit()


def report(bot: Passerelle, user: str = COORD, locale: str = "en-GB") -> tuple[str, Outcome]:
    coordinator = Dialog(bot, LATER, user=user, locale=locale)
    text = coordinator.command("report")
    return text, coordinator.last


def test_with_fewer_than_three_answers_a_feedback_figure_says_not_enough_answers_yet(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    pulse(bot, pairs[0], 5)
    pulse(bot, pairs[1], 4)
    end_survey(bot, pairs[0], mentor=True, recommend="10", useful="yes")
    text, _ = report(bot)
    assert "Sessions rated (1 to 5)\nnot enough answers yet" not in text  # fields are flattened to "label: value"
    assert "Sessions rated (1 to 5): not enough answers yet" in text
    assert "Net Promoter Score: not enough answers yet" in text
    assert "Mentors who found it useful: not enough answers yet" in text


def test_from_three_answers_the_report_shows_averages_and_shares(bot: Passerelle, pairs: list[Pair]) -> None:
    for pair, rating, fit in zip(pairs, (3, 4, 4), ("good", "good", "not_good"), strict=True):
        pulse(bot, pair, rating, fit=fit)
    text, _ = report(bot)
    assert "Sessions rated (1 to 5): 3.7 (3 answers)" in text
    assert "Progress on objectives (1 to 5): 3.7 (3 answers)" in text
    assert "Pairs a good fit: 67% (3 answers)" in text


def test_sessions_held_are_counted_against_the_periods_opened_so_far(bot: Passerelle, pairs: list[Pair]) -> None:
    text, _ = report(bot)
    assert "Sessions held: 3 of 6 planned" in text
    assert "Matched share: 100%" in text and "On track: 3" in text


def test_the_net_promoter_score_is_the_share_of_promoters_less_that_of_detractors(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    assert net_promoter(list(enumerate([10, 9, 7, 3]))).value == 25.0
    assert net_promoter(list(enumerate([6, 6, 10]))).value == pytest.approx(-100 / 3)
    assert net_promoter(list(enumerate([10, 10]))).value is None  # two answers are not enough
    for pair, score in zip(pairs, ("10", "9", "3"), strict=True):
        end_survey(bot, pair, mentor=False, recommend=score, adoption="yes")
    end_survey(bot, pairs[0], mentor=True, recommend="7", useful="no")
    text, _ = report(bot)
    assert "Net Promoter Score: +25 (4 answers)" in text
    assert "Would recommend (0 to 10): 7.2 (4 answers)" in text
    assert "Mentees who adopted new practices: 100% (3 answers)" in text
    assert "Mentors who found it useful: not enough answers yet" in text


def test_three_pulses_of_one_member_are_one_persons_answers_and_show_no_figure_nor_comment(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    with Session(bot.engine) as session:
        for days in (20, 30):
            session.add(
                Meeting(
                    workspace_id=pairs[0].workspace_id,
                    pair_id=pairs[0].id,
                    starts_at=NOW + timedelta(days=days),
                    status=MeetingStatus.HELD,
                    token=secrets.token_urlsafe(32),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
        held = session.exec(select(Meeting).where(Meeting.pair_id == pairs[0].id)).all()
        for n, meeting in enumerate(held):
            session.add(
                Pulse(
                    workspace_id=pairs[0].workspace_id,
                    pair_id=pairs[0].id,
                    meeting_id=meeting.id,
                    person_id=pairs[0].mentee_id,
                    happened="yes",
                    rating=2,
                    progress=2,
                    comment=f"My mentor is always late ({n})",
                    answered_at=NOW + timedelta(days=31),
                )
            )
        session.commit()
    text, _ = report(bot)
    assert "Sessions rated (1 to 5): not enough answers yet" in text and "always late" not in text
    pulse(bot, pairs[1], 4, comment="Fine")
    pulse(bot, pairs[2], 5, comment="Great")
    text, _ = report(bot)  # three people now: their five answers count
    assert "Sessions rated (1 to 5): 3.0 (5 answers)" in text and "always late (2)" in text


def test_comments_are_listed_only_from_three_in_alphabetical_order_and_never_with_a_name(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    pulse(bot, pairs[0], 5, comment="Zero to Copilot in an hour")
    end_survey(bot, pairs[1], mentor=True, recommend="9", useful="yes", comment="My mentee was curious")
    text, _ = report(bot)
    assert "Zero to Copilot" not in text and "curious" not in text
    assert "*Comments*\nnot enough answers yet" in text
    pulse(bot, pairs[2], 4, comment="Also learnt about TikTok")
    text, _ = report(bot)
    assert "*Comments*\n• Also learnt about TikTok\n• My mentee was curious\n• Zero to Copilot in an hour" in text
    with Session(bot.engine) as session:
        names = [p.display_name for p in session.exec(select(Person)).all() if p.user_id != COORD]
    assert names and not [name for name in names if name in text]


def test_the_report_speaks_the_coordinators_language(bot: Passerelle, pairs: list[Pair]) -> None:
    text, outcome = report(bot, locale="fr-FR")
    assert "Rapport" in text and "Séances tenues: 3 sur 6 prévues" in text
    assert "pas encore assez de réponses" in text
    assert outcome.files[0].title == "Séances et santé des binômes"


def test_the_chart_is_a_png_that_the_library_opens_and_the_same_figures_draw_the_same_file(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    _, outcome = report(bot)
    [chart] = outcome.files
    assert isinstance(chart.content, bytes) and chart.content.startswith(PNG) and chart.name.endswith(".png")
    image = imread(io.BytesIO(chart.content), format="png")
    assert image.shape[0] > 100 and image.shape[1] > 100
    _, again = report(bot)
    assert again.files[0].content == chart.content


def test_the_export_has_a_row_per_session_and_no_feedback_and_keeps_a_formula_like_name_as_text(
    bot: Passerelle, pairs: list[Pair]
) -> None:
    pulse(bot, pairs[0], 5, comment="Private words")
    with Session(bot.engine) as session:
        mentor = session.get(Person, pairs[0].mentor_id)
        assert mentor is not None
        mentor.display_name = '=HYPERLINK("http://evil")'
        session.commit()
    coordinator = Dialog(bot, LATER, user=COORD)
    assert "3 pairs and their sessions are in the file" in coordinator.command("export")
    [document] = coordinator.last.files
    assert isinstance(document.content, str) and document.content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(document.content.removeprefix("\ufeff"))))
    assert len(rows) == 3 and {r["session_status"] for r in rows} == {"held"}
    assert not {"rating", "progress", "fit", "comment", "recommend"} & set(rows[0])
    assert "Private words" not in document.content
    assert '\'=HYPERLINK("http://evil")' in [r["mentor_name"] for r in rows]


def test_the_export_lists_a_pair_with_no_session_on_a_row_of_its_own(bot: Passerelle) -> None:
    many_volunteers(bot, NOW, 1)
    coordinator = Dialog(bot, NOW, user=COORD)
    coordinator.command("match")
    coordinator.command("match confirm")
    coordinator.command("export")
    [document] = coordinator.last.files
    assert isinstance(document.content, str)
    [row] = csv.DictReader(io.StringIO(document.content.removeprefix("\ufeff")))
    assert row["pair_status"] == "active" and row["session_start_utc"] == ""


def test_the_home_tab_shows_the_reports_headline_to_coordinators_only(bot: Passerelle, pairs: list[Pair]) -> None:
    coordinator = Dialog(bot, LATER, user=COORD)
    home = flat(bot.home(coordinator.actor, LATER))
    assert "Report" in home and "Sessions held: 3 of 6 planned" in home
    assert "Net Promoter Score: not enough answers yet" in home
    with Session(bot.engine) as session:
        mentee = session.get(Person, pairs[0].mentee_id)
        assert mentee is not None
    volunteer = Dialog(bot, LATER, user=mentee.user_id)
    shown = bot.home(volunteer.actor, LATER)
    assert "Sessions held" not in flat(shown)
    assert not [b for b in shown.blocks if isinstance(b, Fields) and "Net Promoter Score" in dict(b.items)]


def test_report_and_export_are_for_coordinators(bot: Passerelle, pairs: list[Pair]) -> None:
    with Session(bot.engine) as session:
        mentee = session.get(Person, pairs[0].mentee_id)
        assert mentee is not None
    volunteer = Dialog(bot, LATER, user=mentee.user_id)
    assert "Sessions held" not in volunteer.command("report")
    volunteer.command("export")
    assert volunteer.last.files == []
