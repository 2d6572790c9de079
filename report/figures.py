"""Figure bytes from any Altair chart: PNG (print resolution), SVG and PDF, rendered offline.

Rendering calls vl-convert (the engine behind Altair 6's ``Chart.save``) on the chart's own
Vega-Lite spec, so the file is drawn from the very chart object a page shows. Renderings are
cached by content: the spec's JSON, format and resolution are the key, so a figure drawn once
(for the deck, the bundle or a download button) is not drawn again. Fonts come from the machine;
charts pin Liberation Sans (:data:`report.charts.style.FONT`).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import vl_convert as vlc
from altair.utils._importers import vl_version_for_vl_convert

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
#: figures rendered at once (vl-convert renders outside the GIL; the machines have 2 cores).
RENDER_THREADS = 2

_FONT_SIZE = re.compile(r"([0-9.]+)px")
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


def svg_png(svg: bytes, ppi: int) -> bytes:
    """Rasterise an SVG drawn by vl-convert at ``ppi`` pixels per inch (cached by content)."""
    key = hashlib.sha256(b"png:%d:" % ppi + svg).hexdigest()
    return _cached(key, lambda: vlc.svg_to_png(svg.decode("utf-8"), ppi=ppi))


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
    if fmt == "png":
        return svg_png(chart_bytes(chart, "svg"), ppi)
    spec = chart.to_dict()
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    key = hashlib.sha256(f"{fmt}:{text}".encode()).hexdigest()
    version = vl_version_for_vl_convert()
    if fmt == "svg":
        return _cached(key, lambda: vlc.vegalite_to_svg(spec, vl_version=version).encode())
    return _cached(key, lambda: vlc.vegalite_to_pdf(spec, vl_version=version))


def charts_bytes(
    charts: Sequence[alt.TopLevelMixin], fmt: str, *, ppi: int = PRINT_PPI
) -> list[bytes]:
    """Render several charts (in :data:`RENDER_THREADS` threads), in order; see
    :func:`chart_bytes`."""
    if len(charts) < 2:
        return [chart_bytes(c, fmt, ppi=ppi) for c in charts]
    with ThreadPoolExecutor(max_workers=RENDER_THREADS) as pool:
        return list(pool.map(lambda c: chart_bytes(c, fmt, ppi=ppi), charts))


def clear_cache() -> None:
    """Forget every cached rendering (benchmarks time cold renders)."""
    with _LOCK:
        _CACHE.clear()


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
    root = ET.fromstring(data)
    sizes = []
    for el in root.iter("{http://www.w3.org/2000/svg}text"):
        if "".join(el.itertext()).strip():
            match = _FONT_SIZE.search(el.attrib.get("font-size", "") or el.attrib.get("style", ""))
            if match:
                sizes.append(float(match.group(1)))
    return sizes


def figure_file_name(words: str, fmt: str) -> str:
    """A safe download file name: ``("Anlotinib: ORR", "png")`` → ``"anlotinib-orr.png"``."""
    return f"{file_stem(words)}.{fmt}"
