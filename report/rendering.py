"""Vega-Lite → SVG → PNG with vl-convert, in worker processes.

vl-convert lays out a chart (SVG) and rasterises it (PNG) holding the GIL, so threads do not
overlap; worker processes do. A worker is ``python -m report.rendering``: it imports only
vl-convert and this module (no pandas, no Altair), answers each JSON job line on stdin with one
JSON result line on stdout, and exits when its stdin closes — plain subprocesses, so no
caller's main module is ever re-imported (as multiprocessing's spawn would), and none outlives
the process that started it. Workers are kept for the next call (their JavaScript engine warms
up with use); :func:`warm_up` starts them early, while the caller still builds its charts. A job
a worker could not draw is drawn again in this process.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import json
import math
import os
import re
import select
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

#: worker processes drawing charts that are all ready at once (the machines have 2 cores).
RENDER_PROCESSES = 2
#: worker processes a tumour-board deck starts before it has a chart: one, which loads its
#: renderer (about 0.7 s) on the other core while the deck's process imports and pools; the
#: second starts with the first chart handed on (``report.figures.Prefetch``). Measured on an
#: idle 2-core machine, five alternating runs of ``python -m report deck``: 6.2–6.8 s (median
#: 6.7) with one worker only, 6.5–6.9 s with two from the start (their loading took processor
#: time from the imports), 5.7–6.6 s (median 6.3) thus.
DECK_PROCESSES = 1
#: the Vega-Lite version vl-convert compiles specs with: that of the pinned Altair's schema
#: (``altair.utils._importers.vl_version_for_vl_convert``, checked by a test), held here so that
#: workers can start before Altair is imported.
VL_VERSION = "v6_4"
#: a small chart each worker draws when it starts: the JavaScript engine, Vega-Lite and the
#: rasteriser load then (about 0.7 s), while its caller is still pooling, not on the first chart.
WARM_UP_SPEC = {
    "data": {
        "values": [
            {"s": "A", "e": 0.2, "l": 0.1, "u": 0.3},
            {"s": "B", "e": 0.4, "l": 0.2, "u": 0.6},
        ]
    },
    "hconcat": [
        {
            "mark": {"type": "text", "limit": 40},
            "encoding": {"y": {"field": "s", "type": "nominal"}, "text": {"field": "s"}},
        },
        {
            "layer": [
                {
                    "mark": "rule",
                    "encoding": {
                        "y": {"field": "s", "type": "nominal"},
                        "x": {"field": "l", "type": "quantitative"},
                        "x2": {"field": "u"},
                    },
                },
                {
                    "mark": "square",
                    "encoding": {
                        "y": {"field": "s", "type": "nominal"},
                        "x": {"field": "e", "type": "quantitative"},
                    },
                },
            ]
        },
    ],
}
#: seconds a worker may take for one chart before it is taken for hung (a deck's forest: ~0.3 s).
JOB_TIMEOUT_S = 120

#: the fontconfig file vl-convert's font database is built from (see :func:`vl_convert`)
FONTS_CONF = Path(__file__).with_name("vl_fonts.conf")
_EMPTY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
_VLC_LOCK = threading.Lock()

_FONT_SIZE = re.compile(r"([0-9.]+)px")
_SVG_NS = "{http://www.w3.org/2000/svg}"
_WORKERS: list[_Worker] = []
_LOCK = threading.Lock()


class Job(NamedTuple):
    """One rendering: a Vega-Lite spec and how to rasterise it.

    ``ppi`` rasterises at that resolution; ``box`` (width, height in inches) instead fits the
    chart in the box at ``min_ppi`` pixels per inch of its shown size; neither: SVG only.
    """

    spec_json: str
    vl_version: str
    ppi: int | None = None
    box: tuple[float, float] | None = None
    min_ppi: int = 200


class Rendered(NamedTuple):
    """An SVG, its PNG (or None) and the PNG's pixels per inch of CSS size (72 = 1 px/pt)."""

    svg: bytes
    png: bytes | None
    ppi: int | None


