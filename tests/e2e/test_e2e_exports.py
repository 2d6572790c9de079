"""Browser journeys on Export: the tumour-board deck and a PNG figure, downloaded and opened."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
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


def test_download_everything_is_a_reproducible_zip(
    watched_page: Page, app_url: str, tmp_path: Path
) -> None:
    page = watched_page
    open_page(page, f"{app_url}/export?histology=bone")
    button = page.get_by_role("button", name=re.compile(r"Download everything \(zip\)"))
    expect(button).to_be_enabled()
    with page.expect_download(timeout=BUILD_TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".zip")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"README.txt", "reproduce.R", "deck/tumour-board-deck.pptx"} <= names
        assert any(n.startswith("figures/") and n.endswith(".svg") for n in names)
        assert any(n.startswith("tables/") and n.endswith(".xlsx") for n in names)
        assert "Bone sarcoma (all)" in zf.read("README.txt").decode("utf-8")
        zf.extractall(tmp_path / "bundle")
    if shutil.which("Rscript"):
        done = subprocess.run(
            ["Rscript", "reproduce.R"],
            cwd=tmp_path / "bundle",
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    screenshot(page, "export-bundle")


def test_forest_reproduce_in_r_downloads_the_numbers_script(
    watched_page: Page, app_url: str, tmp_path: Path
) -> None:
    page = watched_page
    open_page(page, f"{app_url}/forest?drug=apatinib&outcome=orr")
    button = page.get_by_role("button", name=re.compile("Reproduce in R"))
    expect(button).to_be_visible()
    with page.expect_download(timeout=BUILD_TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "reproduce-apatinib-objective-response-rate-orr.R"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    script = path.read_text(encoding="utf-8")
    assert "library(metafor)" in script and "Apatinib ORR" in script
    if shutil.which("Rscript"):
        done = subprocess.run(
            ["Rscript", path.name], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 of 1 numbers" in done.stdout
    screenshot(page, "forest-reproduce")


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_export_page_screenshots(
    watched_page: Page, app_url: str, viewport: tuple[int, int]
) -> None:
    page = watched_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    open_page(page, f"{app_url}/export")
    expect(page.get_by_role("button", name=re.compile("Download everything"))).to_be_visible()
    screenshot(page, f"export-{viewport[0]}x{viewport[1]}")
