"""Browser journeys on Export: the tumour-board deck and a PNG figure, downloaded and opened."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import pytest
from app_page import open_page, screenshot
from playwright.sync_api import Page, expect
from pptx import Presentation

from report.colors import TKI_DRUGS, drug_label

pytestmark = pytest.mark.e2e

#: milliseconds to build a file on the server after the click (the deck renders every chart)
BUILD_TIMEOUT = 180_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_deck_download_opens_in_python_pptx(
    watched_page: Page, app_url: str, tmp_path: Path
) -> None:
    page = watched_page
    open_page(page, f"{app_url}/export?histology=bone")
    button = page.get_by_role("button", name=re.compile(r"Build and download the deck \(PPTX\)"))
    expect(button).to_be_enabled()
    with page.expect_download(timeout=BUILD_TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pptx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    deck = Presentation(io.BytesIO(path.read_bytes()))
    slides = list(deck.slides)
    assert len(slides) >= 4
    text = "\n".join(
        shape.text_frame.text for slide in slides for shape in slide.shapes if shape.has_text_frame
    )
    for drug in TKI_DRUGS:
        assert drug_label(drug) in text
    # the title slide asks the question for the histology in force ("advanced bone sarcoma")
    assert "advanced bone sarcoma" in text, "the deck does not state the histology filter in force"
    screenshot(page, "export-deck")


def test_png_figure_download_is_a_png(watched_page: Page, app_url: str, tmp_path: Path) -> None:
    page = watched_page
    open_page(page, f"{app_url}/export")
    page.get_by_role("button", name=re.compile("Download figure")).first.click()
    png_button = page.get_by_role("button", name=re.compile(r"PNG \(200 ppi\)"))
    expect(png_button).to_be_visible()
    with page.expect_download(timeout=BUILD_TIMEOUT) as info:
        png_button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".png")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 200, (width, height)
    assert len(data) > 10_000
    screenshot(page, "export-png")