def svg_size(data: bytes) -> tuple[float, float]:
    """Return ``(width, height)`` in CSS pixels from the root element of an SVG.

    Raises
    ------
    ValueError
        When the root is not an ``<svg>`` with numeric width and height.
    """
    root = ET.fromstring(data)
    try:
        return float(root.attrib["width"]), float(root.attrib["height"])
    except (KeyError, ValueError) as err:
        raise ValueError("not an SVG with numeric width and height") from err


def svg_font_sizes(data: bytes) -> list[float]:
    """Font sizes (CSS pixels) of every non-empty text element of an SVG drawn by vl-convert."""
    sizes = []
    for el in ET.fromstring(data).iter(f"{_SVG_NS}text"):
        if "".join(el.itertext()).strip():
            match = _FONT_SIZE.search(el.attrib.get("font-size", "") or el.attrib.get("style", ""))
            if match:
                sizes.append(float(match.group(1)))
    return sizes


def fit_ppi(svg: bytes, box: tuple[float, float], min_ppi: int) -> int:
    """Resolution at which an SVG fitted in ``box`` (inches) keeps ``min_ppi`` when shown."""
    css_w, css_h = svg_size(svg)
    scale = min(box[0] * 72 / css_w, box[1] * 72 / css_h)
    return math.ceil(min_ppi * scale) + 1


def vl_convert() -> ModuleType:
    """vl-convert, its font database built from :data:`FONTS_CONF` (once per process).

    vl-convert builds its font database on first use, from the system's fonts (fontconfig's
    directories; ``FONTCONFIG_FILE`` names the configuration) and then the Liberation Sans it
    holds in memory (version 2.00.1). A system font of the same family comes first and wins,
    and a font read from a file is opened and memory-mapped again for every glyph measured or
    drawn: a deck's figures spent about 3 s of kernel time on it. With :data:`FONTS_CONF` the
    house font resolves to the copy in memory; its widths are the system font's (the SVGs are
    byte-identical) and it holds more glyphs (2,294 against 668). The variable is set only
    while the database is built, so no other library of this process sees it.
    """
    with _VLC_LOCK:
        return _vl_convert()


@functools.cache
def _vl_convert() -> ModuleType:
    import vl_convert as vlc  # loaded on first use: off the app's start-up path

    before = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    try:
        vlc.svg_to_png(_EMPTY_SVG, ppi=72)  # builds the font database now
    finally:
        if before is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = before
    return vlc


def render(job: Job) -> Rendered:
    """Draw one job (in a worker process or in this one)."""
    vlc = vl_convert()
    svg = vlc.vegalite_to_svg(json.loads(job.spec_json), vl_version=job.vl_version).encode()
    ppi = fit_ppi(svg, job.box, job.min_ppi) if job.box is not None else job.ppi
    png = None if ppi is None else vlc.svg_to_png(svg.decode(), ppi=ppi)
    return Rendered(svg, png, ppi)


def rasterise(svg: bytes, ppi: int) -> bytes:
    """PNG of an SVG at ``ppi`` (in this process)."""
    return vl_convert().svg_to_png(svg.decode(), ppi=ppi)


def _start() -> subprocess.Popen[bytes] | None:
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "report.rendering"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
    except OSError:
        return None


class _Worker:
    """One worker process, used by one caller at a time."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lock = threading.Lock()
        self.used = False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, jobs: Sequence[Job]) -> list[Rendered | None]:
        """Draw jobs one after the other; None for a job it did not draw."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        if stdin is None or stdout is None:
            return [None] * len(jobs)
        out: list[Rendered | None] = []
        with self.lock:
            self.used = True
            for job in jobs:
                try:
                    stdin.write(_encode(job))
                    stdin.flush()
                    if not select.select([stdout], [], [], JOB_TIMEOUT_S)[0]:
                        self.proc.kill()  # hung: drawn here instead, and replaced next time
                        out.append(None)
                        continue
                    out.append(_decode(stdout.readline()))
                except (OSError, ValueError, KeyError, TypeError):
                    out.append(None)
        return out

    def close(self) -> None:
        if not self.used:  # started early and never needed: no reason to wait for its warm-up
            self.proc.kill()
            self.proc.wait()
            return
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def _workers(wanted: int = RENDER_PROCESSES) -> list[_Worker]:
    """Every running worker, after starting (or restarting) workers until ``wanted`` run."""
    with _LOCK:
        _WORKERS[:] = [w for w in _WORKERS if w.alive()]
        while len(_WORKERS) < wanted:
            proc = _start()
            if proc is None:
                break
            _WORKERS.append(_Worker(proc))
        return list(_WORKERS)


