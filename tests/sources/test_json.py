"""The generic JSON source (kind "json"): mapping features, and three real series read by config alone.

Each example config in ``config/examples/`` is replayed over its whole corpus series; the
real changes listed in the corpus README must come out with their old and new values, and
for the LL2-based series every stored move of T-0 is checked against the raw files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import EXAMPLES, corpus_dir
from tracker.config.load import load_config
from tracker.errors import ConfigError, ParseError
from tracker.models import (
    TIME_CHANGES,
    ChangeKind,
    ChangeRecord,
    EventKind,
    FetchOutcome,
    Precision,
    RawDocument,
)
from tracker.pipeline import recorded_files, replay, stamp_of
from tracker.sources import SOURCE_KINDS, build_source, options_model
from tracker.sources.json_mapped import MappedJson, MappedJsonOptions, resolve
from tracker.store.repo import Store
from tracker.timetext import strip_citations

SERIES = {
    "spacecoast": ("ll2-spacecoast.toml", "ll2-spacecoast-2025-2026"),
    "realwatch": ("ll2-realwatch.toml", "ll2-realwatch-2026"),
    "wikipedia": ("wikipedia-launchdata.toml", "wikipedia-launchdata-2022"),
}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def json_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    if "json" not in SOURCE_KINDS:  # until the registry lists it
        monkeypatch.setitem(SOURCE_KINDS, "json", "tracker.sources.json_mapped:MappedJson")


def make(**options: Any) -> MappedJson:
    options.setdefault("start", "t")
    if "id" not in options and "identity" not in options:
        options["id"] = "id"
    if "title" not in options and "title_template" not in options:
        options["title"] = "name"
    source = build_source("json", "test", None, options)
    assert isinstance(source, MappedJson)
    return source


def parse(source: MappedJson, document: Any, at: datetime = NOW) -> Any:
    return source.parse(RawDocument(json.dumps(document).encode(), at))


def iso_z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


# --------------------------------------------------------------------------- mapping features


def test_registered_with_its_options() -> None:
    assert SOURCE_KINDS["json"] == "tracker.sources.json_mapped:MappedJson"
    assert options_model("json") is MappedJsonOptions
    assert all(f.description for f in MappedJsonOptions.model_fields.values())


@pytest.mark.parametrize(
    ("document", "items", "count"),
    [
        ([{"id": 1, "name": "a", "t": "2026-03-02T10:00:00Z"}], "", 1),
        (["OrbitalFlights", [{"id": 1, "name": "a", "t": None}, {"id": 2, "name": "b", "t": None}]], "1", 2),
        ({"data": {"results": [{"id": 1, "name": "a"}]}}, "data.results", 1),
        ({"results": [{"id": 1, "name": "a"}]}, ["launches", "results"], 1),  # layout drift
    ],
)
def test_items_path_forms(document: Any, items: Any, count: int) -> None:
    assert len(parse(make(items=items), document).items) == count


def test_missing_list_is_a_parse_error_and_empty_list_is_empty() -> None:
    with pytest.raises(ParseError, match="no list of items"):
        parse(make(items="launches"), {"results": []})
    assert parse(make(items="launches"), {"launches": []}).items == []
    with pytest.raises(ParseError, match="HTML"):
        make().parse(RawDocument(b"<html>blocked</html>", NOW))


def test_resolve_walks_objects_and_arrays() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert resolve(doc, "a.b.1.c") == 2
    assert resolve(doc, "a.b.-1.c") == 2
    assert resolve(doc, "a.b.5.c") is None
    assert resolve(doc, "a.x.c") is None
    assert resolve(doc, "a.b.c") is None  # a key into an array
    assert resolve(doc, "") is doc


def test_alternative_paths_first_non_empty_wins() -> None:
    source = make(provider=["provider", "launch_service_provider.name"], status="status", vehicle=["v", "w"])
    item_new = {"id": "x", "name": "n", "t": None, "provider": "SpaceX", "status": "Go for Launch", "v": "F9"}
    item_old = {"id": "y", "name": "n", "t": None, "provider": "", "v": {"name": "obj"}, "w": "Falcon 9",
                "launch_service_provider": {"name": "SpaceX"}, "status": {"id": 3, "abbrev": "Success"}}  # fmt: skip
    new, old = parse(source, [item_new, item_old]).items
    assert (new.provider, new.status, new.vehicle) == ("SpaceX", "go", "F9")
    # empty string skipped, an object is not text for a text field, status objects are understood
    assert (old.provider, old.status, old.vehicle) == ("SpaceX", "success", "Falcon 9")


def test_title_template_identity_and_duplicates() -> None:
    source = make(
        identity=["Rocket", "FlightNumber", "Payload.0.Payload"],
        title_template="{Rocket} | {FlightNumber|Payload.0.Payload}",
        mission="Payload.0.Payload",
    )
    items = [
        {"Rocket": "Terran 1", "FlightNumber": "", "Payload": [{"Payload": "TBA"}], "t": None},
        {"Rocket": "SLS", "FlightNumber": "", "Payload": [{"Payload": "Artemis 1[12]"}], "t": None},
        {"Rocket": "Terran 1", "FlightNumber": "", "Payload": [{"Payload": "TBA"}], "t": None},
        {
            "Rocket": "F9",
            "FlightNumber": "Starlink 4-29",
            "Payload": [{"Payload": "Starlink × 46"}],
            "t": None,
        },
        {"Rocket": "Terran 1", "FlightNumber": "", "Payload": [{"Payload": "TBA"}], "t": None},
    ]
    snaps = parse(source, items).items
    assert [s.source_ref for s in snaps] == [
        "Terran 1 |  | TBA",
        "SLS |  | Artemis 1",
        "Terran 1 |  | TBA #2",
        "F9 | Starlink 4-29 | Starlink × 46",
        "Terran 1 |  | TBA #3",
    ]
    assert [s.title for s in snaps][1:4] == ["SLS | Artemis 1", "Terran 1 | TBA", "F9 | Starlink 4-29"]
    assert snaps[1].mission == "Artemis 1"  # citation marker stripped


def test_duplicate_ids_keep_the_first_and_id_falls_back_to_identity() -> None:
    source = make(id="id", identity=["name"])
    snaps = parse(source, [{"id": 7, "name": "a", "t": None}, {"id": 7, "name": "b", "t": None},
                           {"name": "c", "t": None}]).items  # fmt: skip
    assert [(s.source_ref, s.title) for s in snaps] == [("7", "a"), ("c", "c")]


def test_kind_and_type() -> None:
    source = make(kind="k", type="ty")
    launch, event, default = parse(source, [
        {"id": 1, "name": "a", "k": "Launch", "t": None},
        {"id": 2, "name": "b", "k": "docking", "ty": "Docking", "t": None},
        {"id": 3, "name": "c", "t": None},
    ]).items  # fmt: skip
    assert (launch.kind, launch.type) == (EventKind.LAUNCH, "launch")
    assert (event.kind, event.type) == (EventKind.EVENT, "docking")
    assert default.kind is EventKind.LAUNCH
    assert make(kind_value="event").snapshot({"id": 1, "name": "x"}, NOW).kind is EventKind.EVENT


@pytest.mark.parametrize(
    ("value", "precision", "options", "expected"),
    [
        ("2026-04-01T22:24:00Z", "MIN", {}, ("2026-04-01T22:24:00Z", Precision.MINUTE, False)),
        ("2026-03-31T00:00:00Z", "Q1", {}, ("2026-03-31T00:00:00Z", Precision.QUARTER, True)),
        (
            "2026-03-31T00:00:00Z",
            {"id": 7, "abbrev": "M"},
            {},
            ("2026-03-31T00:00:00Z", Precision.MONTH, True),
        ),
        ("2026-04-01T22:35:12Z", None, {}, ("2026-04-01T22:35:12Z", Precision.SECOND, False)),
        ("2026-04-01T22:35:00+00:00", None, {}, ("2026-04-01T22:35:00Z", Precision.MINUTE, False)),
        ("2026-08-20", None, {}, ("2026-08-20T00:00:00Z", Precision.DAY, False)),
        ("2025-12-31T00:00:00Z", None, {}, ("2025-12-31T00:00:00Z", Precision.MINUTE, False)),
        (
            "2025-12-31T00:00:00Z",
            None,
            {"ll2_placeholders": True},
            ("2025-12-31T00:00:00Z", Precision.YEAR, True),
        ),
        ("2025-12-31T00:00:00Z", "garbage", {}, ("2025-12-31T00:00:00Z", Precision.MINUTE, False)),
    ],
)
def test_iso_time_and_precision(value: str, precision: Any, options: dict[str, Any], expected: tuple) -> None:
    source = make(precision="p", **options)
    when = source.snapshot({"id": 1, "name": "x", "t": value, "p": precision}, NOW).when
    assert (iso_z(when.t0), when.precision, when.net) == expected


def test_text_time_uses_year_options_and_reference() -> None:
    item = {"id": 1, "name": "x", "t": "Late October (TBD)[188]", "y": "2022"}
    when = make(time_format="text").snapshot(item, NOW).when
    assert (iso_z(when.earliest), when.precision, when.net) == ("2026-10-21T00:00:00Z", Precision.MONTH, True)
    when = make(time_format="text", year=2022).snapshot(item, NOW).when
    assert iso_z(when.earliest) == "2022-10-21T00:00:00Z"
    when = make(time_format="text", year=2030, year_field="y").snapshot(item, NOW).when
    assert iso_z(when.earliest) == "2022-10-21T00:00:00Z"
    doc = {"year": 2021, "launches": [item]}
    (snap,) = parse(make(time_format="text", items="launches", year_from="year"), doc).items
    assert iso_z(snap.when.earliest) == "2021-10-21T00:00:00Z"


def test_auto_reads_iso_then_text_and_net_flag() -> None:
    source = make(time_format="auto", start=["utc", "text"], net_flag="is_net")
    firm, net = parse(source, [
        {"id": 1, "name": "a", "utc": "2026-08-20T15:19:00+00:00", "text": "ignored", "is_net": False},
        {"id": 2, "name": "b", "utc": None, "is_net": True,
         "text": "Currently scheduled for March 30, 2027; exact launch time TBD (quarter 1-level estimate)"},
    ]).items  # fmt: skip
    assert (iso_z(firm.when.t0), firm.when.precision, firm.when.net) == (
        "2026-08-20T15:19:00Z",
        Precision.MINUTE,
        False,
    )
    assert (net.when.precision, net.when.net, iso_z(net.when.earliest)) == (
        Precision.QUARTER,
        True,
        "2027-01-01T00:00:00Z",
    )
    flagged = source.snapshot({"id": 3, "name": "c", "utc": "2026-09-01T10:00:00Z", "is_net": True}, NOW).when
    assert flagged.net and flagged.precision is Precision.MINUTE


def test_no_time_is_tbd() -> None:
    when = make().snapshot({"id": 1, "name": "x"}, NOW).when
    assert when.precision is Precision.UNKNOWN and not when.known


def test_unreadable_item_is_skipped_and_list_marked_incomplete() -> None:
    source = make(time_format="text")
    parsed = parse(source, [
        {"id": 1, "name": "good", "t": "12–27 November"},
        {"id": 2, "name": "bad", "t": "sometime after the thaw"},
        {"name": "no id", "t": "3 May"},
        "not an object",
    ])  # fmt: skip
    assert [s.title for s in parsed.items] == ["good"]
    assert parsed.complete is False  # so the unread ones are not taken for dropped
    assert parse(source, [{"id": 1, "name": "good", "t": "3 May"}]).complete is True
    assert parse(make(complete=False), [{"id": 1, "name": "x"}]).complete is False
    with pytest.raises(ParseError, match="could be read"):
        parse(source, [{"id": 2, "name": "bad", "t": "sometime after the thaw"}])
    with pytest.raises(ParseError):
        parse(make(time_format="iso"), [{"id": 1, "name": "x", "t": "29 August"}])


def test_bad_window_is_no_window() -> None:
    source = make(window_start="ws", window_end="we")
    snap = source.snapshot({"id": 1, "name": "x", "t": None, "ws": "2026-01-01T00:00:00Z", "we": "soon"}, NOW)
    assert (iso_z(snap.window_start), snap.window_end) == ("2026-01-01T00:00:00Z", None)


# --------------------------------------------------------------------------- configuration


def write_config(tmp_path: Path, options: str) -> Path:
    path = tmp_path / "tracker.toml"
    path.write_text(
        f'[[sources]]\nname = "j"\nkind = "json"\n\n[sources.options]\n{options}\n', encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('start = "net"\nid = "id"\ntitle = "name"\nstrat = "x"', "strat: unknown key"),
        ('id = "id"\ntitle = "name"', "set `start`, or `date`"),
        ('start = "net"\ntitle = "name"', "set `id` or `identity`"),
        ('start = "net"\nid = "id"', "title_template"),
        ('start = "net"\nid = "id"\ntitle = "name"\ntime_format = "rfc"', "time_format"),
        ('start = "net"\nid = "id"\ntitle = "name"\nkind_value = "rollout"', "kind_value"),
        ('id = "id"\ntitle = "name"\ntime = "t"', "set `start`, or `date`"),
        ('id = "id"\ntitle = "name"\nstart = "s"\ntime = "t"', "`time` needs `date`"),
        ('id = "id"\ntitle = "name"\ndate = "d"\nzone_value = "Mars/Olympus"', "unknown zone"),
    ],
)
def test_invalid_options_are_rejected(tmp_path: Path, options: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, options), env={})
    assert any(message in problem for problem in info.value.problems), info.value.problems


@pytest.mark.parametrize("name", sorted(SERIES))
def test_example_config_is_valid(name: str) -> None:
    cfg = load_config(EXAMPLES / SERIES[name][0], env={})
    (source,) = cfg.sources
    assert source.kind == "json" and isinstance(source.options, MappedJsonOptions)
    text = (EXAMPLES / SERIES[name][0]).read_text(encoding="utf-8")
    assert f"replay {source.name} ../shared/corpus/{SERIES[name][1]}" in text


# --------------------------------------------------------------------------- the real series


def example_source(name: str) -> MappedJson:
    cfg = load_config(EXAMPLES / SERIES[name][0], env={}).sources[0]
    source = build_source(cfg.kind, cfg.name, cfg.url, cfg.options)
    assert isinstance(source, MappedJson)
    return source


def raw_items(name: str, path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_bytes())
    return doc["OrbitalFlights"] if name == "wikipedia" else doc["launches"]


@pytest.mark.parametrize("name", sorted(SERIES))
def test_every_snapshot_parses_with_unique_identities(name: str) -> None:
    source = example_source(name)
    files = list(recorded_files([corpus_dir(SERIES[name][1])]))
    assert len(files) == {"spacecoast": 439, "realwatch": 23, "wikipedia": 7}[name]
    for path in files:
        parsed = source.parse(RawDocument(path.read_bytes(), stamp_of(path)))
        refs = [s.source_ref for s in parsed.items]
        assert len(refs) == len(raw_items(name, path)) > 0, path.name  # no item skipped
        assert len(set(refs)) == len(refs), path.name
        assert parsed.complete is source.options.complete
        assert all(s.title and s.vehicle for s in parsed.items)


def test_wikipedia_identity_matches_an_independent_computation() -> None:
    source = example_source("wikipedia")
    for path in recorded_files([corpus_dir(SERIES["wikipedia"][1])]):
        seen: dict[str, int] = {}
        expected = []
        for item in raw_items("wikipedia", path):
            payload = (item["Payload"] or [{}])[0].get("Payload") or ""
            base = " | ".join(strip_citations(v) for v in (item["Rocket"], item["FlightNumber"], payload))
            seen[base] = seen.get(base, 0) + 1
            expected.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
        parsed = source.parse(RawDocument(path.read_bytes(), stamp_of(path)))
        assert [s.source_ref for s in parsed.items] == expected


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """Each series replayed once, in full, into its own fresh SQLite store."""
    stores: dict[str, Store] = {}
    folder = tmp_path_factory.mktemp("json-replays")
    for name, (_, series) in SERIES.items():
        store = Store.open(f"sqlite:///{folder / name}.db")
        results = [r for _, r in replay(store, example_source(name), [corpus_dir(series)])]
        assert {r.outcome for r in results} == {FetchOutcome.OK}, [r.error for r in results if r.error]
        stores[name] = store
    yield stores
    for store in stores.values():
        store.close()


def event_changes(store: Store, title: str) -> list[ChangeRecord]:
    (event,) = [e for e in store.find_events(title) if e.title.endswith(title)]
    return store.changes(event_id=event.id, kinds=set(TIME_CHANGES))


def moves(changes: list[ChangeRecord]) -> list[tuple[str, str | None, str | None]]:
    return [(c.kind.value, iso_z(c.old_when.t0 if c.old_when else None), iso_z(c.new_when.t0 if c.new_when else None))
            for c in changes]  # fmt: skip


def test_spacecoast_artemis_ii(replayed: dict[str, Store]) -> None:
    got = moves(event_changes(replayed["spacecoast"], "Artemis II"))
    assert got == [
        ("slip", "2026-02-06T01:09:00Z", "2026-02-07T02:45:00Z"),
        ("retimed", "2026-02-07T02:45:00Z", "2026-02-07T02:41:00Z"),
        ("slip", "2026-02-07T02:41:00Z", "2026-02-09T04:20:00Z"),
        ("slip", "2026-02-09T04:20:00Z", "2026-03-07T01:29:00Z"),
        ("advance", "2026-03-07T01:29:00Z", "2026-03-03T22:30:00Z"),
        ("slip", "2026-03-03T22:30:00Z", "2026-03-07T01:29:00Z"),
        ("slip", "2026-03-07T01:29:00Z", "2026-04-01T22:24:00Z"),
        ("firmed", "2026-04-01T22:24:00Z", "2026-04-01T22:24:00Z"),  # MIN -> SEC
        ("retimed", "2026-04-01T22:24:00Z", "2026-04-01T22:35:12Z"),
    ]


def test_spacecoast_new_glenn_ng3(replayed: dict[str, Store]) -> None:
    changes = event_changes(replayed["spacecoast"], "New Glenn | BlueBird Block 2 #2")
    values = [(iso_z(c.new_when.t0)[:16], c.new_when.precision.name) for c in changes if c.new_when]
    assert (iso_z(changes[0].old_when.t0), changes[0].old_when.precision) == (
        "2025-12-31T00:00:00Z",
        Precision.YEAR,
    )
    assert values == [
        ("2026-03-31T00:00", "QUARTER"),
        ("2026-01-31T00:00", "MONTH"),
        ("2026-02-28T00:00", "MONTH"),
        ("2026-03-31T00:00", "MONTH"),
        ("2026-04-30T00:00", "MONTH"),
        ("2026-04-10T00:00", "DAY"),
        ("2026-04-12T10:45", "MINUTE"),
        ("2026-04-14T10:45", "MINUTE"),
        ("2026-04-16T10:45", "MINUTE"),
        ("2026-04-17T10:45", "MINUTE"),
        ("2026-04-18T10:45", "MINUTE"),
        ("2026-04-19T10:45", "MINUTE"),
        ("2026-04-19T11:25", "MINUTE"),
    ]
    assert [c.kind for c in changes][:3] == [
        ChangeKind.SLIP,
        ChangeKind.FIRMED,
        ChangeKind.SLIP,
    ]  # year -> Q1, Q1 -> January, January -> February


def spacecoast_raw_moves(folder: Path) -> set[tuple[str, datetime, str | None, str | None]]:
    """Per id, each ``net`` that differs from the previous snapshot listing that id."""
    last: dict[str, str | None] = {}
    found = set()
    for path in sorted(folder.glob("*.json")):
        at = stamp_of(path)
        for item in json.loads(path.read_bytes())["launches"]:
            ref, net = str(item["id"]), item.get("net")
            if ref in last and last[ref] != net:
                found.add((ref, at, last[ref], net))
            last[ref] = net
    return found


def test_spacecoast_every_real_move_and_nothing_else(replayed: dict[str, Store]) -> None:
    expected = spacecoast_raw_moves(corpus_dir(SERIES["spacecoast"][1]))
    changes = replayed["spacecoast"].changes(kinds=set(TIME_CHANGES))
    reported = {(c.source_ref, c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0)) for c in changes
                if c.old_when and c.new_when and c.old_when.t0 != c.new_when.t0}  # fmt: skip
    assert reported == expected
    assert len(expected) > 200
    for c in changes:
        if c.kind is ChangeKind.SLIP:
            assert c.new_when.earliest >= c.old_when.latest


def test_realwatch_starlink_slips(replayed: dict[str, Store]) -> None:
    store = replayed["realwatch"]
    assert moves(event_changes(store, "Starlink Group 10-39")) == [
        ("retimed", "2026-08-20T15:19:00Z", "2026-08-20T15:38:44Z"),
        ("slip", "2026-08-20T15:38:44Z", "2026-08-21T14:57:00Z"),
        ("retimed", "2026-08-21T14:57:00Z", "2026-08-21T15:14:16Z"),
        ("retimed", "2026-08-21T15:14:16Z", "2026-08-21T15:14:22Z"),
    ]
    assert [m[2] for m in moves(event_changes(store, "Starlink Group 17-50"))] == [
        "2026-08-19T03:45:08Z", "2026-08-19T03:46:10Z", "2026-08-19T04:01:07Z",
    ]  # fmt: skip
    (earlier,) = moves(event_changes(store, "Starlink Group 15-22"))
    assert earlier[0] == "retimed" and earlier[1][11:16] == "16:44" and earlier[2][11:16] == "09:42"
    assert earlier[2] < earlier[1]  # moved earlier on the same day
    (waymaker,) = event_changes(store, "SEOPS Waymaker-1")
    assert waymaker.kind is ChangeKind.ADVANCE and waymaker.new_when.net and waymaker.old_when.net
    assert (iso_z(waymaker.old_when.t0), iso_z(waymaker.new_when.t0)) == (
        "2028-09-29T00:00:00Z",
        "2028-03-30T00:00:00Z",
    )


def test_realwatch_moves_come_from_real_value_changes(replayed: dict[str, Store]) -> None:
    """Every stored move of T-0 is a change of the raw start value; every change of a firm
    ``launch_time_utc`` is stored."""
    last: dict[str, tuple[str | None, str]] = {}
    raw_changed: set[tuple[str, datetime]] = set()
    firm_moves: set[tuple[str, datetime, str, str]] = set()
    for path in sorted(corpus_dir(SERIES["realwatch"][1]).glob("*.json")):
        at = stamp_of(path)
        for item in json.loads(path.read_bytes())["launches"]:
            value = (item["launch_time_utc"], item["time_description"])
            before = last.get(item["uid"])
            if before is not None and (before[0] or before[1]) != (value[0] or value[1]):
                raw_changed.add((item["uid"], at))
                if before[0] and value[0]:
                    firm_moves.add((item["uid"], at, iso_z(datetime.fromisoformat(before[0])),
                                    iso_z(datetime.fromisoformat(value[0]))))  # fmt: skip
            last[item["uid"]] = value
    changes = replayed["realwatch"].changes(kinds=set(TIME_CHANGES))
    assert {(c.source_ref, c.observed_at) for c in changes} <= raw_changed
    reported = {(c.source_ref, c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0)) for c in changes}
    assert firm_moves <= reported and len(firm_moves) >= 8


def test_wikipedia_artemis_1(replayed: dict[str, Store]) -> None:
    changes = event_changes(replayed["wikipedia"], "Artemis 1")
    summary = [(c.kind.value, c.new_when.precision.name, iso_z(c.new_when.earliest), iso_z(c.new_when.latest))
               for c in changes]  # fmt: skip
    assert iso_z(changes[0].old_when.t0) == "2022-08-29T12:33:00Z"  # "29 August12:33"
    assert summary == [
        ("slip", "MONTH", "2022-10-21T00:00:00Z", "2022-11-01T00:00:00Z"),  # "Late October (TBD)"
        ("advance", "MINUTE", "2022-09-27T15:37:00Z", "2022-09-27T15:38:00Z"),  # "27 September 15:37"
        ("slip", "MONTH", "2022-11-12T00:00:00Z", "2022-11-28T00:00:00Z"),  # "12–27 November"
        ("firmed", "MINUTE", "2022-11-14T05:07:00Z", "2022-11-14T05:08:00Z"),  # "14 November 05:07"
    ]
    assert changes[0].new_when.net and not changes[1].new_when.net


@pytest.mark.parametrize(
    ("title", "old_ref", "new_ref"),
    [
        (
            "Falcon 9 Block 5 | Galaxy 33",
            "Falcon 9 Block 5 |  | Galaxy 33",
            "Falcon 9 Block 5 | F9-180 | Galaxy 33",
        ),
        ("Ariane 5 ECA | Galaxy 35", "Ariane 5 ECA |  | Galaxy 35", "Ariane 5 ECA | VA259 | Galaxy 35"),
        ("Atlas V 531 | SES-20", "Atlas V 531 |  | SES-20", "Atlas V 531 | AV-099 | SES-20"),
    ],
)
def test_wikipedia_items_whose_flight_number_fills_in_keep_one_timeline(
    replayed: dict[str, Store], title: str, old_ref: str, new_ref: str
) -> None:
    """The wiki list has no ids: the identity includes the flight number, which appears near
    launch. The item is followed to its new id, not reported dropped and new."""
    store = replayed["wikipedia"]
    (event,) = [e for e in store.find_events(title) if e.title == title]
    (ident,) = store.identities(event.id)
    assert ident.source_ref == new_ref and f"renamed from {old_ref!r}" in (ident.match_reason or "")
    kinds = [c.kind.value for c in store.changes(event_id=event.id)]
    assert "dropped" not in kinds and kinds.count("new") <= 1 and len(kinds) >= 2, kinds
    refs = {c.source_ref for c in store.changes(kinds={ChangeKind.DROPPED})}
    assert old_ref not in refs


def test_wikipedia_starlink_groups_are_never_merged(replayed: dict[str, Store]) -> None:
    """ "Starlink Group 4-36 | Starlink × ?" vanishing while "Starlink Group 4-20 | Starlink × ?"
    appears is not a rename: the ids contradict each other."""
    store = replayed["wikipedia"]
    renamed = 0
    for event in store.find_events("Starlink", limit=1000):
        for ident in store.identities(event.id):
            said = f"{ident.source_ref} {ident.match_reason or ''}"
            assert len(set(re.findall(r"Starlink Group (\d+-\d+)", said))) <= 1, said
            renamed += "renamed from" in said
    assert renamed >= 3  # "Starlink × ?" → "Starlink × 51" once the count is known


@pytest.mark.parametrize(
    ("title", "values"),
    [
        ("Falcon Heavy | USSF-44", ["2022-10-01", "2022-10-21", "2022-10-31T10:44", "2022-11-01T13:40"]),
        (
            "Delta IV Heavy | NROL-91 / (KH-11 19)",
            ["2022-08-01", "2022-09-01", "2022-09-24", "2022-09-24T21:53", "2022-09-24T22:25:30"],
        ),
        ("Long March 5B | Mengtian", ["2022-10-01", "2022-10-03", "2022-10-31T08:00", "2022-10-31T07:37:23"]),
        (
            "Falcon 9 Block 5 | Galaxy 33",
            ["2022-10-01", "2022-10-08", "2022-10-05T23:07", "2022-10-06T23:07"],
        ),
    ],
)
def test_wikipedia_readme_timelines(replayed: dict[str, Store], title: str, values: list[str]) -> None:
    store = replayed["wikipedia"]
    events = [e for e in store.find_events(title) if e.title == title]
    got = []
    for event in sorted(events, key=lambda e: e.id):
        for revision in store.history(event.id):
            t0 = iso_z(revision.snapshot.when.t0) or ""
            text = t0[:10] if t0.endswith("T00:00:00Z") else t0.removesuffix(":00Z").removesuffix("Z")
            if not got or got[-1] != text:
                got.append(text)
    assert [v for v in got if v in values] == values, got


def test_no_example_reports_a_false_dropped(replayed: dict[str, Store]) -> None:
    """The space-coast recorder keeps the next 10 launches and real-launch-watch a filtered first
    100: launches fall off their tails all the time. Declared incomplete, neither reports a drop
    (as complete lists they reported 61 and 5 false "dropped"). The wiki tables are the whole year."""
    for name in ("spacecoast", "realwatch"):
        assert example_source(name).options.complete is False
        assert replayed[name].changes(kinds={ChangeKind.DROPPED}) == []
    assert example_source("wikipedia").options.complete is True


def test_hour_precision_is_kept_as_recorded(replayed: dict[str, Store]) -> None:
    """LL2 ``HR`` values in the space-coast series: NG-24's "2026-04-08T12:30 HR" is 12:30 in
    history and alerts, not the hour it falls in."""
    from tracker.display import when_text

    (event,) = [e for e in replayed["spacecoast"].find_events("Cygnus CRS-2 NG-24") if "NG-24" in e.title]
    hours = [r.snapshot.when for r in replayed["spacecoast"].history(event.id)
             if r.snapshot.when.precision is Precision.HOUR]  # fmt: skip
    assert {when_text(w, UTC) for w in hours} == {"2026-04-01 ~15:00 UTC", "2026-04-08 ~12:30 UTC"}


# --------------------------------------------------------------------------- date and time apart


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"d": "2026-08-04", "t": "14:00"}, ("2026-08-04T14:00:00Z", Precision.MINUTE)),
        ({"d": "2026-08-04", "t": "14:00:30"}, ("2026-08-04T14:00:30Z", Precision.SECOND)),
        ({"d": "2026-08-04", "t": "T14:00Z", "z": "-04:00"}, ("2026-08-04T14:00:00Z", Precision.MINUTE)),
        (
            {"d": "2026-08-04", "t": "14:00", "z": "America/New_York"},
            ("2026-08-04T18:00:00Z", Precision.MINUTE),
        ),
        (
            {"d": "2026-01-04", "t": "2:00 PM", "z": "America/New_York"},
            ("2026-01-04T19:00:00Z", Precision.MINUTE),
        ),
        (
            {"d": "2026-08-18", "t": "19:00", "z": "America/Los_Angeles"},
            ("2026-08-19T02:00:00Z", Precision.MINUTE),
        ),
        ({"d": "2026-08-04", "t": "14:00", "z": "+0300"}, ("2026-08-04T11:00:00Z", Precision.MINUTE)),
        (
            {"d": "2026-08-04", "t": "14:00 UTC", "z": "Europe/Moscow"},
            ("2026-08-04T14:00:00Z", Precision.MINUTE),
        ),
        ({"d": "2026-08-04", "t": "TBD"}, ("2026-08-04T00:00:00Z", Precision.DAY)),
        ({"d": "2026-08-04", "t": "", "z": "-04:00"}, ("2026-08-04T04:00:00Z", Precision.DAY)),
        ({"d": "August 4, 2026", "t": "14:00"}, ("2026-08-04T14:00:00Z", Precision.MINUTE)),
        ({"t": "14:00"}, (None, Precision.UNKNOWN)),
    ],
)
def test_start_from_date_and_time_fields(item: dict[str, Any], expected: tuple[Any, Precision]) -> None:
    source = make(start=None, date="d", time="t", zone="z", time_format="auto")
    when = source.snapshot({"id": 1, "name": "x", **item}, NOW).when
    assert (iso_z(when.t0), when.precision) == expected


def test_zone_value_and_precision_apply_to_the_parts() -> None:
    source = make(start=None, date="d", time="t", zone_value="Europe/Moscow", precision="p")
    when = source.snapshot({"id": 1, "name": "x", "d": "2026-03-24", "t": "10:30", "p": "HR"}, NOW).when
    assert (iso_z(when.t0), when.precision) == ("2026-03-24T07:30:00Z", Precision.HOUR)
    with pytest.raises(ValueError, match="unknown zone 'Mars/Olympus'"):
        make(start=None, date="d", time="t", zone="z").snapshot(
            {"id": 1, "d": "2026-03-24", "z": "Mars/Olympus"}, NOW
        )


_ZONES = {"FL": "America/New_York", "CA": "America/Los_Angeles", "TX": "America/Chicago"}


def parts_series(folder: Path, local: bool) -> dict[str, list[tuple[datetime, str | None, str | None]]]:
    """real-launch-watch's recorded series rewritten into the shape of recorders that keep the
    date and the time of day apart (``"date": "2026-08-04", "time": "14:00"``), in UTC or in the
    site's local time with a zone field; returns per id the (snapshot, old, new) moves of T-0."""
    folder.mkdir()
    last: dict[str, str | None] = {}
    moves: dict[str, list[tuple[datetime, str | None, str | None]]] = {}
    for path in recorded_files([corpus_dir(SERIES["realwatch"][1])]):
        out = []
        for item in json.loads(path.read_bytes())["launches"]:
            instant = datetime.fromisoformat(item["launch_time_utc"]) if item["launch_time_utc"] else None
            row = {
                "id": item["uid"],
                "vehicle": item["rocket"],
                "mission": item["mission"],
                "net": item["is_net"],
            }
            if instant is None:
                row |= {"date": item["scheduled_date"], "time": ""}
            else:
                zone = _ZONES[item["location_code"]] if local else "UTC"
                at = instant.astimezone(ZoneInfo(zone))
                row |= {"date": at.strftime("%Y-%m-%d"), "time": at.strftime("%H:%M:%S" if at.second else "%H:%M"),
                        "zone": zone}  # fmt: skip
            out.append(row)
            value = iso_z(instant) if instant else None
            if item["uid"] in last and last[item["uid"]] != value and value and last[item["uid"]]:
                moves.setdefault(item["uid"], []).append((stamp_of(path), last[item["uid"]], value))
            last[item["uid"]] = value
        (folder / path.name).write_text(json.dumps({"launches": out}), encoding="utf-8")
    return moves


