"""Figure bytes from any Altair chart: PNG (print resolution), SVG and PDF, rendered offline.

Rendering calls vl-convert (the engine behind Altair 6's ``Chart.save``) on the chart's own
Vega-Lite spec, so the file is drawn from the very chart object a page shows. A PNG is
rasterised from the chart's SVG, so one layout serves both. Renderings are cached by content:
the spec's JSON (for SVG and PDF) or the SVG and resolution (for PNG) are the key, so a figure
drawn once (for the deck, the bundle or a download button) is not drawn again. Several charts
are drawn in worker processes (:mod:`report.rendering`). Charts pin Liberation Sans
(:data:`report.charts.style.FONT`), drawn from the copy vl-convert holds
(:func:`report.rendering.vl_convert`).
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from report.rendering import (
    RENDER_PROCESSES,
    VL_VERSION,
    Job,
    Rendered,
    fit_ppi,
    rasterise,
    render_all,
    render_one,
    spare_core,
    vl_convert,
    warm_up,
)

if TYPE_CHECKING:  # Altair loads with the first chart (the app's first screen draws none)
    import altair as alt

#: the figure formats offered for download, with their MIME types.
FIGURE_FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
#: pixels per inch of PNG figures: print resolution.
PRINT_PPI = 200

#: renderings kept in memory (a default deck holds about 20; a bundle twice that).
CACHE_ENTRIES = 256
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_LOCK = threading.Lock()


def _cached(key: str, make: Callable[[], bytes]) -> bytes:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    data = make()
    with _LOCK:
        _CACHE[key] = data
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)
    return data


_KEYS: dict[int, tuple[weakref.ref[alt.TopLevelMixin], str, str]] = {}


SPEC_TRIES = 50
"""Times a spec is made before giving up while its data keep going elsewhere (see :func:`_spec`)."""


def _named_data(spec: object) -> set[str]:
    """Names of the datasets a spec's ``data`` entries refer to, at any depth."""
    if isinstance(spec, dict):
        found = (
            {str(d["name"])} if isinstance(d := spec.get("data"), dict) and "name" in d else set()
        )
        for key, value in spec.items():
            if key != "datasets":
                found |= _named_data(value)
        return found
    if isinstance(spec, list):
        return set().union(*(_named_data(v) for v in spec))
    return set()


def _spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, its data inline.

    Altair's data transformer is global to the process, and Streamlit swaps it for one of its
    own while a page's chart is serialised (under a lock of its own): a spec made on another
    thread at that moment names datasets it does not hold, and would draw an empty figure. Such
    a spec is made again (at most :data:`SPEC_TRIES` times, 10 ms apart).

    Raises
    ------
    RuntimeError
        When every try named data the spec does not hold.
    """
    for _ in range(SPEC_TRIES):
        spec = chart.to_dict(validate=False)
        if _named_data(spec) <= set(spec.get("datasets", {})):
            return spec
        time.sleep(0.01)
    raise RuntimeError(
        "a chart's data could not be made inline: Altair's data transformer is "
        "held by another thread"
    )


def _spec_key(chart: alt.TopLevelMixin) -> tuple[str, str]:
    """The chart's spec as canonical JSON and its content key (made once per chart object:
    ``to_dict`` is a tenth of a deck's time)."""
    held = _KEYS.get(id(chart))
    if held is not None and held[0]() is chart:
        return held[1], held[2]
    text = json.dumps(_spec(chart), sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(text.encode()).hexdigest()
    with _LOCK:
        for k in [k for k, (ref, _, _) in _KEYS.items() if ref() is None]:
            del _KEYS[k]
        _KEYS[id(chart)] = (weakref.ref(chart), text, key)
    return text, key


_INFLIGHT: dict[str, Future[Rendered | None]] = {}
_PREFETCH = ThreadPoolExecutor(max_workers=RENDER_PROCESSES, thread_name_prefix="prefetch")


class Prefetch:
    """Draws charts in the render workers as soon as they are built (a deck's forest plots),
    so that :func:`render_charts` finds them drawn or being drawn.

    Only when a core is idle (:func:`report.rendering.spare_core`, asked once, in the
    background): otherwise the charts are drawn later, in this process, by
    :func:`render_charts`. The spec of each chart is made here either way (once per chart).
    The first chart handed on starts the workers up to
    :data:`~report.rendering.RENDER_PROCESSES` (a deck starts one, which loads while its
    process imports and pools: :data:`~report.rendering.DECK_PROCESSES`).
    """

    def __init__(self, *, box: tuple[float, float], min_ppi: int) -> None:
        self.box, self.min_ppi = box, min_ppi
        self._spare = _PREFETCH.submit(spare_core)
        self._more_workers: Future[None] | None = None

    def _start_workers(self) -> None:
        if self._spare.result():
            warm_up(RENDER_PROCESSES)

    def _draw(self, job: Job) -> Rendered | None:
        return render_one(job) if self._spare.result() else None

    def __call__(self, chart: alt.TopLevelMixin) -> None:
        if self._more_workers is None:
            self._more_workers = _PREFETCH.submit(self._start_workers)
        text, key = _spec_key(chart)
        if _held_rendering(key, None, self.box, self.min_ppi) is not None:
            return
        job = Job(text, VL_VERSION, None, self.box, self.min_ppi)
        with _LOCK:
            if key not in _INFLIGHT:
                _INFLIGHT[key] = _PREFETCH.submit(self._draw, job)


def _prefetched(key: str, box: tuple[float, float] | None, min_ppi: int) -> Rendered | None:
    """The drawing of ``key`` started by :class:`Prefetch` (stored in the cache), or None."""
    with _LOCK:
        future = _INFLIGHT.pop(key, None)
    if future is None:
        return None
    try:
        done = future.result()
    except Exception:  # drawn again, in this process, by the caller (which reports errors)
        return None
    if done is None or box is None or done.png is None:
        return None
    if done.ppi != fit_ppi(done.svg, box, min_ppi):
        return None
    _store_rendering(key, done)
    return done


def _held_rendering(
    key: str, ppi: int | None, box: tuple[float, float] | None, min_ppi: int
) -> Rendered | None:
    """The cached SVG of spec ``key`` with the PNG asked for (at ``ppi``, or fitted to ``box``;
    neither: SVG only), or None when either is not cached."""
    svg = _lookup("svg:" + key)
    if svg is None:
        return None
    want = fit_ppi(svg, box, min_ppi) if box is not None else ppi
    if want is None:
        return Rendered(svg, None, None)
    png = _lookup(_png_key(svg, want))
    return None if png is None else Rendered(svg, png, want)


def _store_rendering(key: str, done: Rendered) -> None:
    _store("svg:" + key, done.svg)
    if done.png is not None and done.ppi is not None:
        _store(_png_key(done.svg, done.ppi), done.png)


def _png_key(svg: bytes, ppi: int) -> str:
    return hashlib.sha256(b"png:%d:" % ppi + svg).hexdigest()


def svg_png(svg: bytes, ppi: int) -> bytes:
    """Rasterise an SVG drawn by vl-convert at ``ppi`` pixels per inch (cached by content)."""
    return _cached(_png_key(svg, ppi), lambda: rasterise(svg, ppi))


def _lookup(key: str) -> bytes | None:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    return None


def _store(key: str, data: bytes) -> None:
    with _LOCK:
        _CACHE[key] = data
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)


