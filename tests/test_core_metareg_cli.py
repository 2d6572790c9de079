"""``python -m core metareg`` and ``pool --cumulative``: contract, metafor numbers, bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.cumulative import cumulative
from core.metareg import metareg

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "metafor"
ORR = str(FIXTURES / "metareg_sarcoma_orr.csv")
KEYS = [
    "k",
    "measure",
    "tau2_method",
    "tau2",
    "i2",
    "r2",
    "qm",
    "qm_df",
    "qm_p",
    "qe",
    "qe_df",
    "qe_p",
    "coefficients",
]
COEF_KEYS = ["name", "estimate", "se", "statistic", "p", "ci_low", "ci_high"]
STEP_KEYS = [
    "study",
    "k",
    "te",
    "se",
    "te_ci_low",
    "te_ci_high",
    "tau2",
    "i2",
    "q",
    "estimate",
    "ci_low",
    "ci_high",
]
GOOD = (
    "study,events,n,year,design,note\n"
    "A,3,20,2015,rct,x\nB,5,30,2016,single,y\nC,2,25,2018,rct,z\n"
    "D,8,40,2019,single,w\nE,6,35,2021,rct,v\n"
)


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def orr_rows() -> dict[str, list]:
    with open(ORR, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "study": [r["study"] for r in rows],
        "events": [int(r["events"]) for r in rows],
        "n": [int(r["n"]) for r in rows],
        "year": [float(r["year"]) for r in rows],
        "design": [r["design"] for r in rows],
    }


@pytest.mark.parametrize("hksj", [False, True])
def test_metareg_json_is_metafors_numbers(capsys, hksj):
    flags = ["--hksj"] if hksj else []
    code, out, err = run(
        [
            "metareg",
            ORR,
            "--measure",
            "PLO",
            "--tau2",
            "REML",
            "--mods",
            "year,design",
            "--json",
            *flags,
        ],
        capsys,
    )
    assert code == 0 and err == ""
    d = json.loads(out)
    assert list(d) == KEYS
    assert all(list(c) == COEF_KEYS for c in d["coefficients"])
    spec = json.loads((FIXTURES / "metareg_sarcoma_orr.json").read_text())["specs"][0]
    test = "knha" if hksj else "z"
    case = next(
        c for c in spec["cases"] if (c["measure"], c["method"], c["test"]) == ("PLO", "REML", test)
    )
    assert (
        [c["name"] for c in d["coefficients"]]
        == case["names"]
        == ["intrcpt", "year", "designretrospective", "designsingle_arm"]
    )
    assert (d["k"], d["measure"], d["tau2_method"], d["qm_df"], d["qe_df"]) == (
        35,
        "PLO",
        "REML",
        3,
        31,
    )
    got = [d["tau2"], d["i2"], d["r2"], d["qm"], d["qm_p"], d["qe"], d["qe_p"]]
    want = [case["tau2"], case["I2"], case["R2"], case["QM"], case["QMp"], case["QE"], case["QEp"]]
    assert got == pytest.approx(want, rel=1e-5)
    for key, ref in (
        ("estimate", "beta"),
        ("se", "se"),
        ("statistic", "stat"),
        ("p", "pval"),
        ("ci_low", "ci_lb"),
        ("ci_high", "ci_ub"),
    ):
        assert [c[key] for c in d["coefficients"]] == pytest.approx(case[ref], rel=1e-5)
    rows = orr_rows()
    fit = metareg(
        rows["events"],
        rows["n"],
        {"year": rows["year"], "design": rows["design"]},
        measure="PLO",
        method="REML",
        test=test,
        labels=rows["study"],
    )
    assert d == fit.to_dict()


def test_metareg_ignores_other_columns_and_prints_a_table(tmp_path, capsys):
    code, out, err = run(["metareg", write(tmp_path, GOOD), "--mods", "design"], capsys)
    assert code == 0 and err == ""
    assert "designsingle" in out and "QM = " in out and "QE = " in out and "R2 = " in out
    code, out, _ = run(["metareg", write(tmp_path, GOOD), "--mods", "year", "--hksj"], capsys)
    assert code == 0 and "QM = F(1, 3)" in out and " t " in out


def test_pool_cumulative_json(tmp_path, capsys):
    text = "study,events,n,year\nA,3,20,2019\nB,10,40,2012\nC,7,30,2019\nD,1,15,2015\n"
    code, out, err = run(["pool", write(tmp_path, text), "--cumulative", "year", "--json"], capsys)
    assert code == 0 and err == ""
    d = json.loads(out)
    steps = d["cumulative"]
    assert all(list(s) == STEP_KEYS for s in steps)
    assert [s["study"] for s in steps] == ["B", "D", "A", "C"]  # 2019 tie keeps file order
    assert [s["k"] for s in steps] == [1, 2, 3, 4]
    assert steps[-1]["estimate"] == pytest.approx(d["random"]["estimate"], rel=1e-12)
    assert steps[-1]["tau2"] == pytest.approx(d["heterogeneity"]["tau2"], rel=1e-12, abs=1e-15)
    ref = cumulative([3, 10, 7, 1], [20, 40, 30, 15], [2019, 2012, 2019, 2015], labels=list("ABCD"))
    assert steps == ref.to_list()
    del d["cumulative"]
    code, plain, _ = run(["pool", write(tmp_path, text), "--json"], capsys)
    assert d == json.loads(plain)  # the rest of the object is unchanged


def test_pool_cumulative_text_and_text_order(tmp_path, capsys):
    text = "study,events,n,when\nA,3,20,2020-03\nB,10,40,2019-11\nC,7,30,2020-01\n"
    code, out, _ = run(["pool", write(tmp_path, text), "--cumulative", "when"], capsys)
    assert code == 0
    table = out.split("== cumulative ==")[1].splitlines()
    assert [line.split()[1] for line in table[2:]] == ["B", "C", "A"]


def test_cumulative_matches_metafor_through_the_cli(capsys):
    code, out, _ = run(
        ["pool", ORR, "--measure", "PFT", "--tau2", "DL", "--cumulative", "year", "--json"], capsys
    )
    assert code == 0
    steps = json.loads(out)["cumulative"]
    case = json.loads((FIXTURES / "cumul_sarcoma_orr.json").read_text())["cases"][0]
    assert (case["measure"], case["method"], case["test"]) == ("PFT", "DL", "z")
    assert [s["te"] for s in steps] == pytest.approx(case["estimate"], rel=1e-8)
    assert [s["te_ci_low"] for s in steps] == pytest.approx(case["ci_lb"], rel=1e-8)
    assert [s["q"] for s in steps] == pytest.approx(case["Q"], rel=1e-8, abs=1e-12)
    assert [s["estimate"] for s in steps[1:]] == pytest.approx(case["bt"][1:], rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (GOOD, ["--mods", "dose"], "data.csv:1: missing column 'dose'"),
        (
            GOOD.replace("2016", "2015")
            .replace("2018", "2015")
            .replace("2019", "2015")
            .replace("2021", "2015"),
            ["--mods", "year"],
            "data.csv:1: moderator 'year' is constant (every study: 2015)",
        ),
        (
            GOOD.replace(",x\n", ",a\n")
            .replace(",y\n", ",b\n")
            .replace(",z\n", ",a\n")
            .replace(",w\n", ",b\n")
            .replace(",v\n", ",a\n"),
            ["--mods", "design,note"],
            "data.csv:1: moderator 'note' is collinear with intrcpt, design",
        ),
        (
            "study,events,n,g\nA,3,20,a\nB,5,30,b\nC,2,25,c\n",
            ["--mods", "g"],
            "data.csv:1: 3 studies for 3 coefficients (intrcpt, gb, gc): "
            "a meta-regression needs at least 4",
        ),
        (
            GOOD.replace("B,5,30", "B,five,30"),
            ["--mods", "year"],
            "data.csv:3: events: 'five' is not a number",
        ),
        (GOOD.replace("2018", ""), ["--mods", "year"], "data.csv:4: year: missing value"),
        (
            GOOD.replace("2018", "inf"),
            ["--mods", "year"],
            "data.csv:4: year: 'inf' is not a finite number",
        ),
        (GOOD, ["--mods", "year,,design"], "--mods: 'year,,design' names an empty column"),
        (GOOD, ["--mods", "year,year"], "--mods: 'year' is named twice"),
        (GOOD, ["--mods", "n"], "--mods: 'n' is not a moderator column"),
    ],
)
def test_metareg_bad_input_one_line(tmp_path, capsys, text, args, message):
    path = write(tmp_path, text)
    code, out, err = run(["metareg", path, *args], capsys)
    assert code == 1 and out == ""
    prefix = "" if message.startswith("--") else f"{tmp_path}/"
    assert err.splitlines() == [f"{prefix}{message}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study,events,n,year\nA,3,20,\nB,5,30,\n", "data.csv:2: year: missing value"),
        ("study,events,n,year\nA,3,20,2019\nB,5,30,\n", "data.csv:3: year: missing value"),
        ("study,events,n\nA,3,20\n", "data.csv:1: missing column 'year'"),
        (
            "study,events,n,year\nA,3,20,nan\nB,5,30,2019\n",
            "data.csv:2: year: 'nan' is not a finite number",
        ),
        ("study,events,n,year\nA,x,20,2019\n", "data.csv:2: events: 'x' is not a number"),
    ],
)
def test_cumulative_bad_input_one_line(tmp_path, capsys, text, message):
    code, out, err = run(["pool", write(tmp_path, text), "--cumulative", "year"], capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [f"{tmp_path}/{message}"]


def test_module_entry_point_never_prints_a_traceback(tmp_path):
    bad = write(
        tmp_path,
        GOOD.replace("2016", "2015")
        .replace("2018", "2015")
        .replace("2019", "2015")
        .replace("2021", "2015"),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "core", "metareg", bad, "--mods", "year"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"{bad}:1: moderator 'year' is constant (every study: 2015)"
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "core", "metareg", bad],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "--mods" in proc.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "core", "metareg", ORR, "--mods", "drug", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(ok.stdout)["coefficients"][1]["name"] == "drugapatinib"
