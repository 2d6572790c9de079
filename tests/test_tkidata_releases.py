"""Data releases: the committed history, the staleness rule, what changed, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tkidata.cli import main
from tkidata.living import releases as rel
from tkidata.living.snapshot import data_rows

DATA = rel.ROOT / "tkidata" / "data"


def test_data_match_the_latest_release_or_an_unreleased_entry() -> None:
    """The history cannot go stale: changed data need a release or an UNRELEASED.md entry."""
    state = rel.staleness()
    assert not state.stale, (
        f"tkidata/data differs from data release {state.release} "
        f"(studies added {state.changed['studies_added']}, removed "
        f"{state.changed['studies_removed']}, {len(state.changed['corrected'])} values "
        f"corrected, rows added {state.changed['rows_added']}, removed "
        f"{state.changed['rows_removed']}, reworded {state.changed['reworded']}): run "
        "`python -m tkidata release` (or add a '- ' entry to tkidata/releases/UNRELEASED.md)"
    )


def test_a_changed_value_is_stale_until_an_entry_names_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert not rel.staleness(data).differs
    path = data / "pazopanib" / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # palette_pazo,all,pfs_median,...,4.6,3.7,4.8: the median corrected to 4.7
    i = next(i for i, line in enumerate(lines) if line.startswith("palette_pazo,all,pfs_median"))
    lines[i] = lines[i].replace(",4.6,3.7,4.8,", ",4.7,3.7,4.8,")
    path.write_text("".join(lines), encoding="utf-8")
    state = rel.staleness(data)
    assert state.differs
    corrected = state.changed["corrected"]
    assert [(c["field"], c["old"], c["new"]) for c in corrected] == [("estimate", "4.6", "4.7")]
    assert state.stale == (not state.entries)


def test_history_holds_three_past_points_and_today() -> None:
    releases = rel.load_releases()
    versions = [r["version"] for r in releases]
    assert versions[:3] == [v for v, _, _ in rel.PAST_RELEASES]
    assert len(versions) >= 4
    arms = [rel.arms_per_drug(r)["pazopanib"] for r in releases]
    assert arms[0] == 19 and arms[2] == 50


def test_epaz_release_lists_epaz_and_the_pazopanib_numbers_it_moved() -> None:
    entry = next(h for h in rel.history() if h["version"] == "2.0")
    added = {s["study_id"]: s for s in entry["studies_added"]}
    epaz = [s for s in added.values() if "EPAZ" in s["citation"]]
    assert epaz, "EPAZ among the added studies"
    assert all(s["drug"] == "pazopanib" for s in epaz)
    moved = [m for m in entry["moved"] if m["drug"] == "pazopanib"]
    assert moved
    assert all({"before", "after"} <= set(m) for m in moved)


def test_moved_numbers_follow_the_thresholds() -> None:
    old = [
        ["x", "orr", "all", 0.10, 0.05, 0.15, 3, 90],
        ["x", "pfs_median", "all", 4.0, 3, 5, 2, 50],
    ]
    same = [
        ["x", "orr", "all", 0.1005, 0.05, 0.15, 3, 90],
        ["x", "pfs_median", "all", 4.04, 3, 5, 2, 50],
    ]
    assert rel.moved_numbers(old, same) == []
    moved = rel.moved_numbers(old, [["x", "orr", "all", 0.10, 0.05, 0.15, 4, 120]])
    assert [(m["outcome"], m["after"] and m["after"]["k"]) for m in moved] == [
        ("orr", 4),
        ("pfs_median", None),
    ]


def test_row_keys_repeat_with_a_counter(tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    (batch / "adverse_events.csv").write_text(
        "study_id,term,grade,events,n\ns1,Fatigue,any,1,10\ns1,Fatigue,any,2,10\n",
        encoding="utf-8",
    )
    rows, _ = data_rows(tmp_path)
    assert sorted(rows["adverse_events"]) == ["s1|Fatigue|any", "s1|Fatigue|any#2"]


def test_cli_releases_json_lists_every_release(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["releases", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in out] == [r["version"] for r in rel.load_releases()][::-1]
    for r in out:
        assert {
            "version",
            "date",
            "search_dates",
            "studies_added",
            "studies_removed",
            "moved",
        } <= set(r)
    assert out[0]["search_dates"]["pazopanib"]["date"]


def test_cli_changes_since(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["changes", "--since", "1.0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["from"] == "1.0" and out["to"] == rel.latest()["version"]
    assert any("EPAZ" in s["citation"] for s in out["studies_added"])
    assert main(["changes", "--since", "0.3"]) == 1
    assert capsys.readouterr().err.strip().startswith("error: no data release '0.3'")