@pytest.mark.parametrize("local", [False, True], ids=["utc", "local-with-zone"])
def test_date_and_time_apart_series_every_real_move_and_no_false_one(tmp_path: Path, local: bool) -> None:
    expected = parts_series(tmp_path / "series", local)
    source = build_source("json", "parts", None, {
        "items": "launches", "id": "id", "title_template": "{vehicle} | {mission}", "vehicle": "vehicle",
        "mission": "mission", "date": "date", "time": "time", "zone": "zone", "net_flag": "net",
        "complete": False,
    })  # fmt: skip
    store = Store.open(f"sqlite:///{tmp_path / 'parts.db'}")
    try:
        results = [r for _, r in replay(store, source, [tmp_path / "series"])]
        assert {r.outcome for r in results} == {FetchOutcome.OK}
        reported: dict[str, list[tuple[datetime, str | None, str | None]]] = {}
        for c in store.changes(kinds=set(TIME_CHANGES)):
            if c.old_when and c.new_when and c.old_when.precision <= Precision.MINUTE >= c.new_when.precision:
                reported.setdefault(c.source_ref, []).append(
                    (c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0))
                )
        assert reported == expected
        assert sum(map(len, expected.values())) >= 10  # the launch-night retimes of the series
        assert store.changes(kinds={ChangeKind.DROPPED}) == []
    finally:
        store.close()
