"""The tumour-board deck, reopened: slides, titles, pictures, tables, references, notes, footer.

Built from hand-made charts and tables, so it tests the deck layer alone. The LibreOffice test
converts the deck to PDF and renders its pages, as a person opening it would see them.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Emu
from pypdf import PdfReader

from report.deck import (
    CONTENT_W_IN,
    DECK_TITLE,
    FOOTER_H_IN,
    FOOTER_PT,
    MIN_PPI,
    TABLE_ROWS_PER_SLIDE,
    TEXT_EM,
    ChartSlide,
    Citation,
    DeckContent,
    TableSlide,
    TextSlide,
    deck_bytes,
    footer_lines,
)
from report.figures import chart_bytes, png_size

EMU_PER_IN = 914400
N_ARMS = TABLE_ROWS_PER_SLIDE + 3  # one more evidence slide
N_CITATIONS = 24  # several reference slides


def _chart(title: str, width: int, height: int) -> alt.Chart:
    data = pd.DataFrame({"drug": ["Anlotinib", "Apatinib", "Regorafenib"], "orr": [0.1, 0.2, 0.05]})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(x="orr:Q", y="drug:N")
        .properties(width=width, height=height, title=title)
        .configure(font="Liberation Sans")
    )


def _content(user_supplied: tuple[str, ...] = ()) -> DeckContent:
    charts = (
        ChartSlide(
            "Efficacy of the four TKIs",
            _chart("Comparison", 700, 260),
            ("naive!",),
            alt_text="Bar chart of ORR for three drugs",
        ),
        ChartSlide("Grade ≥3 adverse events", _chart("AE panel", 300, 600)),
        ChartSlide("Anlotinib: ORR", _chart("Forest", 250, 120), ("FT back-transform",)),
    )
    evidence = pd.DataFrame(
        {
            "Study": [f"Author{i} 20{i:02d}" for i in range(N_ARMS)],
            "Design": ["Single-arm"] * N_ARMS,
            "n": pd.array([40 + i for i in range(N_ARMS)[:-1]] + [None], dtype="Int64"),
            "ORR": ["12.5% (5/40)"] * N_ARMS,
        }
    )
    citations = tuple(
        Citation(
            f"study{i}",
            f"Author{i} A, Other B, et al. A long title of study number {i} about a tyrosine "
            f"kinase inhibitor in advanced sarcoma. J Clin Oncol. 2020;38:{i}-{i + 9}.",
            f"10.1000/jco.{i}",
        )
        for i in range(N_CITATIONS)
    )
    return DeckContent(
        question="For adults with advanced sarcoma in any line, what ORR can be expected?",
        filters="histology all; any line",
        method="Freeman–Tukey double arcsine, DerSimonian–Laird, Wald z CI, Wilson study CIs",
        method_short="FT double arcsine, DerSimonian–Laird, Wilson CIs",
        data_version="data of 2026-01-01, git abc1234",
        date="2026-01-02",
        slides=(
            *charts,
            TableSlide("Evidence table", evidence, name="Evidence table"),
            TextSlide("Methods", ("• Random effects.", "• Wilson CIs."), name="Methods"),
        ),
        citations=citations,
        caveats=("Naive cross-trial comparison.", "Single-arm evidence."),
        user_supplied=user_supplied,
    )


@pytest.fixture(scope="module")
def content() -> DeckContent:
    return _content()


@pytest.fixture(scope="module")
def deck(content: DeckContent) -> bytes:
    return deck_bytes(content)


@pytest.fixture(scope="module")
def prs(deck: bytes) -> Presentation:
    return Presentation(io.BytesIO(deck))


def _texts(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_widescreen(prs: Presentation) -> None:
    assert prs.slide_width / EMU_PER_IN == pytest.approx(13.333, abs=1e-3)
    assert prs.slide_height / EMU_PER_IN == pytest.approx(7.5, abs=1e-3)


def test_slides_and_titles(prs: Presentation) -> None:
    titles = [s.shapes.title.text for s in prs.slides]
    n_ref = len([t for t in titles if t.startswith("References")])
    assert titles[:7] == [
        DECK_TITLE,
        "Efficacy of the four TKIs",
        "Grade ≥3 adverse events",
        "Anlotinib: ORR",
        "Evidence table (1/2)",
        "Evidence table (2/2)",
        "Methods",
    ]
    assert n_ref >= 2 and titles[7:] == [f"References ({i}/{n_ref})" for i in range(1, n_ref + 1)]
    assert len(prs.slides) == 7 + n_ref


def test_title_slide_states_question_filters_method_date_version(
    prs: Presentation, content: DeckContent
) -> None:
    text = _texts(prs.slides[0])
    for part in (
        content.question,
        content.filters,
        content.method,
        content.date,
        content.data_version,
    ):
        assert part in text


def test_charts_are_pictures_at_print_resolution(prs: Presentation, content: DeckContent) -> None:
    for slide, spec in zip(list(prs.slides)[1:4], content.slides[:3], strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        pic = pictures[0]
        px_w, px_h = pic.image.size
        assert pic.image.content_type == "image/png"
        shown_w, shown_h = pic.width / EMU_PER_IN, pic.height / EMU_PER_IN
        # EMU are whole numbers: allow the rounding of one EMU
        assert px_w / shown_w >= MIN_PPI - 1e-6 and px_h / shown_h >= MIN_PPI - 1
        assert px_w / px_h == pytest.approx(shown_w / shown_h, rel=0.01)  # not distorted
        # the very chart, rendered at that resolution, has that pixel size
        ppi = round(px_w / png_size(chart_bytes(spec.chart, "png", ppi=72))[0] * 72)
        assert png_size(chart_bytes(spec.chart, "png", ppi=ppi)) == pytest.approx(
            (px_w, px_h), abs=2
        )
        # inside the slide, above the footer
        assert pic.left >= 0 and pic.left + pic.width <= prs.slide_width
        assert pic.top + pic.height <= Emu(int(6.72 * EMU_PER_IN))


def test_small_chart_is_fitted_to_the_slide_at_print_resolution(prs: Presentation) -> None:
    pic = next(s for s in prs.slides[3].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert pic.width / EMU_PER_IN > 8  # a 250 px chart fills the slide width
    assert pic.image.size[0] / (pic.width / EMU_PER_IN) >= MIN_PPI


def test_tall_chart_is_shrunk_into_the_content_box(prs: Presentation) -> None:
    pic = next(s for s in prs.slides[2].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert pic.top + pic.height <= Emu(int(6.55 * EMU_PER_IN))
    assert pic.image.size[1] / (pic.height / EMU_PER_IN) >= MIN_PPI


def test_every_picture_has_alt_text(prs: Presentation, content: DeckContent) -> None:
    pictures = [
        s for slide in prs.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    descr = [p._element.nvPicPr.cNvPr.get("descr") for p in pictures]
    assert descr == [
        "Bar chart of ORR for three drugs",
        "Grade ≥3 adverse events",
        "Anlotinib: ORR",
    ]


def test_evidence_table_is_split_and_complete(prs: Presentation, content: DeckContent) -> None:
    rows = []
    evidence = content.slides[3].table
    for slide in list(prs.slides)[4:6]:
        table = next(s for s in slide.shapes if s.has_table).table
        assert [c.text for c in table.rows[0].cells] == list(evidence.columns)
        rows += [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    assert len(rows) == N_ARMS
    assert [r[0] for r in rows] == list(evidence["Study"])
    assert rows[-1][2] == "—"  # missing n shown as a dash, never 0


def test_references_list_every_citation(prs: Presentation, content: DeckContent) -> None:
    text = "\n".join(_texts(s) for s in prs.slides if s.shapes.title.text.startswith("Refer"))
    for c in content.citations:
        assert c.text in text and f"doi:{c.doi}" in text


def test_every_slide_has_footer_and_notes(prs: Presentation, content: DeckContent) -> None:
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, start=1):
        footer = next(s for s in slide.shapes if s.name == "Footer").text_frame.text
        assert f"Filters: {content.filters}" in footer
        assert f"Method: {content.method_short}" in footer
        assert f"slide {number}/{total}" in footer
        notes = slide.notes_slide.notes_text_frame.text
        assert "Naive cross-trial comparison." in notes and "Single-arm evidence." in notes
    assert "naive!" in prs.slides[1].notes_slide.notes_text_frame.text
    assert "FT back-transform" in prs.slides[3].notes_slide.notes_text_frame.text


def test_fonts_are_legible(prs: Presentation) -> None:
    for slide in prs.slides:
        title_sizes = {
            r.font.size.pt for p in slide.shapes.title.text_frame.paragraphs for r in p.runs
        }
        assert min(title_sizes) >= 28
        for shape in slide.shapes:
            frames = (
                [c.text_frame for r in shape.table.rows for c in r.cells]
                if shape.has_table
                else [shape.text_frame]
                if shape.has_text_frame
                else []
            )
            if shape.name == "Footer":
                continue
            sizes = [r.font.size.pt for f in frames for p in f.paragraphs for r in p.runs]
            assert all(s >= 14 for s in sizes), (shape.name, sizes)


def test_user_supplied_data_is_flagged_on_every_slide() -> None:
    prs = Presentation(io.BytesIO(deck_bytes(_content(user_supplied=("whatif2025",)))))
    for slide in prs.slides:
        assert "user-supplied" in _texts(slide) and "whatif2025" in _texts(slide)
        assert "whatif2025" in slide.notes_slide.notes_text_frame.text


def _non_blank(path: Path) -> bool:
    image = Image.open(path).convert("L")
    low, high = image.getextrema()
    return high - low > 100


def test_deck_converts_to_pdf_with_libreoffice(deck: bytes, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("soffice (Debian libreoffice-impress) is missing on CI")
        pytest.skip("SKIPPED LOUDLY: soffice is not installed; install libreoffice-impress")
    src = tmp_path / "deck.pptx"
    src.write_bytes(deck)
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "deck.pdf"
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(Presentation(io.BytesIO(deck)).slides)
    assert "Anlotinib: ORR" in reader.pages[3].extract_text()
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(reader.pages)
    assert all(_non_blank(p) for p in pages)
    width, height = Image.open(pages[0]).size
    assert width / height == pytest.approx(16 / 9, rel=0.01)


def test_footer_never_runs_off_the_slide() -> None:
    """Many what-if studies and long filters: four footer lines at most, each one line."""
    many = tuple(f"user_study_with_a_long_name_{i}" for i in range(30))
    content = _content(user_supplied=many)
    lines = footer_lines(content, 3, 30)
    assert len(lines) == 4 and lines[0].startswith("WHAT-IF") and lines[0].endswith("…")
    room = CONTENT_W_IN * 72 / (FOOTER_PT * TEXT_EM)
    assert all(len(line) < room for line in lines)
    assert 4 * FOOTER_PT * 1.2 / 72 + 0.1 <= FOOTER_H_IN
    prs = Presentation(io.BytesIO(deck_bytes(content)))
    for slide in prs.slides:
        footer = next(s for s in slide.shapes if s.name == "Footer")
        assert footer.top + footer.height <= prs.slide_height
        assert len(footer.text_frame.paragraphs) == 4


def test_table_cells_written_as_xml_match_python_pptx() -> None:
    from lxml import etree

    from report.deck import _fill_cells, _style_cell

    texts = ["Drug", "two\nlines", "", "a & <b> 'q'", "tab\there", "ctrl\x01x", "end\n", "—"]
    lines = [texts, list(reversed(texts))]

    def table_xml(fill: bool) -> list[bytes]:
        prs = Presentation()
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        shape = slide.shapes.add_table(2, len(texts), Emu(0), Emu(0), Emu(9000000), Emu(900000))
        if fill:
            _fill_cells(shape.table, lines)
        else:
            for r, row in enumerate(lines):
                for c, text in enumerate(row):
                    _style_cell(shape.table.cell(r, c), text, r == 0)
        return [etree.tostring(tc) for tr in shape.table._tbl.tr_lst for tc in tr.tc_lst]

    assert table_xml(fill=True) == table_xml(fill=False)
