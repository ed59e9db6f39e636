"""Volunteers from CSV: files as Excel saves them are read, every mistake of every row is reported with its line, and
the rest still matches."""

import codecs
import csv
import io

import pytest

from bot import csvfile
from bot.i18n import translator
from bot.matching.model import Pair, Proposal, Unmatched
from bot.matching.volunteer_file import (
    COLUMNS,
    OUTPUT_COLUMNS,
    FileError,
    Problem,
    proposal_rows,
    read_volunteers,
    rows_left_out,
)
from bot.topics import DEFAULT_TOPICS

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
        ("x1,X,mentor,many,,,,fr,,,,,,,\n", "career_stage is “many”"),
        ("x1,X,mentor,-2,,,,fr,,,,,,,\n", "career_stage is “-2”"),
        ("x1,X,mentor,2,,,,Klingon,,,,,,,\n", "languages are “Klingon”"),
        ("x1,X,mentor,2,,,,fr,bike,,,,,,\n", "format is “bike”"),
        ("x1,X,mentor,2,,,,fr,,Mars/Olympus,,,,,\n", "time zone “Mars/Olympus” is unknown"),
        ("x1,X,mentor,2,,,,fr,,,night,,,,\n", "windows “night” unknown; use morning, lunch, afternoon"),
        ("x1,X,mentor,2,,,,fr,,,,ai_assistants:9,,,\n", "topic “ai_assistants:9” should be key:level"),
        ("x1,X,mentor,2,,,,fr,,,,,lazy,,\n", "style “lazy” unknown"),
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


def test_every_mistake_of_a_row_is_reported_not_only_the_first() -> None:
    row = "x1,X,boss,9,,,,Klingon,bike,Mars/Olympus,night,ai_assistants:9,lazy,0,\n"
    volunteers, problems = read_volunteers(HEADER + GOOD[0] + row)
    assert [p.line for p in problems] == [3] * 9
    assert [p.reason.split(" ")[0] for p in problems] == [
        "role",
        "career_stage",
        "languages",
        "format",
        "time",
        "windows",
        "style",
        "topic",
        "capacity",
    ]
    assert rows_left_out(problems) == 1 and [v.id for v in volunteers] == ["m1"]


def test_an_unknown_topic_is_refused_with_the_known_topics_listed() -> None:
    _, problems = read_volunteers(HEADER + "x1,X,mentor,2,,,,fr,,,,cooking:2;dei:1,,,\n")
    assert problems == [Problem(2, f"topic “cooking” is unknown; the topics are {', '.join(DEFAULT_TOPICS)}")]


def test_answers_are_read_with_the_leniency_of_the_chat() -> None:
    """Time zones in any case or by their city, languages by name in English or French, topics by the names the chat
    knows, numbers in words, format and style as people write them."""
    row = "x1,X,Mentor,two,,,,français et English,In person,europe/paris,Morning,IA:3|Social networks:2,Hands-on,,\n"
    volunteers, problems = read_volunteers(HEADER + row + "x2,Y,mentee,5,,,,anglais,,Paris,,,,,\n")
    assert problems == []
    x1, x2 = volunteers
    assert (x1.role, x1.career_stage, x1.languages, x1.format, x1.timezone) == (
        "mentor",
        2,
        frozenset({"fr", "en"}),
        "in_person",
        "Europe/Paris",
    )
    assert (dict(x1.topics), x1.windows, x1.style) == (
        {"ai_assistants": 3, "social_networks": 2},
        frozenset({"morning"}),
        frozenset({"hands_on"}),
    )
    assert (x2.languages, x2.timezone) == (frozenset({"en"}), "Europe/Paris")


def test_a_semicolon_file_takes_lists_in_quoted_cells_or_separated_by_commas_or_bars() -> None:
    header = ";".join(COLUMNS) + "\r\n"
    rows = [
        'm1;Ana;mentor;1;;;;"fr;en";;;"morning;lunch";"ai_assistants:3;dei:2";;;\r\n',
        "e1;Jean;mentee;5;;;;fr,en;;;morning|lunch;ai_assistants:3,dei:1;;;\r\n",
    ]
    volunteers, problems = read_volunteers(header + "".join(rows))
    assert problems == []
    for volunteer in volunteers:
        assert (volunteer.languages, volunteer.windows, set(volunteer.topics)) == (
            frozenset({"fr", "en"}),
            frozenset({"morning", "lunch"}),
            {"ai_assistants", "dei"},
        )


