"""Render workers: the same drawings as in this process, and a failing worker changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from altair.utils._importers import vl_version_for_vl_convert

from report import rendering
from report.figures import png_size


def _jobs(n: int) -> list[rendering.Job]:
    version = vl_version_for_vl_convert()
    out = []
    for i in range(n):
        chart = (
            alt.Chart(pd.DataFrame({"x": [1, 2, 3], "label": [f"row {i}", "b", "c"]}))
            .mark_text(fontSize=14 + i)
            .encode(x="x:Q", text="label:N")
            .properties(width=200 + 10 * i, height=80)
        )
        out.append(rendering.Job(json.dumps(chart.to_dict()), version, box=(6.0, 3.0), min_ppi=200))
    return out


def test_the_vega_lite_version_is_altairs() -> None:
    """Workers start before Altair is imported, with the version held in report.rendering."""
    assert vl_version_for_vl_convert() == rendering.VL_VERSION


def test_a_worker_draws_its_warm_up_chart() -> None:
    done = rendering.render(
        rendering.Job(json.dumps(rendering.WARM_UP_SPEC), rendering.VL_VERSION, ppi=72)
    )
    assert done.svg.startswith(b"<svg") and done.png is not None and png_size(done.png)[0] > 0


@pytest.fixture
def fresh_workers():
    rendering._stop()
    yield
    rendering._stop()


def test_workers_draw_what_this_process_draws(fresh_workers) -> None:
    jobs = _jobs(4)
    drawn = rendering.render_all(jobs, parallel=True)
    assert len(rendering._WORKERS) == rendering.RENDER_PROCESSES
    for job, done in zip(jobs, drawn, strict=True):
        here = rendering.render(job)
        assert done.svg == here.svg and done.ppi == here.ppi
        assert png_size(done.png) == png_size(here.png)
        assert rendering.svg_font_sizes(done.svg)  # text survives the trip


def test_workers_are_kept_for_the_next_call(fresh_workers) -> None:
    rendering.render_all(_jobs(2), parallel=True)
    first = [w.proc.pid for w in rendering._WORKERS]
    rendering.render_all(_jobs(3), parallel=True)
    assert [w.proc.pid for w in rendering._WORKERS] == first


def test_a_silent_worker_falls_back_to_this_process(fresh_workers, monkeypatch) -> None:
    def mute() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.readline()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    monkeypatch.setattr(rendering, "_start", mute)
    jobs = _jobs(3)
    drawn = rendering.render_all(jobs, parallel=True)
    assert [d.svg for d in drawn] == [rendering.render(j).svg for j in jobs]


def test_no_workers_when_asked_for_none(fresh_workers) -> None:
    drawn = rendering.render_all(_jobs(3), parallel=False)
    assert len(drawn) == 3 and rendering._WORKERS == []


def _stat_readings(monkeypatch: pytest.MonkeyPatch, *readings: tuple[int, int] | None) -> None:
    values = iter(readings)
    monkeypatch.setattr(rendering, "_busy_idle", lambda: next(values))
    monkeypatch.setattr(rendering, "IDLE_SAMPLE_S", 0.0)
    monkeypatch.setattr(rendering.os, "cpu_count", lambda: 2)


def test_spare_core_watches_the_processor_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """One of two cores idle in the sample: draw in the workers; both busy: in this process."""
    _stat_readings(monkeypatch, (100, 100), (150, 150))
    assert rendering.spare_core()
    _stat_readings(monkeypatch, (100, 100), (195, 105))
    assert not rendering.spare_core()


def test_spare_core_falls_back_to_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    _stat_readings(monkeypatch, None)
    monkeypatch.setattr(rendering.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert not rendering.spare_core()
    _stat_readings(monkeypatch, None)
    monkeypatch.setattr(rendering.os, "getloadavg", lambda: (0.2, 1.0, 1.0))
    assert rendering.spare_core()


def test_the_font_database_leaves_the_environment_as_it_was(monkeypatch) -> None:
    monkeypatch.setenv("FONTCONFIG_FILE", "/somewhere/else.conf")
    rendering._vl_convert.cache_clear()
    rendering.vl_convert()
    assert rendering.FONTS_CONF.is_file()
    assert os.environ["FONTCONFIG_FILE"] == "/somewhere/else.conf"


_DRAW_TEXT = """
import json
from report import rendering
rendering.render(rendering.Job(json.dumps(rendering.WARM_UP_SPEC), rendering.VL_VERSION, ppi=72))
"""


def test_drawing_text_opens_no_font_file(tmp_path) -> None:
    """The house font is the copy vl-convert holds in memory: the system's Liberation Sans file,
    which vl-convert's font database opens and maps again for every glyph, is never opened
    (a deck's figures spent ~3 s of kernel time on it)."""
    strace = shutil.which("strace")
    if strace is None:
        if os.environ.get("CI"):
            pytest.fail("strace is missing on CI (.ci/run installs it)")
        pytest.skip("strace is not installed: cannot watch which files are opened")
    if not list(Path("/usr/share/fonts").rglob("LiberationSans-Regular.ttf")):
        pytest.skip("no system Liberation Sans: nothing to tell apart from vl-convert's copy")
    log = tmp_path / "opens.txt"
    trace = [strace, "-f", "-e", "trace=openat", "-o", str(log)]
    if subprocess.run([*trace, "true"], capture_output=True).returncode != 0:
        pytest.skip("strace cannot trace here (ptrace is not permitted)")
    subprocess.run(
        [*trace, sys.executable, "-c", _DRAW_TEXT],
        check=True,
        cwd=Path(rendering.__file__).resolve().parent.parent,
        capture_output=True,
    )
    opened = [line for line in log.read_text().splitlines() if "/fonts/" in line]
    assert not [line for line in opened if "Liberation" in line], opened[:5]


def test_a_deck_starts_one_worker_and_a_batch_of_charts_two(fresh_workers) -> None:
    """A deck hands on its charts one by one (one worker keeps up: DECK_PROCESSES); charts
    ready all at once are shared between RENDER_PROCESSES workers."""
    rendering.warm_up(rendering.DECK_PROCESSES)
    assert len(rendering._WORKERS) == rendering.DECK_PROCESSES == 1
    jobs = _jobs(3)
    assert rendering.render_one(jobs[0]).png is not None
    assert len(rendering._WORKERS) == 1  # a single chart starts no second worker
    assert len(rendering.render_all(jobs, parallel=True)) == 3
    assert len(rendering._WORKERS) == rendering.RENDER_PROCESSES


def test_no_chart_to_draw_asks_nothing(fresh_workers, monkeypatch) -> None:
    monkeypatch.setattr(rendering, "spare_core", lambda: pytest.fail("watched the processor"))
    assert rendering.render_all([]) == []
    assert rendering._WORKERS == []
