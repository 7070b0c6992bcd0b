"""Small LL2-format documents written by the tests themselves."""

from __future__ import annotations

import json
from typing import Any


def launch(
    n: int, net: str, *, status: str = "Go", precision: str | None = "MIN", name: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": name or f"Falcon 9 Block 5 | Starlink Group 10-{n}",
        "status": {"id": 1, "name": status, "abbrev": status},
        "net": net,
        "window_start": net,
        "window_end": net,
        "launch_service_provider": {"name": "SpaceX"},
        "rocket": {"configuration": {"name": "Falcon 9", "full_name": "Falcon 9 Block 5"}},
        "mission": {"name": f"Starlink Group 10-{n}"},
        "pad": {"name": "Space Launch Complex 40", "location": {"name": "Cape Canaveral SFS, FL, USA"}},
    }
    if precision:
        item["net_precision"] = {"abbrev": precision}
    return item


def page(items: list[dict[str, Any]], *, next_url: str | None = None, count: int | None = None) -> bytes:
    return json.dumps(
        {"count": len(items) if count is None else count, "next": next_url, "results": items}
    ).encode()


def forty(day: int = 10) -> list[dict[str, Any]]:
    return [launch(n, f"2030-01-{day + n % 15:02d}T{n % 24:02d}:30:00Z") for n in range(1, 41)]
