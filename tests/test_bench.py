"""The benchmarks run end to end, small: the figures they print are there to be read, and are not asserted on."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_tick_benchmark_runs_in_quick_mode_and_prints_each_tick_and_the_delivery_rate() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tick.py"), "--quick", "--databases", "sqlite"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    ticks = [line.split() for line in lines if line.startswith("sqlite ")]
    sizes_and_due = [(row[1], row[2]) for row in ticks]
    assert sizes_and_due == [("100", "0"), ("100", "1"), ("100", "10"), ("1000", "0"), ("1000", "10"), ("1000", "100")]
    assert all(row[4] == "0" for row in ticks if row[2] == "0"), "a tick with nothing due writes nothing"
    assert any("100 sent to the local Slack" in line for line in lines)


def test_the_acknowledgement_benchmark_measures_slack_and_teams_beside_their_bare_apps_in_one_run() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ack.py"), "--requests", "16", "--rounds", "2", "--concurrency", "4"],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    lines = done.stdout.splitlines()
    slack = next(i for i, line in enumerate(lines) if line.startswith("16 signed requests"))
    teams = next(i for i, line in enumerate(lines) if line.startswith("16 Teams activities"))
    assert slack < teams
    assert [line.split()[0] for line in lines[slack + 2 : slack + 4]] == ["bare", "passerelle"]
    assert any(line.startswith("Passerelle's replies: all 8 of a round delivered") for line in lines[slack:teams])
    assert lines[teams + 1].split()[-3] == "calls/act"
    rows = {line.split()[0]: line.split() for line in lines[teams + 2 : teams + 4]}
    assert list(rows) == ["bare", "passerelle"]
    # Every activity was answered 200 and every answer reached the Bot Connector: the bare bot replies once to each
    # message (three kinds in four) and answers the invoke in its response; Passerelle calls it at least as much.
    calls = {name: float(row[6]) for name, row in rows.items()}
    assert calls["bare"] == 0.75 and calls["passerelle"] >= 0.75
    assert lines[teams + 4].startswith("ratio passerelle/bare: p50 ")


def test_the_matching_benchmark_sets_each_size_beside_the_proven_optimum_and_greedy_on_the_full_graph() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "matching.py"), "--sizes", "200", "600", "--chat", "200"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if " volunteers: " in line]
    assert [lines[i].split()[0] for i in starts] == ["200", "600"]
    for start in starts:
        labels = [line.split("  ")[1] for line in lines[start + 1 : start + 7]]
        assert labels == ["ours", "optimum", "certificate", "greedy, full", "ratios", "goals"]
        ours, optimum, certificate, _, ratios, goals = lines[start + 1 : start + 7]
        assert "proof: " in ours and " rounds, " in ours and "scipy linear_sum_assignment" in optimum
        # The checks are independent of the matching's code; at these sizes both are exact.
        assert "certificate holds" in certificate
        assert "ours / optimum 1.000 (+0 pairs, +0 points)" in ratios and "ours / greedy-full " in ratios
        assert "peak under 1 GiB: goal" in goals
    # The smaller size is also matched in chat by the real app, beside other people's requests.
    chat = lines[starts[0] + 7]
    assert chat.startswith("  in chat       preview delivered after ") and " errors; every ack under 1 s" in chat
