"""``python -m core pool``: JSON shape, table output, every bad-input message and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.pooling import pool_proportions

ROOT = Path(__file__).resolve().parents[1]
A = "study,events,n\nA,0,10\nB,1,10\nC,12,20\nD,38,40\nE,40,40\n"


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_matches_engine_and_contract(tmp_path, capsys):
    path = write(tmp_path, A)
    code, out, err = run(["pool", path, "--measure", "PFT", "--tau2", "DL", "--json"], capsys)
    assert code == 0 and err == ""
    d = json.loads(out)
    assert (
        d
        == pool_proportions(
            [0, 1, 12, 38, 40], [10, 10, 20, 40, 40], labels=list("ABCDE")
        ).to_dict()
    )
    assert d["k"] == 5 and d["measure"] == "PFT" and d["tau2_method"] == "DL"
    assert d["random"]["estimate"] == pytest.approx(0.578149, abs=5e-7)
    assert d["heterogeneity"]["df"] == 4
    assert d["studies"][2] == {
        "study": "C",
        "events": 12,
        "n": 20,
        "proportion": 0.6,
        "ci_low": pytest.approx(0.3866, abs=5e-5),
        "ci_high": pytest.approx(0.7812, abs=5e-5),
        "weight": pytest.approx(20.15, abs=5e-3),
    }


def test_options_reach_the_engine(tmp_path, capsys):
    path = write(tmp_path, A)
    code, out, _ = run(
        ["pool", path, "--measure", "PLO", "--tau2", "REML", "--hksj", "--level", "0.9", "--json"],
        capsys,
    )
    assert code == 0
    expected = pool_proportions(
        [0, 1, 12, 38, 40],
        [10, 10, 20, 40, 40],
        measure="PLO",
        method="REML",
        test="knha",
        level=0.9,
        labels=list("ABCDE"),
    )
    assert json.loads(out) == expected.to_dict()


def test_subgroup_column(tmp_path, capsys):
    path = write(
        tmp_path,
        "study,events,n,subgroup\na,4,30,sts\nb,7,42,sts\nc,3,25,sts\nd,2,20,bone\ne,5,31,bone\n",
    )
    code, out, _ = run(["pool", path, "--json"], capsys)
    d = json.loads(out)
    assert code == 0
    assert set(d["subgroups"]) == {"sts", "bone"}
    assert d["subgroups"]["bone"]["k"] == 2 and d["k"] == 5
    assert d["q_between"] >= 0 and 0 <= d["p_between"] <= 1


def test_table_output(tmp_path, capsys):
    code, out, _ = run(["pool", write(tmp_path, A)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["study", "events", "n"]
    assert "random" in out and "I2 = 95.85%" in out and "warning:" in out
    code, out, _ = run(
        ["pool", write(tmp_path, "study,events,n,subgroup\na,1,9,x\nb,2,9,y\n")], capsys
    )
    assert "== subgroup: x ==" in out and "Q between" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "data.csv:1: empty file"),
        ("study,events\nA,1\n", "data.csv:1: missing column 'n'"),
        ("study,events,n\n", "data.csv:2: no data rows"),
        ("study,events,n\nA,1,10\nB,2,10\nC,12,10\n", "data.csv:4: events: 12 > n = 10"),
        ("study,events,n\nA,-1,10\n", "data.csv:2: events: -1 is negative"),
        ("study,events,n\nA,1.5,10\n", "data.csv:2: events: 1.5 is not an integer"),
        ("study,events,n\nA,1,ten\n", "data.csv:2: n: 'ten' is not a number"),
        ("study,events,n\nA,,10\n", "data.csv:2: events: missing value"),
        ("study,events,n\nA,0,0\n", "data.csv:2: n: must be at least 1"),
        ("study,events,n\n,1,10\n", "data.csv:2: study: missing value"),
        ("study,events,n,subgroup\nA,1,10,\n", "data.csv:2: subgroup: missing value"),
        ("study,events,n\nA,1\n", "data.csv:2: expected 3 fields, found 2"),
    ],
)
def test_bad_input_one_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    code, out, err = run(["pool", path], capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [f"{tmp_path}/{message}"]


def test_unreadable_file(tmp_path, capsys):
    code, _, err = run(["pool", str(tmp_path / "missing.csv")], capsys)
    assert code == 1
    assert err.splitlines() == [
        f"{tmp_path}/missing.csv: cannot read file: No such file or directory"
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--tau2", "XX"], "argument --tau2: invalid choice: 'XX'"),
        (["--measure", "OR"], "argument --measure: invalid choice: 'OR'"),
        (["--level", "95"], "argument --level: 95.0 is not in (0, 1)"),
    ],
)
def test_bad_options_one_line(tmp_path, capsys, args, fragment):
    with pytest.raises(SystemExit) as exc:
        main(["pool", write(tmp_path, A), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and fragment in err


def test_module_entry_point(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "core", "pool", write(tmp_path, A), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["k"] == 5
    bad = subprocess.run(
        [sys.executable, "-m", "core", "pool", write(tmp_path, "", "e.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode == 1 and bad.stderr.strip().endswith("e.csv:1: empty file")


def test_table_never_prints_a_zero_p_value(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("study,events,n\na,0,10\nb,1,10\nc,12,20\nd,38,40\ne,40,40\n")
    out = subprocess.run(
        [sys.executable, "-m", "core", "pool", str(path), "--measure", "PFT", "--tau2", "DL"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Q = 96.4471 (df = 4, p < 0.0001)" in out and "p = 0.0000" not in out
