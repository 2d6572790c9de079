"""The bundle's reproduce.R checks the cumulative meta-analyses (metafor ``cumul()``) and the
meta-regressions on publication year (``rma(mods = ~ year)``) and fails on any difference."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import tkidata
from report.reproduce import pool_frames, reproduce_script, trend_frames
from report.tables import csv_bytes

OUTCOMES = (("orr", None), ("dcr", None), ("pfs_rate", 6))


def _write(
    folder: Path, m: tkidata.Method, results: list, cum: pd.DataFrame, reg: pd.DataFrame
) -> None:
    numbers, rows = pool_frames(results)
    (folder / "data").mkdir()
    for name, frame in (
        ("numbers", numbers),
        ("pools", rows),
        ("cumulative", cum),
        ("metareg", reg),
    ):
        (folder / "data" / f"{name}.csv").write_bytes(csv_bytes(frame))
    (folder / "reproduce.R").write_text(reproduce_script(m), encoding="utf-8")


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("SKIPPED LOUDLY: Rscript with metafor is not installed")
    return subprocess.run(
        [rscript, "reproduce.R"], cwd=folder, capture_output=True, text=True, timeout=300
    )


def _results(preset: str) -> tuple[tkidata.Method, list, tkidata.Evidence]:
    ev = tkidata.load()
    m = tkidata.Method.preset(preset)
    f = tkidata.Filters()
    results = [
        tkidata.pool_outcome(ev, d, o, f, m, timepoint=t)
        for d in ev.vocab.tki_drugs
        for o, t in OUTCOMES
    ]
    return m, results, ev


@pytest.mark.parametrize("preset", ["reference", "metafor"])
def test_reproduce_r_recomputes_cumulative_and_metaregression(preset: str, tmp_path: Path) -> None:
    m, results, ev = _results(preset)
    cum, reg = trend_frames(results, ev)
    assert cum["pool"].nunique() >= 8 and reg["pool"].nunique() >= 6
    _write(tmp_path, m, results, cum, reg)
    done = _run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    n = cum["pool"].nunique() + reg["pool"].nunique()
    assert (
        f"{n} of {n} cumulative and meta-regression analyses recomputed; 0 differ." in done.stdout
    )


def test_reproduce_r_fails_when_a_cumulative_step_differs(tmp_path: Path) -> None:
    m, results, ev = _results("reference")
    cum, reg = trend_frames(results[:1], ev)
    cum.loc[cum["step"] == 2, "est"] += 1e-6
    _write(tmp_path, m, results[:1], cum, reg)
    done = _run(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cumul() by year" in done.stdout and "DIFFERS" in done.stdout


def test_deck_adds_cumulative_slides_on_request(tmp_path: Path) -> None:
    from pptx import Presentation

    from report.cli import main

    out = tmp_path / "deck.pptx"
    args = ["deck", "--out", str(out), "--forest-drugs", "pazopanib", "--outcomes", "orr"]
    assert main([*args, "--date", "2026-12-06", "--cumulative"]) == 0
    titles = [
        shape.text_frame.text
        for slide in Presentation(str(out)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    cumulative = [t for t in titles if t.endswith("cumulative by publication year")]
    assert cumulative == [
        "Pazopanib: Objective response rate (ORR), cumulative by publication year"
    ]
    footers = " ".join(titles)
    assert "data release " in footers
    assert main([*args, "--date", "2026-12-06"]) == 0
    plain = [
        shape.text_frame.text
        for slide in Presentation(str(out)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert not [t for t in plain if "cumulative by publication year" in t]
