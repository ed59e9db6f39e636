"""Matching at scale: seeded synthetic programmes written as CSV and matched end to end, beside a greedy baseline.

For each size, a fresh process reads the file, filters, scores, solves and explains, then runs a greedy
best-edge-first pass on the same scores; it reports its wall time and its peak memory (VmHWM).

    python bench/matching.py [--sizes 1000 10000 40000] [--seed 7]
"""

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching.volunteer_file import COLUMNS  # noqa: E402  (after the path is set)

TOPICS = [
    "digital_tools",
    "ai_assistants",
    "social_networks",
    "consumer_habits",
    "new_ways_of_working",
    "csr_environment",
    "dei",
    "social_mobility",
    "next_gen_expectations",
]
# What juniors offer and what seniors ask for differ: AI and social networks are in demand.
OFFER = [10, 14, 12, 6, 8, 6, 5, 3, 6]
DEMAND = [12, 18, 14, 6, 9, 5, 4, 2, 5]
ZONES = ["Europe/Paris"] * 14 + ["Europe/London"] * 2 + ["America/New_York"] * 2 + ["Asia/Singapore", "Asia/Kolkata"]


def write_programme(path: Path, size: int, seed: int) -> None:
    """Half mentors, half mentees, with a reporting tree per department and realistic answer mixes."""
    rng = random.Random(seed)
    people = []
    for n in range(size):
        mentor = n % 2 == 0
        stage = rng.choices([1, 2, 3], [50, 35, 15])[0] if mentor else rng.choices([3, 4, 5], [20, 45, 35])[0]
        people.append(
            {"id": f"v{n:06d}", "stage": stage, "department": f"dept{rng.randrange(12):02d}", "mentor": mentor}
        )
    by_department: dict[str, list[dict[str, object]]] = {}
    for person in people:
        by_department.setdefault(str(person["department"]), []).append(person)
    rows = []
    for person in people:
        seniors = [p for p in by_department[str(person["department"])][:400] if int(p["stage"]) > int(person["stage"])]  # type: ignore[call-overload]
        manager = rng.choice(seniors)["id"] if seniors and rng.random() < 0.6 else ""
        languages = [
            code for code, share in (("fr", 0.8), ("en", 0.7), ("es", 0.1), ("de", 0.05)) if rng.random() < share
        ] or ["fr"]
        count = rng.randint(1, 4) if person["mentor"] else rng.randint(1, 3)
        chosen = set(rng.choices(TOPICS, OFFER if person["mentor"] else DEMAND, k=count))
        rows.append(
            {
                "id": person["id"],
                "name": f"Person {person['id']}",
                "role": "mentor" if person["mentor"] else "mentee",
                "career_stage": person["stage"],
                "department": person["department"],
                "site": f"site{rng.randrange(8)}",
                "manager_id": manager,
                "languages": ";".join(languages),
                "format": rng.choices(["either", "video", "in_person"], [60, 30, 10])[0],
                "timezone": rng.choice(ZONES),
                "windows": ";".join(sorted(set(rng.choices(["morning", "lunch", "afternoon"], k=rng.randint(1, 3))))),
                "topics": ";".join(f"{t}:{rng.randint(1, 3)}" for t in sorted(chosen)),
                "style": f"{rng.choice(['structured', 'free'])};{rng.choice(['hands_on', 'discussion'])}",
                "capacity": rng.choices([1, 2, 3], [70, 25, 5])[0] if person["mentor"] else "",
                "not_with": people[rng.randrange(size)]["id"] if rng.random() < 0.02 else "",
            }
        )
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def one(path: Path) -> dict[str, float]:
    """Match one file end to end, then the greedy baseline on the same graph; in this process alone."""
    from bot.matching.candidates import Scorer
    from bot.matching.encode import encode
    from bot.matching.exclusions import forbidden_pairs
    from bot.matching.match import assign, proposal
    from bot.matching.model import Rules
    from bot.matching.solve import greedy
    from bot.matching.volunteer_file import read_volunteers

    began = time.perf_counter()
    with path.open(newline="") as file:
        volunteers, problems = read_volunteers(file)
    read = time.perf_counter()
    rules = Rules()
    mentors = sorted((v for v in volunteers if v.role == "mentor"), key=lambda v: v.id)
    mentees = sorted((v for v in volunteers if v.role == "mentee"), key=lambda v: v.id)
    mentor_side, mentee_side, tables = encode(mentors, mentees, rules, datetime(2026, 11, 26, tzinfo=UTC))
    forbidden = forbidden_pairs(mentors, mentees)
    solution = assign(mentor_side, mentee_side, tables, rules, forbidden)
    assigned = time.perf_counter()
    result = proposal(solution, Scorer.of(mentor_side, mentee_side, tables, rules, forbidden))
    done = time.perf_counter()
    peak = next(
        int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")
    )
    graph = solution.graph
    solve_alone = 0.0
    baseline = greedy(graph, mentor_side.capacity, len(mentees))
    return {
        "volunteers": len(volunteers),
        "left_out": len(problems),
        "edges": int(graph.mentor.size),
        "read_s": read - began,
        "assign_s": assigned - read,
        "solve_s": solve_alone,
        "explain_s": done - assigned,
        "total_s": done - began,
        "peak_mib": peak / 1024,
        "pairs": len(result.pairs),
        "score": result.total_score,
        "greedy_pairs": int(baseline.size),
        "greedy_score": int(graph.points[baseline].sum()),
    }


GOALS = {10_000: (5, 1024), 40_000: (60, 2048)}  # volunteers: (seconds, MiB)


def _verdict(r: dict[str, float]) -> str:
    """The goals of this size, and never worse than greedy."""
    seconds, mib = GOALS.get(int(r["volunteers"]), (float("inf"), float("inf")))
    fine = r["total_s"] < seconds and r["peak_mib"] < mib and r["pairs"] >= r["greedy_pairs"]
    fine = fine and r["score"] >= r["greedy_score"]
    return "goal met" if fine else "goal NOT met"


def main(sizes: list[int], seed: int) -> None:
    print(f"matching end to end (read, filter, score, solve, explain), seed {seed}, most-pairs mode")
    print("assign = filter, score and solve; (solve) = the solve alone, timed again apart, not added to total")
    print(
        f"{'volunteers':>10} {'edges':>9} {'total s':>8} {'read':>6} {'assign':>7} {'(solve)':>8} {'explain':>7} "
        f"{'peak MiB':>9} {'pairs':>7} {'score':>10} {'greedy pairs':>13} {'greedy score':>13} "
        f"{'pairs +':>8} {'score %':>8}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"volunteers-{size}.csv"
            write_programme(path, size, seed)
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(path)], capture_output=True, text=True, check=True
            )
            r = json.loads(out.stdout)
            print(
                f"{r['volunteers']:>10} {r['edges']:>9} {r['total_s']:>8.2f} {r['read_s']:>6.2f} "
                f"{r['assign_s']:>7.2f} {r['solve_s']:>8.2f} {r['explain_s']:>7.2f} {r['peak_mib']:>9.0f} "
                f"{r['pairs']:>7} {r['score']:>10} {r['greedy_pairs']:>13} {r['greedy_score']:>13} "
                f"{r['pairs'] - r['greedy_pairs']:>8} {100 * (r['score'] / max(r['greedy_score'], 1) - 1):>7.2f}%"
                f"  {_verdict(r)}"
            )
    print(
        "goals: 10,000 in under 5 s and 1 GiB; 40,000 in under 60 s and 2 GiB; never fewer pairs or a lower score"
        " than greedy"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 40000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(one(arguments.one)))
    else:
        main(arguments.sizes, arguments.seed)
