"""The tick's benchmark runs end to end in its quick mode, on SQLite: the figures it prints are there to be read."""

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
