"""CPU per check beside urlwatch: a recorded LL2 series served over loopback HTTP, one
snapshot per check, watched by urlwatch (a ``urls.yaml`` job on the URL, its own cache
database) and by the tracker, both as a whole process per check (``urlwatch``, ``tracker
poll SOURCE``) and inside a long-lived process (``tracker.pipeline.poll`` called in a loop,
as the daemon does). Also what each reported: urlwatch a diff per changed document, the
tracker the changes it detected, each checked against the raw documents.

urlwatch is installed from PyPI into a virtual environment of its own in the benchmark
cache (never a dependency of the project); when that fails the section says so."""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scripts.benchmarks import synthetic
from scripts.benchmarks.harness import ROOT, Section, Sizes, ms, ratio
from tests.fakes.recorded_server import recorded_server
from tests.helpers import CORPUS
from tracker.config.load import load_config
from tracker.pipeline import DropGuard, poll
from tracker.policy import worth_alert
from tracker.sources import build_source
from tracker.sources.http import Http, HttpSettings
from tracker.store.repo import Store

SERIES = "ll2-launch-upcoming-2020-2021"
# What `tracker poll` needs beyond what `upcoming` does (see the CLI section): pydantic, as a
# source's options are models, and requests, the HTTP layer.
LIBRARIES = ("click", "sqlalchemy.orm", "sqlite3", "pydantic", "requests")
URLWATCH = "urlwatch==2.29"
CHECKS = {"full": 40, "small": 6}  # checks after the first (2020-11-12 → 12-21 at full size)
VENV = synthetic.CACHE / "urlwatch-venv"
PATH = "/2.0.0/launch/upcoming/"
REPORT = re.compile(r"^\d+\. (NEW|CHANGED|ERROR|UNCHANGED): ", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def install() -> Path | str:
    """The urlwatch executable (installed on first use), or why it could not be installed."""
    exe = VENV / "bin" / "urlwatch"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", URLWATCH],
                       check=True, capture_output=True, text=True, timeout=600)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        lines = str(getattr(exc, "stderr", None) or exc).strip().splitlines()
        return f"`pip install {URLWATCH}` into {VENV} failed: {lines[-1] if lines else exc!r}"
    return exe if exe.exists() else f"`pip install {URLWATCH}` gave no `urlwatch` in {VENV}"


