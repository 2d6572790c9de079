"""Figure bytes from any Altair chart: PNG (print resolution), SVG and PDF, rendered offline.

Rendering goes through ``Chart.save`` with the vl-convert engine (the only engine of Altair 6),
so the file is drawn from the very chart object a page shows. Fonts come from the machine;
charts pin Liberation Sans (:data:`report.charts.style.FONT`).
"""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import altair as alt

#: the figure formats offered for download, with their MIME types.
FIGURE_FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
#: pixels per inch of PNG figures: print resolution.
PRINT_PPI = 200
#: CSS pixels per inch, the unit Vega-Lite sizes charts in.
CSS_PPI = 72

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    if fmt == "svg":
        text = io.StringIO()
        chart.save(text, format="svg")
        return text.getvalue().encode("utf-8")
    buf = io.BytesIO()
    if fmt == "png":
        if ppi < 1:
            raise ValueError(f"ppi={ppi!r}: expected a positive number of pixels per inch")
        chart.save(buf, format="png", ppi=ppi)
    else:
        chart.save(buf, format="pdf")
    return buf.getvalue()


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


def figure_file_name(words: str, fmt: str) -> str:
    """A safe download file name: ``("Anlotinib: ORR", "png")`` → ``"anlotinib-orr.png"``."""
    return f"{file_stem(words)}.{fmt}"
