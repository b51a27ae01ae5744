"""A seconds-long run of the benchmark, so bench/ cannot rot. No timing is asserted here:
performance is measured by `make bench`, never by the test suite."""

from __future__ import annotations

import subprocess
import sys

from warmline import ROOT


def test_bench_runs_and_loses_nothing(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--db", "sqlite", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = (tmp_path / "RESULTS.md").read_text()
    assert "| app | sqlite | 3 | human |" in results and "| bare | - | 3 | human |" in results
    relay_rows = [line for line in results.splitlines() if line.startswith(("| app |", "| bare |"))]
    assert relay_rows and all(line.split("|")[10].strip() == "0" for line in relay_rows)  # nothing lost
    assert "| sqlite | 10 | 5 |" in results and results.rstrip().endswith("| 10 | 0 |")  # no double assignment
    assert (tmp_path / "latency.png").stat().st_size > 1000
