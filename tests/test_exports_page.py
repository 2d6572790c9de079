"""The Export page runs, offers the deck, figure and table downloads, and its deck builds."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

import tkidata
from report.view import compute_view
from tkidata.analyses.method import Method
from tkidata.patient.filters import Filters
from ui.downloads import deck_builder


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.switch_page("pages/export.py").run()
    return at


def _labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_page_offers_every_download(page: AppTest) -> None:
    assert not page.exception
    labels = _labels(page)
    assert "Build and download the deck (PPTX)" in labels
    assert {"PNG (200 ppi)", "SVG", "PDF"} <= set(labels)
    assert {"Pooled results (CSV)", "Evidence table (CSV)", "All tables (Excel)"} <= set(labels)
    figures = page.selectbox(key="export_figure").options
    assert figures[:2] == ["Efficacy of the four TKIs", "Grade ≥3 adverse events"]
    assert "Anlotinib: Objective response rate (ORR)" in figures


def test_choosing_outcomes_and_drugs_reruns_cleanly(page: AppTest) -> None:
    page.multiselect(key="export_drugs").set_value(["regorafenib"]).run()
    assert not page.exception
    figures = page.selectbox(key="export_figure").options
    assert all(not f.startswith("Anlotinib") for f in figures[2:])
    page.multiselect(key="export_outcomes").set_value([]).run()
    assert not page.exception
    deck = next(b for b in page.get("download_button") if "deck" in b.proto.label)
    assert deck.proto.disabled


def test_page_offers_the_bundle(page: AppTest) -> None:
    labels = _labels(page)
    assert "Download everything (zip)" in labels


def test_deck_builder_builds_the_deck_of_the_view() -> None:
    ev = tkidata.load()
    f, m = Filters(histology="sts"), Method.preset("reference")
    view = compute_view(ev, f, m, forest_drugs=("apatinib",))
    prs = Presentation(io.BytesIO(deck_builder(view)()))
    titles = [s.shapes.title.text for s in prs.slides]
    assert "Limitations" in titles and "Methods" in titles
    assert sum(t.startswith("Apatinib:") for t in titles) == sum(
        r.pool is not None for r in view.results if r.drug == "apatinib"
    )


def test_forest_page_offers_reproduce_in_r() -> None:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.switch_page("pages/forest.py").run()
    assert not at.exception
    button = next(b for b in at.get("download_button") if b.proto.label == "Reproduce in R")
    assert "metafor" in button.proto.help
