"""Matching offline: `python app.py match --volunteers FILE.csv --out PAIRS.csv`, the same rules as in chat."""

import argparse
import math
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot import csvfile
from bot.i18n import Tr, normalize_locale, translator
from bot.matching.match import match
from bot.matching.model import POINTS, Rules
from bot.matching.volunteer_file import (
    COLUMNS,
    OUTPUT_COLUMNS,
    FileError,
    proposal_rows,
    read_volunteers,
    rows_left_out,
)
from bot.topics import N_

SEPARATORS = {",": N_("commas (,)"), ";": N_("semicolons (;)"), "\t": N_("tabs")}


def main(argv: list[str]) -> int:
    tr = translator(_locale())
    arguments = _parser(tr).parse_args(argv)
    source, out = Path(arguments.volunteers), Path(arguments.out)
    existed = out.exists()
    refused = _refused_out(source, out, tr)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    code = _run(arguments, source, out, tr)
    if code and not existed:
        out.unlink(missing_ok=True)  # only made to learn early that it can be written
    return code


def _run(arguments: argparse.Namespace, source: Path, out: Path, tr: Tr) -> int:
    began = time.perf_counter()
    try:
        text, encoding = csvfile.decode(source.read_bytes())
    except OSError as error:
        print(f"{source}: {error.strerror or error}", file=sys.stderr)
        return 2
    delimiter = csvfile.sniff(text, COLUMNS)
    read_as = tr(
        "read as {encoding}, columns separated by {separator}", encoding=encoding, separator=tr(SEPARATORS[delimiter])
    )
    try:
        volunteers, problems = read_volunteers(text, tr, delimiter)
    except FileError as error:
        print(f"{source}: {read_as}: {error}", file=sys.stderr)
        return 2
    print(f"{source}: {read_as}")
    for problem in problems:
        print(f"{source}:{problem.line}: {problem.reason}", file=sys.stderr)
    proposal = match(volunteers, Rules(mode=arguments.mode, min_score=arguments.min_score), datetime.now(UTC))
    # Written as the sheet that made the volunteers file splits: `;` files come from a French Excel.
    written = delimiter if delimiter != "\t" else csvfile.delimiter_for(tr.locale)
    try:
        out.write_text(csvfile.write(OUTPUT_COLUMNS, proposal_rows(proposal, volunteers, tr), written), newline="")
    except OSError as error:
        print(
            tr("{path}: cannot write the proposal: {error}", path=out, error=error.strerror or error), file=sys.stderr
        )
        return 2
    left_out, pairs = rows_left_out(problems), len(proposal.pairs)
    print(
        tr(
            "{volunteers}, {left_out}; {pairs}, {unmatched}; {seconds} s → {out}",
            volunteers=tr.plural("{n} volunteer read", "{n} volunteers read", len(volunteers)),
            left_out=tr.plural("{n} row left out", "{n} rows left out", left_out),
            pairs=tr.plural(
                "{n} pair (total score {score})", "{n} pairs (total score {score})", pairs, score=proposal.total_score
            ),
            unmatched=tr("{n} unmatched", n=len(proposal.unmatched)),
            seconds=f"{time.perf_counter() - began:.1f}",
            out=out,
        )
    )
    print(
        tr(
            "Proven optimal over every allowed pair (solves: {rounds}; pairs added by pricing: {added}).",
            rounds=proposal.proof.rounds,
            added=proposal.proof.added,
        )
    )
    return 0


def _locale() -> str:
    """The terminal's language, as gettext looks for it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return normalize_locale(os.environ[name]) or "en"
    return "en"


def _parser(tr: Tr) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python app.py match", description=__doc__)
    parser.add_argument("--volunteers", required=True, help=tr("CSV file, one row per volunteer"))
    parser.add_argument("--out", required=True, help=tr("where to write the proposal (CSV)"))
    parser.add_argument("--mode", choices=("most-pairs", "best-pairs"), default="most-pairs")
    parser.add_argument(
        "--min-score",
        type=lambda text: _min_score(text, tr),
        default=0,
        help=tr("best-pairs: the lowest score kept (0–{top})", top=POINTS),
    )
    return parser


def _min_score(text: str, tr: Tr) -> int:
    """The lowest score kept, as in chat from 0 to the top; '750.0' and '750,5' too: a pair scores whole points, so a
    fraction keeps the pairs from the next whole point up."""
    number = text.strip().replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,4}(?:\.[0-9]*)?", number) or not 0 <= float(number) <= POINTS:
        raise argparse.ArgumentTypeError(
            tr("the minimum score is a number from 0 to {top}, such as 750; “{value}” is not", top=POINTS, value=text)
        )
    return math.ceil(float(number))


def _refused_out(source: Path, out: Path, tr: Tr) -> str | None:
    """Why the proposal cannot be written there, found before the matching runs rather than after."""
    if out.resolve() == source.resolve() or (out.exists() and source.exists() and out.samefile(source)):
        return tr("{path}: the proposal would overwrite the volunteers file; choose another --out", path=out)
    try:
        with out.open("ab"):  # creates it, or leaves it as it is until the proposal is written
            pass
    except OSError as error:
        return tr("{path}: cannot write the proposal: {error}", path=out, error=error.strerror or error)
    return None
