"""CLI: check / export / pool / reproduce exit codes and output shapes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tkidata
from tkidata.cli import main
from tkidata.store.validate import TABLES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"
VALID = str(FIXTURES / "valid")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", VALID, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_prints_coverage_and_warnings(capsys) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "Study arms per drug (preferred / all):" in out
    assert "anlotinib      6 / 7" in out
    assert "Study arms per extraction level:" in out and "Study arms per design:" in out
    assert "Warnings (1):" in out and "outcomes.csv:10: estimate: stated proportion" in out


def test_check_fails_with_every_problem(capsys) -> None:
    code = main(["--data-dir", str(FIXTURES / "bad_rows"), "check"])
    out = capsys.readouterr().out
    assert code == 1
    expected = (FIXTURES / "bad_rows_expected.txt").read_text().splitlines()
    assert out.splitlines()[1:] == expected


def test_export_json_has_every_table_with_csv_columns(capsys) -> None:
    code, out, _ = run(capsys, "export", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == set(TABLES)
    ev = tkidata.load(VALID)
    assert len(data["outcomes"]) == len(ev.outcomes)
    assert list(data["studies"][0]) == list(ev.studies.columns)
    asingle = next(r for r in data["adverse_events"] if r["study_id"] == "asingle")
    assert asingle["events"] is None and asingle["derived"] is True


def test_export_csv_round_trips_through_the_loader(capsys, tmp_path: Path) -> None:
    for table in ("studies", "outcomes", "adverse_events", "published"):
        code, out, _ = run(capsys, "export", "--table", table)
        assert code == 0
        (tmp_path / "batch").mkdir(exist_ok=True)
        (tmp_path / "batch" / f"{table}.csv").write_text(out)
    again = tkidata.load(tmp_path)
    original = tkidata.load(VALID)
    assert again.version.counts["outcomes"] == original.version.counts["outcomes"]
    assert again.studies.equals(original.studies)
    code, out, _ = run(capsys, "export")
    assert out.startswith("# studies.csv\n") and "\n# published.csv\n" in out


def test_pool_text_and_k0(capsys) -> None:
    code, out, _ = run(capsys, "pool", "--drug", "anlotinib", "--outcome", "orr")
    assert code == 0
    assert "k = 4, N = 205" in out and "left out amixed_dup: overlapping report" in out
    code, out, err = run(capsys, "pool", "--drug", "apatinib", "--outcome", "orr", "--json")
    assert code == 1 and out == ""
    assert err.startswith("k = 0: no study reports orr for apatinib")
    code, _, err = run(capsys, "pool", "--drug", "placebo", "--outcome", "orr")
    assert code == 2 and "not a compared drug" in err


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--population", "sts", "--line", "second"],
        ["--set", "li2025"],
        ["--outcome", "pfs_rate", "--timepoint", "6"],
    ],
)
def test_pool_json_equals_core_cli_on_the_same_rows(capsys, tmp_path: Path, extra) -> None:
    args = ["pool", "--drug", "anlotinib", "--outcome", "orr", *extra, "--json"]
    if "--outcome" in extra:
        args = ["pool", "--drug", "anlotinib", *extra, "--json"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    ours = json.loads(out)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["study", "events", "n"])
    for study in ours["studies"]:
        writer.writerow([study["study"], study["events"], study["n"]])
    rows = tmp_path / "rows.csv"
    rows.write_text(buffer.getvalue())
    core = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "pool",
            str(rows),
            "--measure",
            "PFT",
            "--tau2",
            "DL",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(core.stdout) == ours


def test_reproduce_prints_table_and_writes_nothing(capsys, tmp_path: Path) -> None:
    before = sorted(p.stat().st_mtime_ns for p in FIXTURES.rglob("*"))
    code, out, _ = run(capsys, "reproduce", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["label"] for r in rows] == ["ORR", "Hypertension (grade ≥3)", "OS-12"]
    orr = rows[0]
    # the set holds amixed_dup (preferred=false) and not its twin amixed: k = 3 as published
    assert orr["k_here"] == 3 and orr["k_published"] == 3
    assert orr["method"] == "reference"
    assert orr["difference"] == pytest.approx(orr["reproduced"] - orr["published"])
    os12 = rows[2]
    assert os12["k_here"] == 0 and os12["reproduced"] is None
    assert os12["note"].startswith("k = 0")
    assert "arct_anl: no os_rate at 12 months" in os12["missing_reasons"]
    code, out, _ = run(capsys, "reproduce")
    assert code == 0 and "Missing from the reproduced pools:" in out
    assert sorted(p.stat().st_mtime_ns for p in FIXTURES.rglob("*")) == before


def test_module_entry_point_exit_codes() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "tkidata", "--data-dir", VALID, "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    bad = subprocess.run(
        [sys.executable, "-m", "tkidata", "--data-dir", str(FIXTURES / "bad_quoting"), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0 and "Warnings (1):" in ok.stdout
    assert (
        bad.returncode == 1 and "bad_quoting/b/studies.csv:2: (file): malformed CSV" in bad.stdout
    )
