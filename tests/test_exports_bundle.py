"""The export bundle, ``reproduce.R`` and ``python -m report``.

``reproduce.R`` is run with Rscript when R (with metafor; lme4 for the GLMM) is installed —
Debian ``r-base-core r-cran-metafor r-cran-lme4``, the packages ``make fixtures`` uses — and
must match every pooled number at the engine's tolerances. Without R those tests are skipped
loudly (and fail on CI).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation

import tkidata
from report.bundle import DECK_NAME, bundle_bytes, bundle_tables, reproduction_data
from report.cli import main
from report.reproduce import pool_frames, reproduce_script
from report.tables import csv_bytes
from report.view import compute_view, view_figures, view_tables

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-03-04"
OUTCOMES = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("os_median", None),
    ("pfs_rate", 6),
    ("os_rate", 12),
)


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


@pytest.fixture(scope="module")
def view(ev: tkidata.Evidence):
    return compute_view(ev, tkidata.Filters(histology="bone"), tkidata.Method.preset("reference"))


@pytest.fixture(scope="module")
def bundle(view) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(bundle_bytes(view, date=DATE)))


def _rscript() -> str:
    rscript = shutil.which("Rscript")
    if rscript is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript (Debian r-base-core r-cran-metafor r-cran-lme4) is missing on CI")
        pytest.skip(
            "SKIPPED LOUDLY: Rscript is not installed; install r-base-core r-cran-metafor "
            "r-cran-lme4 to check reproduce.R against metafor"
        )
    return rscript


def _run_r(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_rscript(), "reproduce.R"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bundle_holds_every_part(bundle: zipfile.ZipFile, view) -> None:
    names = set(bundle.namelist())
    assert {"README.txt", "reproduce.R", DECK_NAME, "data/numbers.csv", "data/pools.csv"} <= names
    figures = [n for n in names if n.startswith("figures/")]
    assert len(figures) == 2 * len(view_figures(view))
    for stem in {Path(n).stem for n in figures}:
        assert {f"figures/{stem}.svg", f"figures/{stem}.png"} <= names
        assert bundle.read(f"figures/{stem}.png").startswith(b"\x89PNG")
        assert b"<svg" in bundle.read(f"figures/{stem}.svg")[:200]
    tables = [n for n in names if n.startswith("tables/")]
    assert len(tables) == 2 * len(bundle_tables(view))
    assert len(bundle_tables(view)) > len(view_tables(view)), "the Head-to-head tables too"
    randomised = pd.read_csv(io.BytesIO(bundle.read("tables/head-to-head-randomised-trials.csv")))
    assert len(randomised) == len(view.head_to_head.randomised)
    assert list(randomised.columns) == list(view.head_to_head.randomised.columns)
    for name in tables:
        if name.endswith(".xlsx"):
            load_workbook(io.BytesIO(bundle.read(name)))
        else:
            assert bundle.read(name).startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    prs = Presentation(io.BytesIO(bundle.read(DECK_NAME)))
    assert len(prs.slides) > 5
    assert all(n.isascii() for n in names)


def test_readme_states_filters_method_version_date(bundle: zipfile.ZipFile, view) -> None:
    text = bundle.read("README.txt").decode("utf-8")
    assert "Filters: Bone sarcoma (all)" in text
    assert view.method.describe() in text
    assert str(view.evidence.version) in text
    assert DATE in text
    assert "Rscript reproduce.R" in text


def test_reproduction_data_are_the_pooled_numbers(view) -> None:
    numbers, rows = (
        pd.read_csv(io.BytesIO(b), encoding="utf-8-sig") for b in reproduction_data(view)
    )
    pooled = [r for r in view.results if r.pool is not None]
    ae_terms = sum(len(f) for f in view.ae_by_drug.values())
    assert len(numbers) == len(pooled) + ae_terms
    first = pooled[0]
    assert numbers.loc[0, "est"] == pytest.approx(first.pool.random.est, rel=1e-15)
    assert (rows["pool"] == numbers.loc[0, "pool"]).sum() == first.pool.k
    assert set(rows["pool"]) == set(numbers["pool"])


def test_bundled_reproduce_r_matches_metafor(bundle: zipfile.ZipFile, tmp_path: Path) -> None:
    bundle.extractall(tmp_path)
    done = _run_r(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DIFFERS" not in done.stdout
    assert " 0 differ." in done.stdout
    # the bone patient's network (regorafenib vs placebo, SARC024) is refitted too
    assert {"data/networks.csv", "data/league.csv"} <= set(bundle.namelist())
    assert "network comparisons refitted by rma.mv; 0 differ." in done.stdout


@pytest.mark.parametrize("preset", ["reference", "metafor", "meta"])
def test_reproduce_r_matches_every_preset(ev, preset: str, tmp_path: Path) -> None:
    m = tkidata.Method.preset(preset)
    f = tkidata.Filters()
    results = [
        tkidata.pool_outcome(ev, d, o, f, m, timepoint=t)
        for d in ev.vocab.tki_drugs
        for o, t in OUTCOMES
    ]
    ae = {d: tkidata.pool_adverse_events(ev, d, f, m) for d in ev.vocab.tki_drugs}
    numbers, rows = pool_frames(results, ae, evidence=ev)
    assert {"proportion", "median"} <= set(numbers["kind"])
    assert (numbers["k"] > 1).any() and (numbers["k"] == 1).any()
    script = reproduce_script(
        m, numbers_csv=numbers.to_csv(index=False), rows_csv=rows.to_csv(index=False)
    )
    (tmp_path / "reproduce.R").write_text(script, encoding="utf-8")
    done = _run_r(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(numbers)} of {len(numbers)} numbers" in done.stdout


def test_reproduce_r_fails_when_a_number_differs(ev, tmp_path: Path) -> None:
    m = tkidata.Method.preset("reference")
    res = tkidata.pool_outcome(ev, "anlotinib", "orr", tkidata.Filters(), m)
    numbers, rows = pool_frames([res])
    numbers.loc[0, "est"] += 1e-6  # far beyond the closed-form tolerance
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "numbers.csv").write_bytes(csv_bytes(numbers))
    (tmp_path / "data" / "pools.csv").write_bytes(csv_bytes(rows))
    (tmp_path / "reproduce.R").write_text(reproduce_script(m), encoding="utf-8")
    done = _run_r(tmp_path)
    assert done.returncode == 1
    assert "DIFFERS" in done.stdout and "1 differ." in done.stdout


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "report", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--line", "fifth"], "--line 'fifth' is not allowed: expected one of any, first, second"),
        (["--mean-n", "median"], "--mean-n 'median' is not allowed: expected one of harmonic"),
        (["--histology", "lung"], "--histology 'lung' is not allowed: expected one of all, sts"),
        (["--preset", "stata"], "--preset 'stata' is not allowed: expected one of reference"),
        (["--outcomes", "orr,qol"], "--outcomes 'qol' is not allowed: expected one or more of"),
        (["--date", "yesterday"], "--date 'yesterday' is not an ISO date"),
        (["--colour", "red"], "unrecognized arguments: --colour red"),
    ],
)
def test_cli_bad_option_is_one_line_naming_the_allowed_values(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) if args[0] == "--colour" else _no_raise():
        status = main(["deck", "--out", str(tmp_path / "d.pptx"), *args])
        assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err
    assert "Traceback" not in err
    assert not (tmp_path / "d.pptx").exists()


class _no_raise:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_cli_writes_the_deck_of_the_options(tmp_path: Path) -> None:
    out = tmp_path / "deck.pptx"
    done = _cli(
        "deck",
        "--out",
        str(out),
        "--histology",
        "bone",
        "--preset",
        "metafor",
        "--outcomes",
        "orr,pfs_median",
        "--forest-drugs",
        "apatinib",
        "--date",
        DATE,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    prs = Presentation(str(out))
    first = "\n".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert "advanced bone sarcoma" in first and "Bone sarcoma (all)" in first
    assert "logit, REML, Hartung–Knapp–Sidik–Jonkman CI" in first
    assert DATE in first


def test_cli_unwritable_output_is_one_line(tmp_path: Path) -> None:
    done = _cli(
        "bundle", "--out", str(tmp_path / "no" / "b.zip"), "--outcomes", "orr", cwd=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr
