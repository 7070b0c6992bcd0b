"""Write a small offline sample in LL2 2.3.0 format, modelled on the Soyuz-5 story:
the rollout to the pad, scheduled for March 24, is postponed to March 26.

``python -m tracker.cli.demo FOLDER`` writes ``FOLDER/launches`` and ``FOLDER/events``,
two snapshots each, named with their (recent) UTC snapshot times, ready for
``tracker replay``. Dates are set in the coming March so that they are upcoming.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _next_march(now: datetime) -> int:
    return now.year if now < datetime(now.year, 3, 20, tzinfo=UTC) else now.year + 1


def _rollout(day: int, year: int) -> dict[str, Any]:
    return {
        "id": 9001,
        "name": "Soyuz-5 rollout to the launch pad",
        "type": {"id": 23, "name": "Rollout"},
        "description": "Transport of the Soyuz-5 launch vehicle to Site 45 at Baikonur.",
        "location": "Baikonur Cosmodrome, Site 45",
        "date": f"{year}-03-{day:02d}T00:00:00Z",
        "date_precision": {"id": 5, "name": "Day", "abbrev": "DAY"},
        "launches": [
            {
                "name": "Soyuz-5 | Maiden flight",
                "launch_service_provider": {"name": "RKK Progress"},
                "rocket": {"configuration": {"name": "Soyuz-5", "full_name": "Soyuz-5"}},
                "mission": {"name": "Maiden flight"},
            }
        ],
    }


def _launch(
    ident: str, name: str, net: str, precision: str, vehicle: str, provider: str, pad: str
) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "status": {"id": 2, "name": "To Be Determined", "abbrev": "TBD"},
        "net": net,
        "net_precision": {"abbrev": precision},
        "window_start": net,
        "window_end": net,
        "launch_service_provider": {"name": provider},
        "rocket": {"configuration": {"name": vehicle, "full_name": vehicle}},
        "mission": {"name": name.partition("|")[2].strip()},
        "pad": {"name": pad.partition(",")[0], "location": {"name": pad.partition(",")[2].strip()}},
    }


def _page(results: list[dict[str, Any]]) -> str:
    return json.dumps({"count": len(results), "next": None, "previous": None, "results": results}, indent=2)


def write_sample(folder: Path, now: datetime | None = None) -> list[Path]:
    """Write the sample; returns the files written."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    year = _next_march(now)
    soyuz = ("5b1a0c2e-0000-4000-8000-000000000005", "Soyuz-5 | Maiden flight")
    soyuz_rest = ("Soyuz-5", "RKK Progress", "Site 45, Baikonur Cosmodrome, Kazakhstan")
    falcon = ("f9000000-0000-4000-8000-000000000009", "Falcon 9 Block 5 | Starlink Group 10-40")
    falcon_rest = ("Falcon 9 Block 5", "SpaceX", "Space Launch Complex 40, Cape Canaveral SFS, FL, USA")
    snapshots = [
        (
            now - timedelta(days=2),
            [_rollout(24, year)],
            [
                _launch(*soyuz, f"{year}-04-30T00:00:00Z", "M", *soyuz_rest),
                _launch(*falcon, f"{year}-03-10T15:30:00Z", "MIN", *falcon_rest),
            ],
        ),
        (
            now - timedelta(days=1),
            [_rollout(26, year)],
            [
                _launch(*soyuz, f"{year}-04-04T09:15:00Z", "MIN", *soyuz_rest),
                _launch(*falcon, f"{year}-03-10T16:05:00Z", "MIN", *falcon_rest),
            ],
        ),
    ]
    written = []
    for at, events, launches in snapshots:
        stamp = at.strftime("%Y-%m-%dT%H%M%SZ")
        for kind, results in (("events", events), ("launches", launches)):
            path = folder / kind / f"demo-{kind}-{stamp}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_page(results), encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - exercised by scripts/demo
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-data/sample")
    for path in write_sample(target):
        print(path)
