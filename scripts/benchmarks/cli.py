"""CLI start-up: the whole-process wall and CPU time of ``tracker upcoming`` and ``tracker
history EVENT`` on the year-scale store (100k past events, 1 M revisions) and on one with no
past events, beside a bare interpreter (``python -c pass``) and beside importing the
libraries those commands cannot avoid; and ``tracker deliver --once`` with nothing to send.

Every figure is the median of several runs of a fresh process, the commands taken in turn
(so a burst of load on the shared machine spreads over all of them); CPU is the child's user
+ system time from ``getrusage(RUSAGE_CHILDREN)``. The tracker's modules are compiled to
bytecode first, as an installed package is (the dev environment may forbid writing it)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scripts.benchmarks import synthetic
from scripts.benchmarks.harness import ROOT, Section, Sizes, ms, ratio

# What `upcoming` and `history` need and no change to the tracker could drop: click parses
# the command line, the store's tables and queries are SQLAlchemy ORM (one schema and one set
# of queries for the daemon, the web view and the CLI), and sqlite3 is the driver.
LIBRARIES = ("click", "sqlalchemy.orm", "sqlite3")
TRACKER = [sys.executable, "-m", "tracker.cli"]


@dataclass
class Timed:
    """One command and the (wall, CPU) seconds of each of its runs."""

    label: str
    argv: list[str]
    env: dict[str, str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    before: Sequence[Path] = ()  # files removed before each run (the configuration's record)

    def once(self) -> None:
        for path in self.before:
            path.unlink(missing_ok=True)
        started_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(self.argv, env=self.env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        ended_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"{self.label}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
        self.wall.append(wall)
        self.cpu.append(ended_cpu.ru_utime - started_cpu.ru_utime + ended_cpu.ru_stime - started_cpu.ru_stime)

    @property
    def medians(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


def environment(folder: Path, url: str) -> dict[str, str]:
    """A child's environment: the store, an empty configuration file, its own cache folder
    (where the configuration's record lives), and bytecode allowed."""
    config = folder / "tracker.toml"
    config.write_text('[tracker]\ntimezone = "UTC"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        TRACKER_CONFIG=str(config),
        TRACKER_DATABASE_URL=url,
        XDG_CACHE_HOME=str(folder / "cache"),
        PYTHONPATH=str(ROOT),
    )
    return env


def measure(commands: list[Timed], repeats: int) -> None:
    """Each command once to warm up (bytecode, the page cache, the record), then in turn."""
    for command in commands:
        command.once()
        command.wall.clear()
        command.cpu.clear()
    for _ in range(repeats):
        for command in commands:
            command.once()


def run(sizes: Sizes) -> list[Section]:
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    large = 100_000 if sizes.name == "full" else sizes.events[-1]
    repeats = max(3, sizes.repeats * 2)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tracker")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = {n: synthetic.copy_of(n, now, folder) for n in (0, large)}
        envs = {}
        for n, url in stores.items():
            (folder / str(n)).mkdir()
            envs[n] = environment(folder / str(n), url)
        record = [folder / str(large) / "cache" / "tracker" / "checked-config.json"]
        base_env = envs[large]
        bare = Timed("python -c pass", [sys.executable, "-c", "pass"], base_env)
        libs = Timed(
            f"python -c 'import {', '.join(LIBRARIES)}'",
            [sys.executable, "-c", f"import {', '.join(LIBRARIES)}"],
            base_env,
        )
        # The same imports with the cyclic collector off, as the tracker defers it over start-up:
        # the tracker's own share, without what deferring saves on the libraries themselves.
        quiet = Timed(
            "the same, collector off",
            [sys.executable, "-c", f"import gc; gc.disable(); import {', '.join(LIBRARIES)}"],
            base_env,
        )
        commands = [bare, libs, quiet]
        # A past event named by words, as people type it (the lookup reads every title),
        # and the same event by id; a listed one in the store with no past events.
        past = f"synthetic-{large - 10}"
        rows: list[tuple[str, str, Timed]] = []
        for n in (large, 0):
            label = f"{n:,} past events"
            wanted = [("upcoming", ["upcoming"])]
            if n:
                wanted += [
                    (f"history {past}", ["history", past]),
                    (f"history #{large - 9}", ["history", f"#{large - 9}"]),
                ]
            else:
                wanted += [("history synthetic-30", ["history", "synthetic-30"])]
            wanted += [("deliver --once", ["deliver", "--once"])]
            for name, argv in wanted:
                timed = Timed(f"tracker {name}", [*TRACKER, *argv], envs[n])
                commands.append(timed)
                rows.append((f"`tracker {name}`", label, timed))
        first = Timed(
            "tracker upcoming (config not yet recorded)", [*TRACKER, "upcoming"], base_env, before=record
        )
        commands.append(first)
        rows.insert(
            1, ("`tracker upcoming`, first run after a config change", f"{large:,} past events", first)
        )
        measure(commands, repeats)

    bare_cpu = bare.medians[1]
    libs_cpu = libs.medians[1]
    quiet_cpu = quiet.medians[1]
    section = Section(
        f"CLI start-up (whole process; medians of {repeats} runs each, in turn)",
        ["command", "store", "wall", "CPU", "CPU × bare python", f"CPU × import {', '.join(LIBRARIES)}",
         "CPU × the same, collector off"],
    )  # fmt: skip
    imports = f"`python -c 'import {', '.join(LIBRARIES)}'`"
    measured = [("`python -c pass`", "", bare), (imports, "", libs), (f"{imports}, collector off", "", quiet)]
    for name, label, timed in measured + rows:
        wall, cpu = timed.medians
        section.rows.append([name, label, ms(wall), ms(cpu), ratio(cpu, bare_cpu), ratio(cpu, libs_cpu),
                             ratio(cpu, quiet_cpu)])  # fmt: skip
    section.notes += [
        f"The libraries counted as unavoidable: {', '.join(LIBRARIES)}. click parses the command line; "
        "the store's schema and queries are SQLAlchemy ORM, shared with the daemon and the web view "
        "(a second, hand-written read path would be a second copy of every query); sqlite3 is the driver. "
        "Not counted: pydantic (a read-only command reads its three settings from the record of the "
        "last validation of the same configuration, `tracker.config.checked`), the dispatcher, the "
        "channels and their libraries (not imported by these commands; a test checks it).",
        "“first run after a config change” deletes the record before each run: the configuration is "
        "validated in full (pydantic and every section's model), as on the first command after editing it.",
        "The tracker keeps the cyclic garbage collector off until its store is open (start-up makes "
        "long-lived objects, hardly any garbage), then freezes what start-up made: that spares part of "
        "the libraries' own import too, so the last column compares with the same imports made with the "
        "collector off.",
        "Target (issue 16): `upcoming` and `history` on the 100k store at most 1.3× the import of the "
        "libraries, and at most 0.3 s on an idle machine (the seconds here are on a shared machine: "
        "see the load average above).",
    ]
    return [section]