def render_charts(
    charts: Sequence[alt.TopLevelMixin],
    *,
    ppi: int | None = None,
    box: tuple[float, float] | None = None,
    min_ppi: int = PRINT_PPI,
) -> list[Rendered]:
    """SVG and PNG of several charts, in order, drawing only what the cache does not hold.

    Parameters
    ----------
    charts
        Top-level Altair charts.
    ppi
        PNG resolution; with ``box`` instead, each PNG is rasterised to fit ``box`` (width,
        height in inches) at ``min_ppi`` pixels per inch of its shown size. Neither: SVG only.
    """
    keyed = [_spec_key(c) for c in charts]
    out: list[Rendered | None] = []
    todo: list[int] = []
    for i, (_, key) in enumerate(keyed):
        done = _prefetched(key, box, min_ppi) or _held_rendering(key, ppi, box, min_ppi)
        out.append(done)
        if done is None:
            todo.append(i)
    jobs = [Job(keyed[i][0], VL_VERSION, ppi, box, min_ppi) for i in todo]
    for i, done in zip(todo, render_all(jobs), strict=True):
        _store_rendering(keyed[i][1], done)
        out[i] = done
    return [r for r in out if r is not None]


def chart_bytes(chart: alt.TopLevelMixin, fmt: str, *, ppi: int = PRINT_PPI) -> bytes:
    """Render a chart to PNG, SVG or PDF bytes, offline, with vl-convert.

    Parameters
    ----------
    chart
        Any top-level Altair chart (single, layered or concatenated).
    fmt
        ``"png"``, ``"svg"`` or ``"pdf"``.
    ppi
        Pixels per inch of a PNG (one CSS pixel is 1/72 in, so ``ppi=200`` draws every CSS pixel
        as 200/72 image pixels). Ignored for the vector formats.

    Returns
    -------
    bytes
        The file's content (SVG as UTF-8 text).

    Raises
    ------
    ValueError
        For a format other than png, svg or pdf, or a ``ppi`` below 1.
    """
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figure format {fmt!r}: expected one of {tuple(FIGURE_FORMATS)}")
    if fmt == "png" and ppi < 1:
        raise ValueError(f"ppi={ppi!r}: expected a positive number of pixels per inch")
    if fmt == "pdf":
        text, key = _spec_key(chart)
        return _cached(
            "pdf:" + key,
            lambda: vl_convert().vegalite_to_pdf(json.loads(text), vl_version=VL_VERSION),
        )
    done = render_charts([chart], ppi=ppi if fmt == "png" else None)[0]
    return done.png if fmt == "png" and done.png is not None else done.svg


def clear_cache() -> None:
    """Forget every cached rendering (benchmarks time cold renders)."""
    with _LOCK:
        _CACHE.clear()
        _INFLIGHT.clear()


def png_size(data: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` in pixels read from a PNG's header.

    Raises
    ------
    ValueError
        When ``data`` does not start with a PNG signature and IHDR chunk.
    """
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def file_stem(words: str) -> str:
    """Words as a safe file-name stem: ``"Anlotinib: ORR"`` → ``"anlotinib-orr"``."""
    safe = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in words)
    return "-".join(part for part in safe.split("-") if part) or "figure"


def figure_file_name(words: str, fmt: str) -> str:
    """A safe download file name: ``("Anlotinib: ORR", "png")`` → ``"anlotinib-orr.png"``."""
    return f"{file_stem(words)}.{fmt}"
