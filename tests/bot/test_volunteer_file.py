"""Volunteers from CSV: every malformed row is reported with its line and reason, and the rest still matches."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.matching.volunteer_file import COLUMNS, FileError, read_volunteers

HEADER = ",".join(COLUMNS) + "\n"
GOOD = [
    "m1,Ana,mentor,1,Marketing,Lyon,,fr;en,either,Europe/Paris,morning;lunch,ai_assistants:3;dei:2,free;hands_on,2,\n",
    "e1,Jean,mentee,5,Finance,Paris,,fr,video,Europe/Paris,morning,ai_assistants:3,structured;discussion,,\n",
    "e2,Marc,mentee,4,Sales,Paris,e1,en,either,America/New_York,afternoon,dei:1,,,m1\n",
]


def test_a_clean_file_gives_every_volunteer_with_their_answers() -> None:
    volunteers, problems = read_volunteers(io.StringIO(HEADER + "".join(GOOD)))
    assert problems == []
    ana = volunteers[0]
    assert (ana.role, ana.capacity, dict(ana.topics), ana.languages) == (
        "mentor",
        2,
        {"ai_assistants": 3, "dei": 2},
        frozenset({"fr", "en"}),
    )
    assert volunteers[2].not_with == frozenset({"m1"}) and volunteers[2].manager_id == "e1"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x1,X,boss,3,,,,fr,,,,,,,\n", "role is “boss”"),
        ("x1,X,mentor,9,,,,fr,,,,,,,\n", "career_stage is “9”"),
        ("x1,X,mentor,two,,,,fr,,,,,,,\n", "career_stage is “two”"),
        ("x1,X,mentor,2,,,,French,,,,,,,\n", "languages must be ISO 639-1 codes"),
        ("x1,X,mentor,2,,,,fr,bike,,,,,,\n", "format is “bike”"),
        ("x1,X,mentor,2,,,,fr,,Mars/Olympus,,,,,\n", "timezone “Mars/Olympus”"),
        ("x1,X,mentor,2,,,,fr,,,night,,,,\n", "windows are morning, lunch, afternoon"),
        ("x1,X,mentor,2,,,,fr,,,,ai:9,,,\n", "topic “ai:9” should be key:level"),
        ("x1,X,mentor,2,,,,fr,,,,,lazy,,\n", "style answers are"),
        ("x1,X,mentor,2,,,,fr,,,,,,0,\n", "capacity is “0”"),
        (",X,mentor,2,,,,fr,,,,,,,\n", "id is empty"),
        ("m1,Twin,mentor,2,,,,fr,,,,,,,\n", "id m1 appears twice"),
    ],
)
def test_a_malformed_row_is_reported_with_its_line_and_the_others_are_kept(row: str, reason: str) -> None:
    volunteers, problems = read_volunteers(io.StringIO(HEADER + GOOD[0] + row + GOOD[1]))
    assert [p.line for p in problems] == [3]
    assert reason in problems[0].reason
    assert [v.id for v in volunteers] == ["m1", "e1"]


def test_a_file_without_the_required_columns_is_refused_at_line_one() -> None:
    with pytest.raises(FileError, match="line 1: missing column"):
        read_volunteers(io.StringIO("name,email\nAna,ana@example.com\n"))


def test_the_command_line_writes_pairs_and_unmatched_and_reports_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "volunteers.csv"
    source.write_text(HEADER + "".join(GOOD) + "bad,Bad,mentor,9,,,,fr,,,,,,,\n", encoding="utf-8")
    out = tmp_path / "pairs.csv"
    app = Path(__file__).resolve().parents[2] / "app.py"
    done = subprocess.run(
        [sys.executable, str(app), "match", "--volunteers", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{source}:5: career_stage is “9”" in done.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["mentor_id"], r["mentee_id"]) for r in rows if r["mentor_id"]] == [("m1", "e1")]
    assert int(rows[0]["score"]) > 0 and rows[0]["reasons"].startswith("topics")
    # e2 refused m1 (not_with), and the reason never says so.
    assert [(r["unmatched_id"], r["reason"]) for r in rows if r["unmatched_id"]] == [
        ("e2", "no compatible partner this time")
    ]


def test_the_command_line_refuses_an_unreadable_file(tmp_path: Path) -> None:
    app = Path(__file__).resolve().parents[2] / "app.py"
    done = subprocess.run(
        [
            sys.executable,
            str(app),
            "match",
            "--volunteers",
            str(tmp_path / "none.csv"),
            "--out",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "No such file" in done.stderr
