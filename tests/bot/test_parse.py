"""Property tests of every parser of typed input: it never raises, and what it returns is always valid."""

import re
import zoneinfo
from datetime import date, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.parse import (
    fold,
    language_codes,
    parse_channel,
    parse_choice,
    parse_choices,
    parse_date,
    parse_decimal,
    parse_id,
    parse_languages,
    parse_mention,
    parse_number,
    parse_time,
    parse_timezone,
    parse_whole,
    parse_yes_no,
    words,
)
from bot.routes import read_id
from bot.ui import channel_ref, mention

anything = st.text(max_size=300)
TODAY = date(2026, 11, 26)
OPTIONS = [("mentor", ("Mentor", "junior")), ("mentee", ("Mentee", "mentoré")), ("either", ("Either", "both"))]


@given(anything)
def test_yes_no_is_a_bool_or_none(text: str) -> None:
    assert parse_yes_no(text) in (True, False, None)


@given(
    st.sampled_from(["yes", "Oui", "OK!", "d’accord", "sure", "no", "Non merci", "nope"]),
    st.sampled_from(["", " ", "  "]),
)
def test_yes_no_understands_both_languages_and_spacing(word: str, pad: str) -> None:
    assert parse_yes_no(pad + word + pad) is not None


@given(anything, st.integers(0, 5), st.integers(5, 20))
def test_a_number_is_within_bounds_or_none(text: str, low: int, high: int) -> None:
    value = parse_number(text, low, high)
    assert value is None or low <= value <= high


@given(st.integers(1, 9), st.sampled_from(["{} mentees", "{}", "I can take {}", "{} mentorés"]))
def test_a_number_in_a_sentence_is_read(n: int, sentence: str) -> None:
    assert parse_number(sentence.format(n), 1, 9) == n


@given(anything)
def test_a_choice_is_one_of_the_options_or_none(text: str) -> None:
    assert parse_choice(text, OPTIONS) in {"mentor", "mentee", "either", None}


@given(
    st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True),
    st.sampled_from([", ", " and ", " et ", "; ", " / "]),
    st.booleans(),
)
def test_several_choices_come_back_in_order(
    chosen: list[tuple[str, tuple[str, ...]]], separator: str, by_label: bool
) -> None:
    text = separator.join(labels[0] if by_label else str(OPTIONS.index((v, labels)) + 1) for v, labels in chosen)
    if not by_label:
        text = " ".join(str(OPTIONS.index(c) + 1) for c in chosen)
    assert parse_choices(text, OPTIONS) == [v for v, _ in chosen]


@given(anything)
def test_choices_are_distinct_options_or_none(text: str) -> None:
    found = parse_choices(text, OPTIONS)
    assert found is None or (found and len(set(found)) == len(found) and set(found) <= {"mentor", "mentee", "either"})


@given(anything)
def test_languages_are_known_iso_codes_or_none(text: str) -> None:
    found = parse_languages(text)
    assert found is None or (found and set(found) <= language_codes() and all(len(c) == 2 for c in found))


@given(
    st.lists(
        st.sampled_from(
            [
                ("French", "fr"),
                ("anglais", "en"),
                ("Español", "es"),
                ("de", "de"),
                ("Italian", "it"),
                ("portugais", "pt"),
            ]
        ),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    st.sampled_from([", ", " and ", " et ", ";"]),
)
def test_languages_are_read_in_english_french_or_as_codes(named: list[tuple[str, str]], separator: str) -> None:
    assert parse_languages(separator.join(n for n, _ in named)) == [c for _, c in named]


@given(anything)
def test_a_time_zone_is_an_iana_name_or_none(text: str) -> None:
    found = parse_timezone(text)
    assert found is None or found in zoneinfo.available_timezones()


@given(st.sampled_from(sorted(zoneinfo.available_timezones())))
def test_every_iana_name_is_read_back_whatever_its_case(name: str) -> None:
    assert parse_timezone(name.lower()) == name or parse_timezone(name) == name


@given(anything)
def test_a_date_is_a_date_or_none(text: str) -> None:
    found = parse_date(text, TODAY)
    assert found is None or isinstance(found, date)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_iso_and_day_first_dates_round_trip(day: date) -> None:
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}", TODAY) == day