def warm_up(processes: int = RENDER_PROCESSES) -> None:
    """Start ``processes`` workers now (they load vl-convert while the caller works)."""
    _workers(processes)


@atexit.register
def _stop() -> None:
    with _LOCK:
        for worker in _WORKERS:
            worker.close()
        _WORKERS.clear()


def _encode(job: Job) -> bytes:
    return (json.dumps(job._asdict()) + "\n").encode()


def _decode(line: bytes) -> Rendered:
    d = json.loads(line)
    png = None if d["png"] is None else base64.b64decode(d["png"])
    return Rendered(base64.b64decode(d["svg"]), png, d["ppi"])


IDLE_SAMPLE_S = 0.1
"""How long :func:`spare_core` watches the processor (``/proc/stat``) before it answers."""


def _busy_idle() -> tuple[int, int] | None:
    """Busy and idle jiffies of all cores since boot (Linux ``/proc/stat``), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return sum(ticks[:8]) - idle, idle


def spare_core() -> bool:
    """True when about one core is idle right now (watched for :data:`IDLE_SAMPLE_S`).

    Measured on the 2-core machine shared with other jobs: two workers beat one process only
    when a core is idle; under load they are slower (``benchmarks/exports.py``). The processor
    is watched now rather than read from the load average, which lags a minute behind: a deck
    built just after a busy minute would otherwise be drawn in one process on an idle machine.
    """
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    before = _busy_idle()
    if before is None:
        try:
            return os.getloadavg()[0] < cores - 1
        except OSError:
            return True
    time.sleep(IDLE_SAMPLE_S)
    after = _busy_idle()
    if after is None:
        return True
    busy, idle = after[0] - before[0], after[1] - before[1]
    return busy + idle > 0 and idle / (busy + idle) * cores >= 0.75


def render_one(job: Job) -> Rendered:
    """Draw one job in an idle render worker, starting one when none runs (in this process
    when none can start)."""
    workers = _workers(1)
    if not workers:
        return render(job)
    worker = min(workers, key=lambda w: w.lock.locked())  # an idle one when there is one
    done = worker.run([job])[0]
    return done if done is not None else render(job)


def render_all(jobs: Sequence[Job], *, parallel: bool | None = None) -> list[Rendered]:
    """Draw jobs in order: in :data:`RENDER_PROCESSES` workers when there are several and
    ``parallel`` (default: :func:`spare_core`), else one after the other in this process."""
    if not jobs:
        return []
    use = spare_core() if parallel is None else parallel
    workers = _workers() if len(jobs) > 1 and use else []
    if not workers:
        return [render(j) for j in jobs]
    # the biggest specs first, each to the worker with the least work so far
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].spec_json))
    shares: list[list[int]] = [[] for _ in workers]
    load = [0] * len(workers)
    for i in order:
        w = load.index(min(load))
        shares[w].append(i)
        load[w] += len(jobs[i].spec_json)
    done: list[Rendered | None] = [None] * len(jobs)
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        outs = pool.map(
            lambda ws: ws[0].run([jobs[i] for i in ws[1]]), zip(workers, shares, strict=True)
        )
        for share, results in zip(shares, outs, strict=True):
            for i, r in zip(share, results, strict=True):
                done[i] = r
    return [r if r is not None else render(jobs[i]) for i, r in enumerate(done)]


def _serve() -> None:
    """Worker loop: one JSON job per stdin line → one JSON result per stdout line (after
    drawing :data:`WARM_UP_SPEC`)."""
    with contextlib.suppress(Exception):  # a failing renderer reports on the first real job
        render(Job(json.dumps(WARM_UP_SPEC), VL_VERSION, ppi=72))
    for line in sys.stdin.buffer:
        try:
            r = render(Job(**json.loads(line)))
            reply = {
                "svg": base64.b64encode(r.svg).decode(),
                "png": None if r.png is None else base64.b64encode(r.png).decode(),
                "ppi": r.ppi,
            }
        except Exception as err:
            reply = {"error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
