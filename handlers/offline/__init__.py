"""Matching offline: `python app.py match --volunteers FILE.csv --out PAIRS.csv`, the same rules as in chat."""

import argparse
import csv
import sys
import time
from datetime import UTC, datetime

from bot.matching.match import match
from bot.matching.model import Rules
from bot.matching.volunteer_file import OUTPUT_COLUMNS, FileError, proposal_rows, read_volunteers


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python app.py match", description=__doc__)
    parser.add_argument("--volunteers", required=True, help="CSV file, one row per volunteer")
    parser.add_argument("--out", required=True, help="where to write the proposal (CSV)")
    parser.add_argument("--mode", choices=("most-pairs", "best-pairs"), default="most-pairs")
    parser.add_argument("--min-score", type=int, default=0, help="best-pairs: the lowest score kept (0–1000)")
    arguments = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        with open(arguments.volunteers, newline="", encoding="utf-8-sig") as source:
            volunteers, problems = read_volunteers(source)
    except (OSError, UnicodeDecodeError, FileError) as error:
        print(f"{arguments.volunteers}: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{arguments.volunteers}:{problem.line}: {problem.reason}", file=sys.stderr)
    proposal = match(volunteers, Rules(mode=arguments.mode, min_score=arguments.min_score), datetime.now(UTC))
    with open(arguments.out, "w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=OUTPUT_COLUMNS)
        writer.writeheader()
        writer.writerows(proposal_rows(proposal))
    print(
        f"{len(volunteers)} volunteers read, {len(problems)} rows left out; {len(proposal.pairs)} pairs "
        f"(total score {proposal.total_score}), {len(proposal.unmatched)} unmatched; "
        f"{time.perf_counter() - began:.1f} s → {arguments.out}"
    )
    return 0
