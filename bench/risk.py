"""The risk detector's cost: p50/p99 of `risk.assess` (rules + model, and the nearest
examples when the model sets the level) on 300-character messages and on longer posts, the
time to load the model, and the process's resident memory with it loaded. Bounded: a fixed
count of texts, no network, no server.

    python -m bench.risk            # prints a Markdown section for bench/RESULTS.md
    python -m bench.risk --count 50 # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def texts(count: int, length: int, seed: int) -> list[str]:
    """Member-like texts of about `length` characters, stitched from the training lines."""
    from warmline.risk import corpus

    lines = [e.text for e in corpus.load()]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < length:
            parts.append(rng.choice(lines))
        out.append(". ".join(parts)[:length])
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(assess, items: list[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU milliseconds per call (on a shared machine the
    difference is time spent waiting for a core)."""
    wall, cpu = [], []
    for text in items:
        start, start_cpu = time.perf_counter(), time.thread_time()
        assess(text)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return wall, cpu


def row(label: str, count: int, ms: list[float], cpu: list[float]) -> tuple[str, int, float, float, float, float]:
    return label, count, statistics.median(ms), percentile(ms, 0.99), statistics.median(cpu), percentile(cpu, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    print(measure(parser.parse_args().count), end="")


def measure(count: int) -> str:
    """The section for bench/RESULTS.md (`bench.run` puts it there; run this in a process of its
    own, so the memory figures are the model's)."""
    before = rss_mb()
    import numpy  # noqa: F401  (counted with the model: it is the model's dependency)

    from warmline.risk import encoder, model
    from warmline.services import risk

    start = time.perf_counter()
    loaded = model.cached()
    load_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    blended = encoder.beside(model.DEFAULT_PATH)
    encoder_ms = (time.perf_counter() - start) * 1000
    risk.assess("warm up")
    after = rss_mb()
    rows = []
    for label, length in (("message, 300 chars", 300), ("post, 2,000 chars", 2000), ("post, 10,000 chars", 10000)):
        n = count if length <= 2000 else max(20, count // 10)
        rows.append(row(label, n, *timed(risk.assess, texts(n, length, seed=length))))
    if blended is not None:  # its share of the message's cost
        rows.append(row("(the encoder alone, 300 chars)", count, *timed(blended.probabilities, texts(count, 300, 300))))
    out = ["## Risk detector: scoring cost (bench/risk.py)\n"]
    out.append(
        f"`risk.assess` (rules + n-gram model{' + encoder' if blended else ''}, nearest examples when the model sets the level), one process, "
        f"model file {model.DEFAULT_PATH.stat().st_size / 1e6:.1f} MB ({loaded.meta['examples']} training lines, "
        f"{len(loaded.rows):,} n-gram rows, {loaded.meta['settings'].get('members', 1)} members); loaded in {load_ms:.0f} ms."
    )
    if blended is not None:
        path = model.DEFAULT_PATH.with_name(encoder.FILE_NAME)
        out.append(
            f"Blended with the encoder: {blended.meta['layers']} MiniLM layers, file {path.stat().st_size / 1e6:.1f} MB, "
            f"loaded in {encoder_ms:.0f} ms."
        )
    out.append("")
    out.append("| text | count | p50 ms | p99 ms | p50 CPU ms | p99 CPU ms |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, count, p50, p99, cpu50, cpu99 in rows:
        out.append(f"| {label} | {count} | {p50:.2f} | {p99:.2f} | {cpu50:.2f} | {cpu99:.2f} |")
    out.append(
        f"\nLoad average while measuring: {Path('/proc/loadavg').read_text().split()[0]} on {os.cpu_count()} cores."
    )
    out.append(
        f"\nResident memory: {before:.0f} MB before importing NumPy and loading the model, "
        f"{after:.0f} MB after (+{after - before:.0f} MB); the app process adds its own on top."
    )

    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
