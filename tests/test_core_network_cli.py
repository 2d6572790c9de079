"""``python -m core network``: JSON contract, table output, every bad-input message, exit codes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.network import network_meta

ROOT = Path(__file__).resolve().parents[1]
Z = 1.959963984540054


def log_se(lo: float, hi: float) -> float:
    return (math.log(hi) - math.log(lo)) / (2 * Z)


# PFS hazard ratios vs placebo as stored in tkidata (regosarc_qtwist_rego, palette_pazo,
# sarc024_os_rego) with an extra `trial_note` column the CLI must ignore.
TKI_ROWS = [
    ("REGOSARC", "regorafenib", "placebo", math.log(0.36), log_se(0.25, 0.53)),
    ("PALETTE", "pazopanib", "placebo", math.log(0.31), log_se(0.24, 0.40)),
    ("SARC024", "regorafenib", "placebo", math.log(0.42), log_se(0.21, 0.85)),
]
TKI = "trial_note,study,treat1,treat2,TE,seTE\n" + "".join(
    f"n{i},{s},{a},{b},{te!r},{se!r}\n" for i, (s, a, b, te, se) in enumerate(TKI_ROWS)
)
# A loop A-B-C of two-arm trials plus a three-arm trial: inconsistency is testable.
LOOP = (
    "study,treat1,treat2,TE,seTE\n"
    "s1,A,B,0.30,0.20\n"
    "s2,A,C,-0.20,0.15\n"
    "s3,B,C,-0.60,0.30\n"
    "s4,B,C,-0.40,0.22\n"
    "t1,A,B,0.25,0.3\n"
    "t1,A,C,-0.15,0.3\n"
    "t1,B,C,-0.40,0.3\n"
)


def write(tmp_path: Path, text: str, name: str = "net.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_engine_result_with_the_contract_keys(tmp_path, capsys):
    path = write(tmp_path, TKI)
    code, out, err = run(["network", path, "--reference", "placebo", "--json"], capsys)
    assert code == 0 and err == ""
    d = json.loads(out)
    cols = list(zip(*TKI_ROWS, strict=True))
    assert d == network_meta(*cols, reference="placebo").to_dict()
    assert list(d) == [
        "studies",
        "treatments",
        "reference",
        "model",
        "tau2_method",
        "tau2",
        "q",
        "df",
        "p",
        "i2",
        "effects",
        "league",
        "inconsistency",
    ]
    assert d["studies"] == 3 and d["treatments"] == ["pazopanib", "placebo", "regorafenib"]
    assert (d["model"], d["tau2_method"], d["df"]) == ("random", "REML", 1)
    assert d["inconsistency"] is None
    assert [list(e) for e in d["effects"]] == [["treatment", "TE", "seTE", "ci_low", "ci_high"]] * 2
    assert len(d["league"]) == 6
    assert list(d["league"][0]) == ["treat1", "treat2", "TE", "seTE", "ci_low", "ci_high"]
    paz = next(e for e in d["effects"] if e["treatment"] == "pazopanib")
    assert math.exp(paz["TE"]) == pytest.approx(0.31, rel=1e-12)  # one trial: its own HR


def test_options_reach_the_engine(tmp_path, capsys):
    path = write(tmp_path, LOOP)
    argv = ["network", path, "--reference", "C", "--model", "common", "--tau2", "DL"]
    code, out, _ = run([*argv, "--level", "0.9", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    study, t1, t2, te, se = zip(*(r.split(",") for r in LOOP.splitlines()[1:]), strict=True)
    expected = network_meta(
        study,
        t1,
        t2,
        [float(x) for x in te],
        [float(x) for x in se],
        reference="C",
        model="common",
        tau2_method="DL",
        level=0.9,
    )
    assert d == expected.to_dict()
    inc = d["inconsistency"]
    assert inc["df_within"] == 1 and inc["df_between"] == 3 and inc["q_between"] > 0
    assert {(s["treat1"], s["treat2"]) for s in inc["node_split"]} == {
        ("A", "B"),
        ("A", "C"),
        ("B", "C"),
    }


def test_table_output(tmp_path, capsys):
    code, out, _ = run(["network", write(tmp_path, TKI), "--reference", "placebo"], capsys)
    assert code == 0
    assert "vs placebo" in out and "pazopanib" in out
    assert "inconsistency: not testable (no loop of designs)" in out
    code, out, _ = run(["network", write(tmp_path, LOOP), "--reference", "A"], capsys)
    assert code == 0
    assert "between designs: Q = " in out and "node-splitting" in out and "B vs C" in out


BAD = [
    ("study,treat1,treat2,TE\ns,A,B,0.1\n", "net.csv:1: missing column 'seTE'"),
    ("study,treat1,TE,seTE\ns,A,0.1,0.2\n", "net.csv:1: missing column 'treat2'"),
    ("", "net.csv:1: empty file"),
    ("study,treat1,treat2,TE,seTE\n", "net.csv:2: no data rows"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,0.1\n", "net.csv:2: expected 5 fields, found 4"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,,0.2\n", "net.csv:2: TE: missing value"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,abc,0.2\n", "net.csv:2: TE: 'abc' is not a number"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,inf,0.2\n", "net.csv:2: TE: 'inf' is not a finite"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,nan,0.2\n", "net.csv:2: TE: 'nan' is not a finite"),
    ("study,treat1,treat2,TE,seTE\nr,A,C,1,1\ns,A,B,0.1,0\n", "net.csv:3: seTE: 0 is not positive"),
    ("study,treat1,treat2,TE,seTE\ns,A,B,0.1,-0.2\n", "net.csv:2: seTE: -0.2 is not positive"),
    ("study,treat1,treat2,TE,seTE\ns,A,,0.1,0.2\n", "net.csv:2: treat2: missing value"),
    ("study,treat1,treat2,TE,seTE\n,A,B,0.1,0.2\n", "net.csv:2: study: missing value"),
    (
        "study,treat1,treat2,TE,seTE\nr,A,B,0.1,0.2\ns,B,B,0.1,0.2\n",
        "net.csv:3: study 's' has one arm: treat1 and treat2 are both 'B'",
    ),
    (
        "study,treat1,treat2,TE,seTE\ns,A,B,0.1,0.2\ns,B,A,-0.1,0.2\n",
        "net.csv:3: study 's' lists B vs A twice",
    ),
    (
        "study,treat1,treat2,TE,seTE\ns,A,B,0.1,0.2\ns,A,C,0.3,0.2\n",
        "net.csv:2: study 's' has 3 arms (A, B, C) but lists 2 of their 3 pairs (missing B vs C)",
    ),
    (  # variances 1, 1, 10 imply a negative arm variance no covariance can have
        "study,treat1,treat2,TE,seTE\ns,A,B,0.1,1\ns,A,C,0.3,1\ns,B,C,0.2,3.1622776601683795\n",
        "net.csv:2: study 's': arm variances do not fit",
    ),
    (  # four arms: six pairwise variances that no four arm variances produce
        "study,treat1,treat2,TE,seTE\n"
        "s,A,B,0.1,0.3\ns,A,C,0.2,0.3\ns,A,D,0.3,0.3\n"
        "s,B,C,0.1,0.3\ns,B,D,0.2,0.3\ns,C,D,0.1,0.9\n",
        "net.csv:2: study 's': arm variances do not fit: the variances of its 6 contrasts cannot",
    ),
    (  # TE(A,B) + TE(B,C) != TE(A,C)
        "study,treat1,treat2,TE,seTE\ns,A,B,0.1,0.3\ns,A,C,0.5,0.3\ns,B,C,0.1,0.3\n",
        "net.csv:2: study 's': its contrasts are not consistent around its arms",
    ),
    (
        "study,treat1,treat2,TE,seTE\ns,A,B,0.1,0.2\nt,C,D,0.2,0.3\n",
        "net.csv: the network is disconnected into 2 parts (component 1: A, B; "
        "component 2: C, D); fit each part separately",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_input_one_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    code, out, err = run(["network", path, "--reference", "A"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(str(tmp_path / message.split(":")[0]) + ":")
    assert message.split(":", 1)[1] in err


def test_reference_not_in_network(tmp_path, capsys):
    code, _, err = run(["network", write(tmp_path, TKI), "--reference", "sunitinib"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "reference 'sunitinib' is not a treatment of the network" in err
    assert "pazopanib, placebo, regorafenib" in err


def test_unreadable_file(tmp_path, capsys):
    code, _, err = run(["network", str(tmp_path / "missing.csv"), "--reference", "A"], capsys)
    assert code == 1 and "missing.csv: cannot read file" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--model", "fixed"], "argument --model: invalid choice"),
        (["--tau2", "PM"], "argument --tau2: invalid choice"),
        (["--level", "1.5"], "argument --level: 1.5 is not in (0, 1)"),
    ],
)
def test_bad_options_one_line(tmp_path, capsys, args, fragment):
    with pytest.raises(SystemExit) as exc:
        main(["network", write(tmp_path, TKI), "--reference", "placebo", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_missing_reference_option(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["network", write(tmp_path, TKI)])
    assert exc.value.code == 2
    assert "required: --reference" in capsys.readouterr().err


def test_module_entry_point(tmp_path):
    path = write(tmp_path, TKI)
    ok = subprocess.run(
        [sys.executable, "-m", "core", "network", path, "--reference", "placebo", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["reference"] == "placebo"
    bad = write(tmp_path, "study,treat1,treat2,TE,seTE\ns,A,B,0.1,0.2\nt,C,D,0.2,0.3\n", "x.csv")
    fail = subprocess.run(
        [sys.executable, "-m", "core", "network", bad, "--reference", "A"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fail.returncode == 1 and fail.stdout == ""
    assert fail.stderr.count("\n") == 1 and "disconnected" in fail.stderr