def test_a_list_split_by_the_files_own_separator_is_told_how_to_write_it() -> None:
    header = ";".join(COLUMNS) + "\n"
    volunteers, problems = read_volunteers(
        header + "m1;Ana;mentor;1;;;;fr;en;;;;;;;\n" + "m2;Léa;mentor;1;;;;fr;;;;;;;;x\n"
    )
    assert volunteers == []
    hint = "a list inside a cell is separated by | or , or the cell is quoted"
    assert [(p.line, p.reason) for p in problems] == [
        (2, "format is “en”; use in_person, video or either"),
        (2, f"this row has 16 cells for 15 columns: {hint}"),
        (3, f"this row has 16 cells for 15 columns: {hint}"),
    ]


def test_the_separator_is_found_from_the_header_not_fooled_by_lists_inside_cells() -> None:
    # A comma file whose rows hold more `;` (in lists) than commas.
    comma = (
        HEADER + "m1,Ana,mentor,1,,,,fr;en;es;de,,,morning;lunch;afternoon,dei:1;ai_assistants:2;csr_environment:3,,,\n"
    )
    assert csvfile.sniff(comma, COLUMNS) == ","
    assert csvfile.sniff(";".join(COLUMNS) + '\nm1;Ana;mentor;1;;;;"fr,en";;;;;;;\n', COLUMNS) == ";"
    assert csvfile.sniff("\t".join(COLUMNS) + "\nm1\tAna\tmentor\t1\t\t\t\tfr,en;de\t\t\t\t\t\t\t\n", COLUMNS) == "\t"
    volunteers, problems = read_volunteers(comma)
    assert problems == [] and volunteers[0].languages == frozenset({"fr", "en", "es", "de"})


def test_blank_rows_excel_leaves_at_the_end_are_skipped() -> None:
    header = ";".join(COLUMNS) + "\r\n"
    volunteers, problems = read_volunteers(header + "m1;Ana;mentor;1;;;;fr;;;;;;;\r\n;;;;;;;;;;;;;;\r\n\r\n")
    assert problems == [] and [v.id for v in volunteers] == ["m1"]


def test_a_header_after_blank_lines_or_behind_a_bom_left_in_the_text_is_found() -> None:
    volunteers, problems = read_volunteers("\r\n\ufeff" + HEADER.upper() + GOOD[0])
    assert problems == [] and [v.id for v in volunteers] == ["m1"]


def test_a_file_without_the_required_columns_is_refused_at_line_one_with_the_separators_named() -> None:
    with pytest.raises(FileError, match=r"line 1: missing column.*separated by commas, semicolons or tabs"):
        read_volunteers(io.StringIO("name,email\nAna,ana@example.com\n"))


def test_problems_are_told_in_the_readers_language() -> None:
    _, problems = read_volunteers(HEADER + "x1,X,boss,2,,,,fr,,,,,,,\n", translator("fr"))
    assert problems == [Problem(2, "le rôle est «\u202fboss\u202f»\u202f; indiquez mentor ou mentee")]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        ("Jérôme;Zoé\r\n".encode("cp1252"), "Windows-1252"),
        (codecs.BOM_UTF8 + "Jérôme;Zoé\r\n".encode(), "UTF-8 with BOM"),
        ("Jérôme;Zoé\r\n".encode(), "UTF-8"),
        ("Jérôme;Zoé\r\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_file_is_decoded_as_excel_saved_it_and_the_encoding_is_told(encoded: bytes, encoding: str) -> None:
    assert csvfile.decode(encoded) == ("Jérôme;Zoé\r\n", encoding)


def test_a_written_file_opens_in_excel_as_meant() -> None:
    text = csvfile.write(
        ("id", "name", "pinned", "reasons"),
        [("m1", "Zoé", True, "topics 600; times 200"), ("m2", "=HYPERLINK(1)", False, None)],
        ";",
    )
    assert text.startswith("\ufeffid;name;pinned;reasons\r\n")
    assert text.encode("utf-8").startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert rows[1:] == [["m1", "Zoé", "yes", "topics 600; times 200"], ["m2", "'=HYPERLINK(1)", "no", ""]]


def test_the_proposal_gives_names_beside_ids_and_reasons_in_the_readers_language() -> None:
    volunteers, _ = read_volunteers(HEADER + "".join(GOOD))
    proposal = Proposal(
        [Pair("m1", "e1", 900, {"topics": 600, "times": 300})], [Unmatched("e2", "no_compatible_partner")]
    )
    paired, unmatched = proposal_rows(proposal, volunteers, translator("fr"))
    assert paired == ["m1", "Ana", "e1", "Jean", 900, "topics 600; times 300", "", "", ""]
    assert dict(zip(OUTPUT_COLUMNS, unmatched, strict=True)) == {
        "mentor_id": "",
        "mentor_name": "",
        "mentee_id": "",
        "mentee_name": "",
        "score": "",
        "reasons": "",
        "unmatched_id": "e2",
        "unmatched_name": "Marc",
        "reason": "pas de binôme compatible cette fois",
    }
