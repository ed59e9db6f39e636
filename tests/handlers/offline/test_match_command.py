"""`python app.py match` as a real process, on files written as Excel writes them; its proposal as Excel reads it."""

import codecs
import csv
import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.matching.volunteer_file import COLUMNS
from bot.topics import DEFAULT_TOPICS
from tests.processes import ROOT, clean_env

ROWS = [
    # id, name, role, stage, department, site, manager, languages, format, timezone, windows, topics, style, …
    "m1|Zoé Lefèvre|mentor|1|Marketing|Lyon||fr;en|either|Europe/Paris|morning;lunch|ai_assistants:3;dei:2|free|1|",
    "e1|Jérôme Dupré|mentee|5|Finance|Paris||fr|video|Europe/Paris|morning|ai_assistants:3|free;hands_on||",
    "m2|Ana|mentor|2|Finance|Lyon||en|either|Europe/Paris|afternoon|social_networks:1|structured|1|",
    "e2|Marc|mentee|4|Finance|Paris||en|either|America/New_York|morning|social_networks:3;dei:3|free||",
]


def excel_file(path: Path, rows: Sequence[str | Sequence[str]], delimiter: str, encoding: str) -> Path:
    """As Excel saves a sheet: its separator, its encoding, CRLF, and a cell quoted when it holds the separator."""
    out = io.StringIO()
    cells = [row.split("|") if isinstance(row, str) else row for row in rows]
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([COLUMNS, *cells])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run(*arguments: str, language: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in clean_env(LANG=language).items() if k not in ("LC_ALL", "LC_MESSAGES")}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "match", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


def proposal(path: Path) -> tuple[str, list[dict[str, str]]]:
    """The separator and the rows of a proposal, which must open in Excel: UTF-8 with a BOM, CRLF."""
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and b"\r\n" in data
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return delimiter, list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize(
    ("delimiter", "encoding", "told", "written"),
    [
        (";", "cp1252", "read as Windows-1252, columns separated by semicolons (;)", ";"),
        (";", "utf-8-sig", "read as UTF-8 with BOM, columns separated by semicolons (;)", ";"),
        ("\t", "utf-8", "read as UTF-8, columns separated by tabs", ","),
        ("\t", "utf-16", "read as UTF-16, columns separated by tabs", ","),
        (",", "utf-8", "read as UTF-8, columns separated by commas (,)", ","),
    ],
)
def test_a_file_saved_by_excel_is_read_and_the_proposal_opens_in_excel(
    tmp_path: Path, delimiter: str, encoding: str, told: str, written: str
) -> None:
    source = excel_file(tmp_path / "volunteers.csv", ROWS, delimiter, encoding)
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"{source}: {told}" in done.stdout and done.stderr == ""
    separator, rows = proposal(out)
    assert separator == written
    assert [(r["mentor_id"], r["mentor_name"], r["mentee_id"], r["mentee_name"]) for r in rows if r["mentor_id"]] == [
        ("m1", "Zoé Lefèvre", "e1", "Jérôme Dupré"),
        ("m2", "Ana", "e2", "Marc"),
    ]


def test_a_tab_file_in_a_french_terminal_is_answered_in_french_and_written_for_a_french_excel(tmp_path: Path) -> None:
    source = excel_file(tmp_path / "volunteers.csv", [*ROWS, ["x1", "X", "boss", *[""] * 12]], "\t", "cp1252")
    done = run("--volunteers", str(source), "--out", str(tmp_path / "pairs.csv"), language="fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "lu en Windows-1252, colonnes séparées par des tabulations" in done.stdout
    assert "le rôle est «\u202fboss\u202f»" in done.stderr
    assert proposal(tmp_path / "pairs.csv")[0] == ";"  # what a French Excel splits on


def test_every_mistake_of_a_row_is_told_and_answers_are_read_as_the_chat_reads_them(tmp_path: Path) -> None:
    rows = [
        ["m1", "Zoé", "mentor", "1", "", "", "", "français", "", "europe/paris", "", "ai_assistants:3", "", "", ""],
        ["e1", "Jean", "mentee", "5", "", "", "", "French", "", "Paris", "", "IA:2", "", "", ""],
        ["x1", "X", "boss", "9", "", "", "", "fr", "bike", "Mars/Olympus", "", "", "", "", ""],
        ["x2", "Y", "mentor", "2", "", "", "", "fr", "", "", "", "cooking:2;ai_assistants:1", "", "", ""],
    ]
    source = excel_file(tmp_path / "volunteers.csv", rows, ";", "cp1252")
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"{source}:4: role is “boss”; use mentor or mentee",
        f"{source}:4: career_stage is “9”; use a whole number from 1 to 5",
        f"{source}:4: format is “bike”; use in_person, video or either",
        f"{source}:4: time zone “Mars/Olympus” is unknown; use an IANA name such as Europe/Paris",
        f"{source}:5: topic “cooking” is unknown; the topics are {', '.join(DEFAULT_TOPICS)}",
    ]
    assert "2 volunteers read, 2 rows left out; 1 pair (total score " in done.stdout
    assert "Proven optimal over every allowed pair (solves: 1; pairs added by pricing: 0)." in done.stdout
    assert [(r["mentor_id"], r["mentee_id"]) for r in proposal(out)[1] if r["mentor_id"]] == [("m1", "e1")]


