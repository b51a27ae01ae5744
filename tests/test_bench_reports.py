"""A seconds-long run of the report benchmark, so bench/reports.py cannot rot. No timing is
asserted: performance is measured by running the benchmark, never by the test suite."""

from __future__ import annotations

import subprocess
import sys

from warmline import ROOT


def test_report_benchmark_runs():
    run = subprocess.run(
        [sys.executable, "-m", "bench.reports", "--quick", "--db", "sqlite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| sqlite |")]
    assert len(rows) == 12 and any("programme" in row for row in rows)
