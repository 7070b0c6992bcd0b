"""HTML sources: the generic CSS-selector reader and the SpaceFlight Insider module.

The SpaceFlight Insider page (corpus §7) is read twice, by its own module (checked
against a golden file reviewed by eye against the page) and by the generic reader as
configured in config/examples/html-selectors.toml; both must agree on every launch.
Set UPDATE_GOLDEN=1 to rewrite the golden file after a deliberate change, then review it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES, FIXTURES, corpus_dir
from tracker.config.load import load_config
from tracker.errors import ParseError
from tracker.models import ChangeKind, EventKind, FetchOutcome, Precision, RawDocument
from tracker.pipeline import replay, stamp_of
from tracker.sources import SOURCE_KINDS, build_source
from tracker.sources.html_selectors import HtmlSelectors
from tracker.store.repo import Store

GOLDEN = FIXTURES / "html-spaceflightinsider-golden.json"
DAY1 = FIXTURES / "html-schedule-2026-03-20T1200Z.html"
DAY2 = FIXTURES / "html-schedule-2026-03-22T1200Z.html"
SFI_FILE = "spaceflightinsider-launch-schedule-2018-02-04T1521Z.html"

SCHEDULE = {
    "item": "ul.schedule li.event",
    "title": ".name",
    "date": ".when",
    "time": ".clock",
    "status": ".status",
    "site": ".where",
    "vehicle": ".vehicle",
    "id_attr": "data-id",
    "link": "a.more",
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def recorded(path: Path, url: str = "") -> RawDocument:
    return RawDocument(path.read_bytes(), stamp_of(path), url=url)


def sfi_page() -> RawDocument:
    return recorded(corpus_dir("html-spaceflightinsider-2018") / SFI_FILE)


def iso_z(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


# --------------------------------------------------------------------------- generic reader


def test_synthetic_schedule_fields():
    source = build_source("html", "s", options=SCHEDULE)
    parsed = source.parse(recorded(DAY1, "https://schedule.example.org/launches/"))
    assert parsed.complete
    items = {s.source_ref: s for s in parsed.items}
    assert list(items) == ["soyuz5-transport", "artemis2", "ng3", "hostile"]

    soyuz = items["soyuz5-transport"]
    assert soyuz.title == "Soyuz-5 transport to the launch complex" and soyuz.kind is EventKind.LAUNCH
    assert soyuz.when.t0 == utc(2026, 3, 24, 9) and soyuz.when.precision is Precision.MINUTE
    assert (soyuz.status, soyuz.site, soyuz.vehicle) == ("go", "Baikonur Cosmodrome Site 45", "Soyuz-5")
    assert soyuz.url == "https://schedule.example.org/events/soyuz5-transport"

    artemis = items["artemis2"]
    assert artemis.when.t0 == utc(2026, 4, 1, 22, 24) and artemis.when.net  # "NET April 1" + "6:24 PM EDT"
    assert artemis.url == "https://example.org/artemis-ii"

    ng3 = items["ng3"]  # "Q2 2026" with time "TBD"
    assert ng3.when.precision is Precision.QUARTER
    assert (ng3.when.earliest, ng3.when.latest) == (utc(2026, 4, 1), utc(2026, 7, 1))
    assert ng3.status == "tbd"

    hostile = items["hostile"]  # kept verbatim: the renderers escape
    assert hostile.title == "<b>&</a> static fire"
    assert hostile.site == "<script>alert(1)</script>"
    assert hostile.url is None  # href="javascript:alert(1)" is not a link we pass on
    assert hostile.when.precision is Precision.MONTH and hostile.when.net  # "Late April (TBD)"
    assert hostile.when.earliest == utc(2026, 4, 21)


def test_synthetic_schedule_replays_as_slip_firmed_and_status(sqlite_url):
    store = Store.open(sqlite_url)
    try:
        source = build_source("html", "s", options=SCHEDULE)
        results = [r for _, r in replay(store, source, [DAY1, DAY2])]
        assert [r.outcome for r in results] == [FetchOutcome.OK, FetchOutcome.OK]
        found = {(c.source_ref, c.kind) for c in store.changes()}
        assert found == {
            ("soyuz5-transport", ChangeKind.SLIP),  # March 24 -> Thursday, March 26
            ("ng3", ChangeKind.FIRMED),  # Q2 2026 -> April 16 10:45
            ("artemis2", ChangeKind.STATUS),  # Go -> Hold
        }
        (slip,) = store.changes(kinds={ChangeKind.SLIP})
        assert (slip.old_when.t0, slip.new_when.t0) == (utc(2026, 3, 24, 9), utc(2026, 3, 26, 9))
    finally:
        store.close()


def test_machine_dates_from_an_attribute_and_title_identity():
    source = build_source("html", "m", options={"item": "article.launch", "title": "h2", "date": "time",
                                                "date_attr": "datetime", "link": "a"})  # fmt: skip
    parsed = source.parse(RawDocument((FIXTURES / "html-machine-dates.html").read_bytes(), utc(2026, 8, 20)))
    assert not parsed.complete  # "sometime soonish" is unreadable: that item is left out, nothing dropped
    items = {s.source_ref: s for s in parsed.items}
    assert list(items) == ["falcon-9-starlink-10-39", "electron-return-to-sender", "ariane-6-galileo-l14"]
    assert items["falcon-9-starlink-10-39"].when.t0 == utc(2026, 8, 21, 15, 14, 22)
    assert items["falcon-9-starlink-10-39"].when.precision is Precision.SECOND
    assert items["electron-return-to-sender"].title == "Electron | Return to Sender"
    assert items["electron-return-to-sender"].when.precision is Precision.DAY
    assert items["ariane-6-galileo-l14"].when.precision is Precision.MINUTE
    assert all(s.url is None for s in items.values())


def test_year_option_fixes_dates_without_a_year():
    body = b"<div class='e'><b>X</b><i>January 5</i></div>"
    options = {"item": "div.e", "title": "b", "date": "i"}
    guessed = build_source("html", "y", options=options).parse(RawDocument(body, utc(2026, 11, 20)))
    assert guessed.items[0].when.earliest == utc(2027, 1, 5)  # next January
    fixed = build_source("html", "y", options={**options, "year": 2026}).parse(
        RawDocument(body, utc(2026, 11, 1))
    )
    assert fixed.items[0].when.earliest == utc(2026, 1, 5)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty HTML"),
        (b" \n\t", "empty HTML"),
        ((FIXTURES / "html-error-page.html").read_bytes(), "matched nothing"),
        (b'{"launches": []}', "matched nothing"),
        (DAY1.read_bytes()[:300], "none of the 1 items.*no date"),
        (b"<ul class='schedule'><li class='event'><h3 class='name'>X</h3><span class='when'>soon</span></li></ul>",
         "none of the 1 items"),
        (b"<ul class='schedule'><li class='event'><span class='when'>May 1</span></li></ul>", "no title"),
    ],
    ids=["empty", "blank", "error-page", "json", "truncated", "bad-date", "no-title"],
)  # fmt: skip
def test_broken_input_is_a_parse_error(body, message):
    with pytest.raises(ParseError, match=message):
        build_source("html", "s", options=SCHEDULE).parse(RawDocument(body, utc(2026, 3, 20)))


def test_options_are_validated():
    with pytest.raises(ValueError, match="CSS selector"):
        HtmlSelectors("x", options={"item": "li[", "title": "h3"})
    with pytest.raises(ValueError, match="regular expression"):
        HtmlSelectors("x", options={"item": "li", "title": "h3", "time_pattern": "("})
    with pytest.raises(ValueError):
        HtmlSelectors("x", options={"title": "h3"})  # item is required
    with pytest.raises(ValueError):
        HtmlSelectors("x", options={"item": "li", "title": "h3", "colour": "red"})


# --------------------------------------------------------------------------- SpaceFlight Insider


def golden_rows(items) -> list[dict[str, object]]:
    return [
        {"ref": s.source_ref, "title": s.title, "earliest": iso_z(s.when.earliest),
         "precision": s.when.precision.name.lower(), "net": s.when.net, "site": s.site}
        for s in items
    ]  # fmt: skip


def test_spaceflightinsider_golden():
    parsed = build_source("spaceflightinsider", "sfi").parse(sfi_page())
    rows = golden_rows(parsed.items)
    if os.environ.get("UPDATE_GOLDEN"):
        lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
        GOLDEN.write_text(f"[\n{lines}\n]\n", encoding="utf-8")  # one launch a line: easy to review
    assert rows == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert parsed.complete and len(rows) == 33


def test_spaceflightinsider_targeted():
    items = {s.source_ref: s for s in build_source("spaceflightinsider", "sfi").parse(sfi_page()).items}
    fh = items["launch-88"]
    assert (fh.title, fh.vehicle, fh.mission) == ("Falcon Heavy | Falcon Heavy Test Flight", "Falcon Heavy",
                                                  "Falcon Heavy Test Flight")  # fmt: skip
    assert fh.when.t0 == utc(2018, 2, 6, 18, 30) and fh.when.precision is Precision.MINUTE and not fh.when.net
    assert (fh.window_start, fh.window_end) == (utc(2018, 2, 6, 18, 30), utc(2018, 2, 6, 21, 30))  # 3 hours
    assert fh.site == "Kennedy Space Center LC-39A" and fh.kind is EventKind.LAUNCH and fh.type == "launch"
    assert fh.url == "https://www.spaceflightinsider.com/launch-schedule/#launch-88"

    zhangheng = items["launch-337"]  # "NET Feb 1", Time TBD
    assert zhangheng.when.precision is Precision.DAY and zhangheng.when.net
    assert zhangheng.when.earliest == utc(2018, 2, 1) and zhangheng.vehicle == "Long March 2D"

    assert items["launch-329"].when.t0 == utc(2018, 2, 25, 4)  # "1:00 PM JST": the UTC part is used
    assert items["launch-319"].vehicle == "Soyuz-U"  # "Soyuz-<wbr>U"
    ses12 = items["launch-230"]  # "NET Feb"
    assert ses12.when.precision is Precision.MONTH and ses12.when.net
    assert (ses12.when.earliest, ses12.when.latest) == (utc(2018, 2, 1), utc(2018, 3, 1))
    stp2 = items["launch-276"]  # "NET 2018", in "Missions No Earlier Than 2018"
    assert stp2.when.precision is Precision.YEAR and stp2.when.earliest == utc(2018, 1, 1)
    crs14 = items["launch-309"]  # "Window 1 second" but Time TBD: no window
    assert crs14.window_end is None and crs14.when.precision is Precision.DAY


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body><h1>403 Forbidden</h1></body></html>",
     b"<table class='launchcalendar' id='launch-1'><tr><th>soon-ish</th><th>X</th></tr></table>"],
    ids=["empty", "blocked", "unreadable-date"],
)  # fmt: skip
def test_spaceflightinsider_broken_input_is_a_parse_error(body):
    with pytest.raises(ParseError):
        build_source("spaceflightinsider", "sfi").parse(RawDocument(body, utc(2018, 2, 4)))


def test_spaceflightinsider_truncated_page_keeps_what_it_read():
    page = sfi_page()
    body = page.body[: page.body.index(b'id="launch-311"')]
    parsed = build_source("spaceflightinsider", "sfi").parse(RawDocument(body, page.observed_at))
    assert [s.source_ref for s in parsed.items][-1] == "launch-316"
    assert len(parsed.items) == 8  # the pipeline's drop guard decides what a short list means


def test_generic_reader_agrees_with_the_module_on_the_real_page():
    cfg = load_config(EXAMPLES / "html-selectors.toml", env={})
    (scfg,) = cfg.sources
    generic = build_source(scfg.kind, scfg.name, scfg.url, scfg.options).parse(sfi_page())
    module = build_source("spaceflightinsider", "sfi").parse(sfi_page())
    assert generic.complete and len(generic.items) == len(module.items) == 33
    for g, m in zip(generic.items, module.items, strict=True):
        assert (g.source_ref, g.vehicle, g.site) == (m.source_ref, m.vehicle, m.site)
        assert g.title == m.mission
        assert g.when == m.when, g.title


def test_registered_and_example_configs_are_valid():
    assert SOURCE_KINDS["html"] == "tracker.sources.html_selectors:HtmlSelectors"
    assert SOURCE_KINDS["spaceflightinsider"] == "tracker.sources.spaceflightinsider:SpaceflightInsider"
    (sfi,) = load_config(EXAMPLES / "spaceflightinsider.toml", env={}).sources
    assert (sfi.name, sfi.kind) == ("spaceflightinsider", "spaceflightinsider")
    (html,) = load_config(EXAMPLES / "html-selectors.toml", env={}).sources
    assert html.kind == "html" and html.options.item == "table.launchcalendar"


@pytest.mark.parametrize(("config", "name"), [("spaceflightinsider.toml", "spaceflightinsider"),
                                              ("html-selectors.toml", "sfi-by-selectors")])  # fmt: skip
def test_example_configs_replay_the_corpus_page_with_the_cli(tmp_path, config, name):
    from click.testing import CliRunner

    from tracker.cli import main

    folder = corpus_dir("html-spaceflightinsider-2018")
    args = ["--config", str(EXAMPLES / config), "--database", f"sqlite:///{tmp_path / 'h.db'}"]
    result = CliRunner().invoke(main, [*args, "replay", "-v", name, str(folder)])
    assert result.exit_code == 0, result.output
    assert "33 events" in result.output and "baseline" in result.output