@given(st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=364)), st.sampled_from(["en", "fr"]))
def test_a_date_in_words_without_a_year_is_the_next_one(day: date, language: str) -> None:
    months = {
        "en": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        "fr": [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    }[language]
    assert parse_date(f"{day.day} {months[day.month - 1]}", TODAY) == day


@given(anything)
def test_a_time_is_a_time_or_none(text: str) -> None:
    found = parse_time(text)
    assert found is None or isinstance(found, time)


@given(st.times())
def test_times_round_trip(moment: time) -> None:
    assert parse_time(f"{moment:%H:%M}") == moment.replace(second=0, microsecond=0)


# Ids are opaque to the core: any text without whitespace or the markup's own characters.
ids = st.text(st.characters(blacklist_categories=("Z", "C"), blacklist_characters="⟦⟧|"), min_size=1, max_size=40)


@given(anything)
def test_mentions_and_channels_are_ids_or_none(text: str) -> None:
    for found in (parse_mention(text), parse_channel(text)):
        assert found is None or (found and not set(found) & set("⟦⟧|"))


@given(ids, st.text(max_size=30))
def test_the_cores_mention_gives_its_id_whatever_the_id_and_the_name(user: str, name: str) -> None:
    assert parse_mention(mention(user, name)) == user
    assert parse_mention(f"  {mention(user)} ") == user
    assert parse_channel(channel_ref(user, name)) == user
    assert parse_mention(channel_ref(user)) is None and parse_channel(mention(user)) is None


@given(ids, st.text(max_size=30), st.lists(st.text(alphabet="ab ", min_size=1), max_size=3))
def test_a_mention_is_one_word_of_a_command_even_with_spaces_in_its_name(user: str, name: str, rest: list[str]) -> None:
    line = " ".join(["pair", mention(user, name), *rest])
    found = words(line)
    assert found[:2] == ["pair", mention(user, name)] and found[2:] == " ".join(rest).split()


def test_the_core_reads_no_platform_format() -> None:
    for typed in ("<@U123ABC>", "<@U123ABC|ana>", "@U123ABC", "U123ABC"):
        assert parse_mention(typed) is None
    for typed in ("<#C123ABC|general>", "<#C123ABC>", "C123ABC"):
        assert parse_channel(typed) is None


@given(anything)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# Every character Unicode calls a digit or a number: '⓵'.isdigit() is true while int('⓵') fails, and int()
# reads '١٢' as 12. The parsers read ASCII digits only, and never raise on any of them.
DIGITS = st.characters(categories=("Nd", "No", "Nl"))
digits = st.text(alphabet=st.one_of(DIGITS, st.sampled_from("0123456789 .,:/-")), max_size=40)


@given(digits)
def test_whole_numbers_are_ascii_digits_only(text: str) -> None:
    value = parse_whole(text, 0, 10**9)
    if value is not None:
        assert re.fullmatch(r"[0-9]{1,9}", text.strip()) and value == int(text.strip())


@given(digits)
def test_decimal_numbers_are_ascii_digits_only(text: str) -> None:
    value = parse_decimal(text, 0, 10**6)
    if value is not None:
        assert re.fullmatch(r"[0-9.]+", text.strip()) and value == float(text.strip())


@given(st.text(alphabet="0123456789", min_size=10, max_size=6000))
def test_a_number_too_long_for_its_field_is_none_and_never_an_error(text: str) -> None:
    assert parse_whole(text, 0, 10**9) is None  # int() of more than 4,300 digits would raise


@given(digits)
def test_no_parser_raises_on_any_kind_of_digit(text: str) -> None:
    parse_number(text, 0, 10)
    parse_choice(text, OPTIONS)
    parse_choices(text, OPTIONS)
    parse_date(text, TODAY)
    parse_time(text)
    parse_whole(text, 0, 5)
    parse_decimal(text, 0, 5)


@given(digits)
def test_a_pressed_id_is_ascii_digits_in_the_databases_range(text: str) -> None:
    value = read_id(text)
    if value is not None:
        assert re.fullmatch(r"[1-9][0-9]*", text) and 1 <= value <= 2**31 - 1


@given(st.text(max_size=200))
def test_an_id_picked_in_a_menu_is_printable_and_fits_its_column(text: str) -> None:
    picked = parse_id(text)
    if picked is not None:
        assert picked == text and 0 < len(picked) <= 64 and picked.isprintable()


def test_names_separated_by_spaces_alone_are_read_when_each_word_is_one() -> None:
    assert parse_languages("français anglais") == ["fr", "en"]
    assert parse_languages("english spanish") == ["en", "es"]
    options = [("morning", ["Morning"]), ("lunch", ["Lunchtime"]), ("evening", ["Evening"])]
    assert parse_choices("morning lunchtime", options) == ["morning", "lunch"]
    assert parse_choices("tea coffee", options) is None  # no word is a choice
    assert parse_languages("klingon anglais") is None


def test_a_day_said_in_words_relative_to_today() -> None:
    today = date(2026, 12, 2)
    assert parse_date("tomorrow", today) == date(2026, 12, 3)
    assert parse_date("Demain", today) == date(2026, 12, 3)
    assert parse_date("aujourd’hui", today) == today
    assert parse_date("in 2 weeks", today) == date(2026, 12, 16)
    assert parse_date("dans 10 jours", today) == date(2026, 12, 12)
    assert parse_date("in 900 days", today) is None  # more than a year ahead is not a pause date anyone means
    assert parse_date("in 2 fortnights", today) is None
