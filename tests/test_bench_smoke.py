"""A seconds-long run of the benchmark, so bench/ cannot rot. No timing is asserted here:
performance is measured by `make bench`, never by the test suite."""

from __future__ import annotations

import subprocess
import sys

from warmline import ROOT


def table(results: str, title: str) -> list[list[str]]:
    """The rows of one section's table, as lists of cells."""
    section = results[results.index(f"## {title}") :].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_bench_runs_every_scenario_and_loses_nothing(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--db", "sqlite", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = (tmp_path / "RESULTS.md").read_text()
    relay = table(results, "Scenario 1: chat relay")
    assert {(r[0], r[1], r[3], r[5]) for r in relay} >= {
        ("bare", "-", "gevent pywsgi", "human"),
        ("app", "sqlite", "gevent pywsgi", "human"),
        ("app", "sqlite", "gunicorn gevent", "full"),
    }
    assert all(r[11] == "0" for r in relay)  # nothing acknowledged was lost
    assert {r[0] for r in table(results, "Scenario 2: idle connections")} == {"bare", "app"}
    assert {r[0] for r in table(results, "Scenario 3: forum thread page")} == {"app", "bare"}
    counts = table(results, "Scenario 3: SQL statements per thread page")
    assert len(counts) == 2 and counts[0][2] == counts[1][2]  # the same at 10 posts and at 40
    risk = table(results, "Risk detector: scoring cost (bench/risk.py)")
    assert [r[0] for r in risk if not r[0].startswith("---")] == [
        "message, 300 chars",
        "post, 2,000 chars",
        "post, 10,000 chars",
    ]
    burst = table(results, "Scenario 4: queue burst")
    assert burst == [["sqlite", "10", "5", burst[0][3], "10", "0"]]  # all assigned, none twice
    assert (tmp_path / "latency.png").stat().st_size > 1000


def test_the_risk_section_replaces_its_last_measurement_and_keeps_the_findings(tmp_path):
    from bench import report

    old = f"{report.RISK_TITLE}\n\n| old |\n\nResident memory: 1 MB.\n\nWhat it means.\n"
    (tmp_path / "RESULTS.md").write_text("# Benchmark results\n\n" + old)
    report.risk_section(tmp_path, f"{report.RISK_TITLE}\n\n| new |\n\nResident memory: 2 MB.\n")
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| new |" in text and "| old |" not in text and "1 MB" not in text
    assert text.endswith("Resident memory: 2 MB.\n\nWhat it means.\n")
