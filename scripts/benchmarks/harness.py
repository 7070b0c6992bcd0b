"""What every benchmark shares: sizes, medians, a section of results, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark runs: ``full`` for the report, ``small`` for CI (it keeps
    the benchmarks working, its figures mean little)."""

    name: str
    events: tuple[int, ...]  # store sizes for the poll benchmark (past events)
    chats: int  # fan-out to this many chats with limits lifted
    paced_chats: int  # fan-out under Telegram's limits
    digests: int  # subscribers with a daily digest
    subscribers: int  # for the daemon's memory and ticks
    sources: int
    repeats: int


FULL = Sizes("full", (0, 1_000, 10_000, 100_000), 10_000, 1_000, 10_000, 10_000, 20, 5)
SMALL = Sizes("small", (0, 200), 200, 60, 200, 200, 3, 2)


@dataclass
class Section:
    """One benchmark's results: a table, and what the figures mean (targets, limits)."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"## {self.title}", ""]
        if self.rows:
            out.append("| " + " | ".join(self.columns) + " |")
            out.append("|" + "|".join("---" for _ in self.columns) + "|")
            out += ["| " + " | ".join(row) + " |" for row in self.rows]
            out.append("")
        out += [f"- {note}" for note in self.notes]
        return "\n".join(out).rstrip() + "\n"


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``work``."""
    times = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_cpu(work: Callable[[], object], repeats: int) -> float:
    """The median process CPU time of ``repeats`` calls of ``work`` (less noisy than the
    wall on a shared machine)."""
    times = []
    for _ in range(max(1, repeats)):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base > 0 else "n/a"


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return (
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at start {load[0]:.2f}"
    )