@pytest.mark.parametrize("where", ["missing/folder/pairs.csv", "."])
def test_an_out_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path, where: str) -> None:
    source = excel_file(tmp_path / "volunteers.csv", ROWS, ";", "cp1252")
    out = tmp_path / where
    done = run("--volunteers", str(source), "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith(f"{out}: cannot write the proposal: ")
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("spelt", ["volunteers.csv", "sub/../volunteers.csv"])
def test_an_out_that_is_the_volunteers_file_is_refused_and_the_file_kept(tmp_path: Path, spelt: str) -> None:
    source = excel_file(tmp_path / "volunteers.csv", ROWS, ";", "cp1252")
    (tmp_path / "sub").mkdir()
    before = source.read_bytes()
    done = run("--volunteers", str(source), "--out", str(tmp_path / spelt))
    assert done.returncode == 2
    assert (
        done.stderr == f"{tmp_path / spelt}: the proposal would overwrite the volunteers file; choose another --out\n"
    )
    assert source.read_bytes() == before


def test_a_negative_min_score_is_refused_as_in_chat(tmp_path: Path) -> None:
    source = excel_file(tmp_path / "volunteers.csv", ROWS, ";", "cp1252")
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out), "--mode", "best-pairs", "--min-score", "-5")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the minimum score is a number from 0 to 1000, such as 750; “-5” is not" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("score", ["750.0", "750,5", "751"])
def test_a_decimal_min_score_keeps_the_pairs_from_it_up(tmp_path: Path, score: str) -> None:
    source = excel_file(tmp_path / "volunteers.csv", ROWS, ";", "cp1252")
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out), "--mode", "best-pairs", "--min-score", score)
    assert done.returncode == 0, done.stderr
    rows = proposal(out)[1]
    assert [(r["mentor_id"], r["mentee_id"], r["score"]) for r in rows if r["mentor_id"]] == [("m1", "e1", "950")]
    assert {(r["unmatched_id"], r["reason"]) for r in rows if r["unmatched_id"]} == {
        ("m2", "every possible pair is below the minimum score"),
        ("e2", "every possible pair is below the minimum score"),
    }


def test_a_header_that_names_no_column_is_refused_with_what_was_read(tmp_path: Path) -> None:
    source = tmp_path / "volunteers.csv"
    source.write_bytes("nom;rôle\r\nZoé;mentor\r\n".encode("cp1252"))
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.startswith(f"{source}: read as Windows-1252, columns separated by semicolons (;): line 1: ")
    assert "missing column(s) id, role, career_stage, languages" in done.stderr


def test_a_missing_volunteers_file_is_refused(tmp_path: Path) -> None:
    done = run("--volunteers", str(tmp_path / "none.csv"), "--out", str(tmp_path / "out.csv"))
    assert done.returncode == 2 and done.stderr == f"{tmp_path / 'none.csv'}: No such file or directory\n"
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("content", "told"),
    [
        # A cell past the csv module's limit, and a quote opened and never closed that runs to the end.
        ("m1,Ana,mentor,1,Marketing,Lyon,," + "x" * 200_000 + "\r\n", "line 2: this line cannot be read"),
        ('m1,Ana,mentor,1,"Marketing,Lyon\r\n' + "e1,Jean\r\n" * 20_000 + "x" * 140_000, "line 2: this line"),
    ],
)
def test_a_line_the_csv_reader_cannot_read_is_one_clear_error(tmp_path: Path, content: str, told: str) -> None:
    source = tmp_path / "volunteers.csv"
    source.write_text(",".join(COLUMNS) + "\r\n" + content, encoding="utf-8")
    out = tmp_path / "pairs.csv"
    done = run("--volunteers", str(source), "--out", str(out))
    assert done.returncode == 2 and not out.exists() and "Traceback" not in done.stderr
    assert told in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_utf16_file_cut_short_is_read_without_its_last_character(tmp_path: Path) -> None:
    source = excel_file(tmp_path / "volunteers.txt", [], "\t", "utf-16")
    source.write_bytes(source.read_bytes()[:-1])  # half of the last character: a copy interrupted
    done = run("--volunteers", str(source), "--out", str(tmp_path / "pairs.csv"))
    assert "Traceback" not in done.stderr and "UnicodeDecodeError" not in done.stderr
