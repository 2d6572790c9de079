"""Figure exports: PNG, SVG and PDF bytes from Altair charts, decoded and checked non-blank."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import altair as alt
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from report.figures import FIGURE_FORMATS, chart_bytes, figure_file_name, png_size

WIDTH, HEIGHT = 300, 200


@pytest.fixture(scope="module")
def chart() -> alt.Chart:
    data = pd.DataFrame({"drug": ["Anlotinib", "Apatinib"], "orr": [0.12, 0.2]})
    return (
        alt.Chart(data)
        .mark_bar(color="#0072B2")
        .encode(x=alt.X("orr:Q", title="ORR"), y=alt.Y("drug:N", title=None))
        .properties(width=WIDTH, height=HEIGHT, title="Hand-made chart")
        .configure(font="Liberation Sans")
    )


def test_png_is_print_resolution_and_not_blank(chart: alt.Chart) -> None:
    data = chart_bytes(chart, "png", ppi=200)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == png_size(data)
    # the plot area alone is WIDTH x HEIGHT CSS pixels (1/72 in) drawn at 200 ppi
    assert image.size[0] >= WIDTH * 200 / 72 and image.size[1] >= HEIGHT * 200 / 72
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 10  # anti-aliased text and bars, not blank
    assert (0x00, 0x72, 0xB2) in {c for _, c in colours}  # the bars are drawn


def test_png_pixels_scale_with_ppi(chart: alt.Chart) -> None:
    low = png_size(chart_bytes(chart, "png", ppi=100))
    high = png_size(chart_bytes(chart, "png", ppi=300))
    assert high[0] == pytest.approx(3 * low[0], abs=3)
    assert high[1] == pytest.approx(3 * low[1], abs=3)


def test_svg_parses_and_holds_the_marks(chart: alt.Chart) -> None:
    data = chart_bytes(chart, "svg")
    root = ET.fromstring(data.decode("utf-8"))
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    assert "Hand-made chart" in text and "Anlotinib" in text
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) >= 2


def test_pdf_opens_with_one_page_and_its_text(chart: alt.Chart) -> None:
    reader = PdfReader(io.BytesIO(chart_bytes(chart, "pdf")))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > WIDTH and float(page.mediabox.height) > HEIGHT
    assert "Apatinib" in page.extract_text()


def test_layered_and_concatenated_charts_render() -> None:
    data = pd.DataFrame({"x": [0.1, 0.4], "lo": [0.0, 0.2], "hi": [0.3, 0.6], "y": ["a", "b"]})
    base = alt.Chart(data)
    layer = base.mark_rule().encode(x="lo:Q", x2="hi:Q", y="y:N") + base.mark_point().encode(
        x="x:Q", y="y:N"
    )
    combo = alt.hconcat(layer, layer)
    for fmt in FIGURE_FORMATS:
        assert len(chart_bytes(combo, fmt)) > 1000


def test_bad_format_and_ppi_are_refused(chart: alt.Chart) -> None:
    with pytest.raises(ValueError, match="jpeg"):
        chart_bytes(chart, "jpeg")
    with pytest.raises(ValueError, match="ppi"):
        chart_bytes(chart, "png", ppi=0)
    with pytest.raises(ValueError, match="PNG"):
        png_size(b"%PDF-1.7")


def test_file_names_are_safe() -> None:
    assert figure_file_name("Anlotinib: ORR (k = 6)", "png") == "anlotinib-orr-k-6.png"
    assert figure_file_name("../..", "svg") == "figure.svg"


def _bars(title: str) -> alt.Chart:
    data = pd.DataFrame({"drug": ["Anlotinib", "Apatinib"], "orr": [0.12, 0.2]})
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(x="orr:Q", y="drug:N")
        .properties(width=WIDTH, height=HEIGHT)
    )


@pytest.mark.parametrize("spare", [True, False])
def test_prefetched_charts_are_the_ones_render_charts_returns(
    spare: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chart handed to Prefetch as it is built (a deck's forests) is drawn by the workers
    when a core is idle, else later by render_charts; the bytes are the same either way."""
    from report import figures

    monkeypatch.setattr(figures, "spare_core", lambda: spare)
    box = (8.0, 5.0)
    charts = [_bars(f"Prefetched {spare} {i}") for i in range(3)]
    figures.clear_cache()
    expected = [figures.render_charts([c], box=box, min_ppi=150)[0] for c in charts]
    figures.clear_cache()
    prefetch = figures.Prefetch(box=box, min_ppi=150)
    for c in charts:
        prefetch(c)
    assert len(figures._INFLIGHT) == 3
    drawn = figures.render_charts(charts, box=box, min_ppi=150)
    assert figures._INFLIGHT == {}
    assert [(d.svg, d.ppi) for d in drawn] == [(e.svg, e.ppi) for e in expected]
    assert all(d.png is not None and d.png[:8] == b"\x89PNG\r\n\x1a\n" for d in drawn)


@pytest.mark.parametrize("spare", [True, False])
def test_the_first_chart_handed_on_starts_the_second_worker(
    spare: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deck starts one worker (DECK_PROCESSES) before it has a chart; the first chart it
    hands on starts the others, when a core is idle."""
    from report import figures, rendering

    monkeypatch.setattr(figures, "spare_core", lambda: spare)
    rendering._stop()
    rendering.warm_up(rendering.DECK_PROCESSES)
    prefetch = figures.Prefetch(box=(8.0, 5.0), min_ppi=150)
    assert len(rendering._WORKERS) == rendering.DECK_PROCESSES
    prefetch(_bars(f"First handed on {spare}"))
    prefetch._more_workers.result()
    figures.render_charts([_bars(f"First handed on {spare}")], box=(8.0, 5.0), min_ppi=150)
    wanted = rendering.RENDER_PROCESSES if spare else rendering.DECK_PROCESSES
    assert len(rendering._WORKERS) == wanted
    rendering._stop()


def test_a_spec_made_while_another_thread_holds_the_data_transformer_is_made_again() -> None:
    """Streamlit swaps Altair's (global) data transformer for its own while it serialises a
    page's chart; an export's spec made at that moment named data it did not hold (an empty
    figure). It is made again once the transformer is back."""
    from report import figures

    calls: list[int] = []
    before = alt.data_transformers.active

    def elsewhere(data: object) -> dict[str, str]:  # Streamlit's: the rows go to its own store
        calls.append(1)
        alt.data_transformers.enable(before)  # the other thread is done
        return {"name": "held-elsewhere"}

    alt.data_transformers.register("elsewhere", elsewhere)
    chart = _bars("Serialised during a page's rerun")
    alt.data_transformers.enable("elsewhere")
    try:
        text, _ = figures._spec_key(chart)
    finally:
        alt.data_transformers.enable(before)
    spec = json.loads(text)
    assert calls and "held-elsewhere" not in text
    assert figures._named_data(spec) <= set(spec["datasets"]) and spec["datasets"]


def test_a_spec_whose_data_never_come_back_is_an_error(monkeypatch) -> None:
    from report import figures

    monkeypatch.setattr(figures, "SPEC_TRIES", 2)
    alt.data_transformers.register("elsewhere-always", lambda data: {"name": "gone"})
    with alt.data_transformers.enable("elsewhere-always"), pytest.raises(RuntimeError):
        figures._spec_key(_bars("Never inline"))
