"""Run the benchmark suite and write ``docs/BENCHMARKS.md``.

scripts/bench                 # the full report (under 10 minutes from a clean checkout)
scripts/bench --small         # every benchmark at small sizes (CI: keeps them working)
scripts/bench --only poll,cli # some of them; the report is written only for a full run
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from datetime import UTC, datetime

from scripts.benchmarks.harness import FULL, ROOT, SMALL, Section, machine

# In the order they appear in the report; each module has ``run(sizes) -> list[Section]``.
BENCHMARKS = ["replay", "poll", "cli", "fanout", "digests", "daemon", "urlwatch", "web"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="small sizes (CI); writes no report")
    parser.add_argument("--only", default="", help="comma-separated benchmarks: " + ", ".join(BENCHMARKS))
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"), help="report to write")
    args = parser.parse_args(argv)
    chosen = [b for b in args.only.split(",") if b] or BENCHMARKS
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    sizes = SMALL if args.small else FULL
    header = machine()
    print(header, flush=True)
    sections: list[Section] = []
    failed = []
    for name in chosen:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"scripts.benchmarks.{name}")
            found = module.run(sizes)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        for section in found:
            print(section.markdown(), flush=True)
        sections += found
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", flush=True)
    if not args.small and not args.only:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        body = "\n".join(s.markdown() for s in sections)
        text = (
            "# Benchmarks\n\nWritten by `scripts/bench` (do not edit by hand); "
            f"run {stamp} on {header}.\nSeconds depend on the machine and its load; "
            "read the ratios, each measured in the same run.\n\n" + body
        )
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.out}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