def child(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``argv`` to its end: (its CPU seconds, user + system, and what it printed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, done


# ---- what really moved, from the raw documents -------------------------------------------


def _items(body: bytes) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in json.loads(body).get("results") or []}


def _facts(old: dict[str, Any] | None, new: dict[str, Any] | None) -> set[str]:
    """What changed in one launch between two documents, in the raw fields."""
    if old is None or new is None:
        return {"appeared"} if new is not None else {"left"} if old is not None else set()
    found = set()
    if old.get("net") != new.get("net"):
        found.add("net_later" if str(new.get("net")) > str(old.get("net")) else "net_earlier")
    if (old.get("tbddate"), old.get("tbdtime")) != (new.get("tbddate"), new.get("tbdtime")):
        found.add("precision")
    if (old.get("status") or {}).get("name") != (new.get("status") or {}).get("name"):
        found.add("status")
    if (old.get("window_start"), old.get("window_end")) != (new.get("window_start"), new.get("window_end")):
        found.add("window")
    return found


# The raw facts that make each kind of change true.
NEEDS = {
    "slip": {"net_later"}, "advance": {"net_earlier"}, "retimed": {"net_later", "net_earlier"},
    "firmed": {"net_later", "net_earlier", "precision"}, "loosened": {"net_later", "net_earlier", "precision"},
    "status": {"status"}, "window": {"window"}, "new": {"appeared"}, "dropped": {"left"},
}  # fmt: skip


class Truth:
    """The launches as the raw documents gave them, per check, to judge each report by."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.docs = [_items(body) for body in bodies]

    def document_change(self, n: int) -> str:
        """What check ``n``'s document changed against the one before, as a diff of it shows:
        "a move" (a launch's date, status or window), "launches entering or leaving" only, or
        "other fields" only (probabilities, links, the order of launches)."""
        old, new = self.docs[n - 1], self.docs[n]
        facts = set().union(*(_facts(old.get(i), new.get(i)) for i in set(old) | set(new)))
        if facts - {"appeared", "left"}:
            return "a move"
        return "launches entering or leaving" if facts else "other fields"

    def change_true(self, n: int, ref: str, kind: str) -> bool:
        """Whether launch ``ref`` moved as ``kind`` says at check ``n``, against the last
        document before it that listed anything (an empty list changes nothing)."""
        seen = [d for d in self.docs[:n] if d]
        if kind == "new":
            return ref in self.docs[n] and not any(ref in d for d in seen)
        last = next((d[ref] for d in reversed(seen) if ref in d), None)
        previous = seen[-1] if seen else {}
        if kind == "dropped":
            return ref in previous and ref not in self.docs[n]
        return bool(_facts(last, self.docs[n].get(ref)) & NEEDS.get(kind, set()))


# ---- the three checkers ------------------------------------------------------------------


def _config(folder: Path, url: str, server: str) -> Path:
    path = folder / "tracker.toml"
    path.write_text(f"""[database]\nurl = "{url}"\n[http]\nretries = 0\nhost_interval_seconds = 0.0
respect_robots = false\n[[sources]]\nname = "ll2"\nkind = "ll2-launches"\nurl = "{server}{PATH}"\n""")
    return path


def run(sizes: Sizes) -> list[Section]:
    files = sorted((CORPUS / SERIES).glob("*.json"))[: CHECKS[sizes.name] + 1]
    bodies = [f.read_bytes() for f in files]
    truth = Truth(bodies)
    section = Section(
        f"CPU per check beside urlwatch ({SERIES}, {len(files) - 1} checks after a first one, over loopback HTTP)",
        [
            "checker",
            "CPU per check (median)",
            "× urlwatch",
            "notifications",
            "checks that notified",
            "what they say",
        ],
    )
    exe = install()
    with tempfile.TemporaryDirectory() as tmp, recorded_server() as server:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(HOME=str(folder / "home"), XDG_CONFIG_HOME=str(folder / "home" / ".config"),
                   XDG_CACHE_HOME=str(folder / "home" / ".cache"), PYTHONPATH=str(ROOT))  # fmt: skip
        (folder / "home").mkdir()
        (folder / "urls.yaml").write_text(f"name: ll2\nurl: {server.url}{PATH}\n")
        urlwatch = [str(exe), "--urls", str(folder / "urls.yaml"), "--config", str(folder / "urlwatch.yaml"),
                    "--cache", str(folder / "urlwatch.db")]  # fmt: skip
        (folder / "process").mkdir()
        config = _config(folder / "process", f"sqlite:///{folder / 'process.db'}", server.url)
        tracker = [sys.executable, "-m", "tracker.cli", "--config", str(config), "poll", "ll2"]

        # The long-lived process: the same configuration, its own store.
        cfg = load_config(_config(folder, f"sqlite:///{folder / 'daemon.db'}", server.url), env={})
        scfg = cfg.source("ll2")
        source = build_source(scfg.kind, scfg.name, scfg.url, scfg.options, scfg.trust)
        http = Http(HttpSettings.from_section(cfg.http))
        store = Store.open(f"sqlite:///{folder / 'daemon.db'}")
        guard, policy = DropGuard(scfg.min_items_ratio, scfg.min_items_baseline), cfg.alerts.policy()

        cpu: dict[str, list[float]] = {"urlwatch": [], "process": [], "libraries": [], "daemon": []}
        libraries = [sys.executable, "-c", f"import {', '.join(LIBRARIES)}"]
        reports: list[tuple[int, str]] = []
        try:
            for n, body in enumerate(bodies):
                server.serve(body)
                if isinstance(exe, Path):
                    spent, done = child(urlwatch, env)
                    if n:
                        cpu["urlwatch"].append(spent)
                        reports += [(n, kind) for kind in REPORT.findall(ANSI.sub("", done.stdout))]
                spent, done = child(tracker, env)
                if done.returncode not in (0, 1):  # 1: the fetch failed (an empty list), as urlwatch's ERROR
                    raise RuntimeError(f"tracker poll: exit {done.returncode}: {done.stderr[-500:]}")
                if n:
                    cpu["process"].append(spent)
                    cpu["libraries"].append(child(libraries, env)[0])
                started = time.process_time()
                poll(store, source, http, guard, policy)
                if n:
                    cpu["daemon"].append(time.process_time() - started)
        finally:
            store.close()
            http.close()
        judged = {
            name: _judged(f"sqlite:///{folder / f'{name}.db'}", truth, policy)
            for name in ("process", "daemon")
        }

    base = statistics.median(cpu["urlwatch"]) if cpu["urlwatch"] else 0.0
    if isinstance(exe, Path):
        kinds = Counter(kind for _, kind in reports)
        shown = Counter(truth.document_change(n) for n, kind in reports if kind == "CHANGED")
        section.rows.append(["urlwatch 2.29, a process per check", ms(base), "1.00×",
                             f"{len(reports)} diffs ({', '.join(f'{v} {k}' for k, v in kinds.items())})",
                             str(len({n for n, _ in reports})),
                             "; ".join(f"{v} show {k}" for k, v in shown.most_common())])  # fmt: skip
    else:
        section.notes.append(f"urlwatch not measured: {exe}")
    for name, label in (("process", "`tracker poll ll2`, a process per check"),
                        ("daemon", "the tracker's poll inside a long-lived process (the daemon)")):  # fmt: skip
        recorded, alerted = judged[name]
        kinds = Counter(kind for _, kind, _ in alerted)
        true = sum(ok for _, _, ok in alerted)
        section.rows.append([label, ms(statistics.median(cpu[name])), ratio(statistics.median(cpu[name]), base),
                             f"{len(alerted)} alerts ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}; "
                             f"{recorded} changes recorded)", str(len({n for n, _, _ in alerted})),
                             f"{true} true, {len(alerted) - true} not"])  # fmt: skip
    libs = statistics.median(cpu["libraries"])
    section.rows.append([f"`python -c 'import {', '.join(LIBRARIES)}'`: what a `tracker poll` process cannot "
                         "avoid importing", ms(libs), ratio(libs, base), "", "", ""])  # fmt: skip
    section.notes += [
        "urlwatch reports a diff whenever the document changed at all; “what they say” sorts its diffs by "
        "what the two documents differ in: a launch's date, status or window (a move), only launches "
        "entering or leaving the list (most leave because they flew), or only other fields. The tracker's "
        "alerts are its detected changes that its default alert policy sends (one per event that moved; "
        "a launch newly listed is `new`), each checked against the raw documents: the launch's `net`, "
        "`tbddate`/`tbdtime`, status or window really moved that way since the last list that named it, "
        "or it was never listed before. The corpus README lists the real slips of this series (Electron "
        "“Return to Sender”, Soyuz “Falcon Eye 2”, Astra Rocket 3.2, LauncherOne Demo 2, ...).",
        "A process per check is urlwatch's way (run from cron); the tracker checks inside its daemon, where "
        "a check costs only the fetch, the parse and the write. As a whole process `tracker poll` first "
        "imports its libraries (the last row), which alone cost more CPU than a whole urlwatch check: "
        "SQLAlchemy's ORM the most (see the CLI section for what the tracker adds on top of them).",
        "Target (issue 16): CPU per check no more than urlwatch's, with fewer alerts, all of them true.",
    ]
    return [section]


def _judged(url: str, truth: Truth, policy: Any) -> tuple[int, list[tuple[int, str, bool]]]:
    """(how many changes the store at ``url`` holds, and each that its policy alerts: its
    check, its kind and whether the raw documents bear it out)."""
    from sqlalchemy import select

    from tracker.models import Change
    from tracker.store.tables import FetchRunRow

    store = Store.open(url)
    try:
        changes = store.changes()
        with store.engine.connect() as conn:
            times = list(conn.scalars(select(FetchRunRow.observed_at).order_by(FetchRunRow.id)))
    finally:
        store.close()
    if len(times) != len(truth.docs):
        raise RuntimeError(f"{len(times)} fetch runs for {len(truth.docs)} checks")
    check = {when: n for n, when in enumerate(times)}  # one run per check, in order
    alerted = []
    for c in changes:
        change = Change(c.kind, c.old_when, c.new_when, c.old_status, c.new_status, c.detail)
        if worth_alert(change, policy, c.observed_at):
            n = check.get(c.observed_at, -1)
            alerted.append((n, c.kind.value, n >= 0 and truth.change_true(n, c.source_ref, c.kind.value)))
    return len(changes), alerted
