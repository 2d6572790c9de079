"""The tumour-board slide deck (PPTX): pure function from slides, citations and words to bytes.

:func:`deck_bytes` lays out a widescreen (16:9) deck: a title slide with the question, then the
body slides in the order given — :class:`ChartSlide` (a chart as a picture), :class:`TableSlide`
(a table, split across slides by the height of its rows) and :class:`TextSlide` (paragraphs,
split by length) — and the references. Every slide carries a footer with the filters, the
method and the data version, and speaker notes with the caveats; every picture has alt text.

Charts are rendered once to SVG (vl-convert, cached by content) and rasterised from that SVG at
the scale that fits the slide, at no less than :data:`MIN_PPI` pixels per inch of the size they
are shown at. Charts meant for slides are built at slide size, so the scale is close to 1 and a
14 px label reads as 14 pt; :func:`chart_text_pt` tells the smallest text size a picture shows.

The inputs are plain values (:class:`DeckContent`), so a deck can be built from hand-made charts
and tables in a test, or from the app's results by :mod:`report.deck_inputs`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import altair as alt
import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml import parse_xml
from pptx.slide import Slide
from pptx.table import Table, _Cell
from pptx.util import Emu, Inches, Pt

from report.figures import render_charts
from report.rendering import Rendered, svg_font_sizes, svg_size

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
SLIDE_W_IN = 13.333
SLIDE_H_IN = 7.5
MARGIN_IN = 0.45
TITLE_TOP_IN = 0.25
TITLE_H_IN = 0.85
CONTENT_TOP_IN = 1.15
#: room for four footer lines at FOOTER_PT (what-if warning, filters, method, version).
FOOTER_H_IN = 0.95
CONTENT_H_IN = SLIDE_H_IN - FOOTER_H_IN - 0.1 - CONTENT_TOP_IN
CONTENT_W_IN = SLIDE_W_IN - 2 * MARGIN_IN
#: minimum pixels per inch of a chart image at the size it is shown on a slide.
MIN_PPI = 200
DECK_TITLE = "Sarcoma TKIs: tumour-board evidence summary"
TITLE_PT = 28
QUESTION_PT = 24
BODY_PT = 16
TABLE_PT = 14
FOOTER_PT = 12
#: most rows of the evidence table per slide (header not counted); fewer when cells wrap.
TABLE_ROWS_PER_SLIDE = 12
#: the deck's font: Arial on PowerPoint, metric-compatible Liberation Sans on LibreOffice.
FONT = "Arial"
#: character width in em used to size text boxes and columns (Arial: digits 0.556, bold ~0.6).
CHAR_EM = 0.6
CELL_MARGIN_IN = 0.06
#: text lines of references and text slides per slide at BODY_PT.
REFERENCE_LINES_PER_SLIDE = 16
#: characters per line of a full-width text box at BODY_PT (Liberation Sans, ~0.5 em per char).
CHARS_PER_LINE = 118
#: average character width in em of running text (Arial/Liberation Sans, mixed case).
TEXT_EM = 0.5
_LAYOUT_TITLE_ONLY = 5
_GREY = RGBColor(0x44, 0x44, 0x44)
_WARN = RGBColor(0xA4, 0x1E, 0x22)
_HEADER_FILL = RGBColor(0xE8, 0xEC, 0xF1)


@dataclass(frozen=True)
class ChartSlide:
    """One chart on its own slide.

    Attributes
    ----------
    title : str
        Slide title.
    chart : altair.TopLevelMixin
        The chart, as built by :mod:`report.charts` (at slide size for a deck).
    caveats : tuple of str
        Caveats that concern this chart only; they go to the slide's speaker notes.
    alt_text : str
        What the picture shows, for screen readers (default: the title).
    """

    title: str
    chart: alt.TopLevelMixin
    caveats: tuple[str, ...] = ()
    alt_text: str = ""


@dataclass(frozen=True)
class TableSlide:
    """A table on as many slides as its rows need (the header repeats on each).

    Attributes
    ----------
    title : str
        Slide title (``" (i/n)"`` is added when the table is split).
    table : pandas.DataFrame
        Display text (missing values are shown as "—").
    caveats : tuple of str
        Speaker-note caveats of these slides.
    name : str
        Shape name of the table (tests and screen readers find it by name).
    """

    title: str
    table: pd.DataFrame
    caveats: tuple[str, ...] = ()
    name: str = "Table"


@dataclass(frozen=True)
class TextSlide:
    """Paragraphs on as many slides as their length needs.

    Attributes
    ----------
    title : str
        Slide title.
    lines : tuple of str
        One paragraph each; a paragraph starting with ``"• "`` is a bullet.
    caveats : tuple of str
        Speaker-note caveats.
    name : str
        Shape name of the text box.
    """

    title: str
    lines: tuple[str, ...]
    caveats: tuple[str, ...] = ()
    name: str = "Text"


Slide_ = ChartSlide | TableSlide | TextSlide


@dataclass(frozen=True)
class Citation:
    """A full reference of one study cited in the view."""

    study_id: str
    text: str
    doi: str = ""

    def line(self) -> str:
        """The reference as printed: citation text, then the DOI unless the text holds it."""
        if self.doi and self.doi.lower() not in self.text.lower():
            return f"{self.text} doi:{self.doi}"
        return self.text


@dataclass(frozen=True)
class DeckContent:
    """Everything a deck shows, as plain values.

    Attributes
    ----------
    question : str
        The clinical question in words (title slide).
    filters : str
        The filters in force, in words (title slide and every footer).
    method : str
        The pooling method in full words (title slide).
    method_short : str
        The pooling method in a few words for the footer, e.g. "FT double arcsine,
        DerSimonian–Laird, Wilson CIs".
    data_version : str
        Which data the results come from (date, revision, hash).
    date : str
        Date of the export.
    slides : tuple of ChartSlide, TableSlide or TextSlide
        The body of the deck in order, between the title slide and the references.
    citations : tuple of Citation
        Every study cited in the view.
    caveats : tuple of str
        Caveats that hold for the whole deck; in every slide's speaker notes.
    user_supplied : tuple of str
        Labels of user-supplied (what-if) studies in the results; when any, every slide says so.
    """

    question: str
    filters: str
    method: str
    method_short: str
    data_version: str
    date: str
    slides: tuple[Slide_, ...]
    citations: tuple[Citation, ...]
    caveats: tuple[str, ...] = ()
    user_supplied: tuple[str, ...] = field(default=())

    @property
    def what_if_text(self) -> str:
        """The user-supplied data warning, or an empty string when there is none."""
        if not self.user_supplied:
            return ""
        return (
            "WHAT-IF: includes user-supplied studies not in the curated evidence ("
            + ", ".join(self.user_supplied)
            + ")"
        )


def _in(x: float) -> Emu:
    return Inches(x)


def _add_text(
    slide: Slide,
    lines: Sequence[str],
    *,
    left: float,
    top: float,
    width: float,
    height: float,
    size: int,
    name: str,
    bold_first: bool = False,
    colour: RGBColor | None = None,
    space_after: int = 4,
) -> None:
    box = slide.shapes.add_textbox(_in(left), _in(top), _in(width), _in(height))
    box.name = name
    tf = box.text_frame
    tf.word_wrap = True
    for i, text in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.space_after = Pt(space_after)
        run = p.add_run()
        run.text = text
        run.font.name = FONT
        run.font.size = Pt(size)
        run.font.bold = bold_first and i == 0
        if colour is not None:
            run.font.color.rgb = colour


def _set_title(slide: Slide, text: str, *, size: int = TITLE_PT) -> None:
    title = slide.shapes.title
    title.left, title.top = _in(MARGIN_IN), _in(TITLE_TOP_IN)
    title.width, title.height = _in(CONTENT_W_IN), _in(TITLE_H_IN)
    tf = title.text_frame
    tf.text = text
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    for p in tf.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for run in p.runs:
            run.font.name = FONT
            run.font.size = Pt(size)
            run.font.bold = True


def _fit_line(text: str, size: float, width: float = CONTENT_W_IN) -> str:
    """``text`` cut with an ellipsis to what one line of ``width`` inches holds at ``size``."""
    room = int(width * 72 / (size * TEXT_EM)) - 1
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def footer_lines(content: DeckContent, number: int, total: int) -> list[str]:
    """The footer of one slide: at most four lines, each cut to one line of the footer."""
    lines = [
        f"Filters: {content.filters}",
        f"Method: {content.method_short}",
        f"{content.data_version}  ·  exported {content.date}  ·  slide {number}/{total}",
    ]
    if content.user_supplied:
        lines.insert(0, content.what_if_text)
    return [_fit_line(t, FOOTER_PT) for t in lines]


def _footer(slide: Slide, content: DeckContent, number: int, total: int) -> None:
    lines = footer_lines(content, number, total)
    top = SLIDE_H_IN - FOOTER_H_IN
    line = slide.shapes.add_connector(
        1, _in(MARGIN_IN), _in(top), _in(SLIDE_W_IN - MARGIN_IN), _in(top)
    )
    line.line.color.rgb = RGBColor(0xBB, 0xBB, 0xBB)
    box = slide.shapes.add_textbox(
        _in(MARGIN_IN), _in(top + 0.02), _in(CONTENT_W_IN), _in(FOOTER_H_IN - 0.05)
    )
    box.name = "Footer"
    tf = box.text_frame
    tf.word_wrap = True
    tf.margin_top = tf.margin_bottom = Pt(2)
    for i, text in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.name = FONT
        run.font.size = Pt(FOOTER_PT)
        warn = bool(content.user_supplied) and i == 0
        run.font.bold = warn
        run.font.color.rgb = _WARN if warn else _GREY


def _notes(slide: Slide, specific: Sequence[str], content: DeckContent) -> None:
    items = [*specific, *content.caveats]
    if content.user_supplied:
        items.insert(0, content.what_if_text + ".")
    text = "Caveats:\n" + "\n".join(f"- {c}" for c in items) if items else "No caveats."
    slide.notes_slide.notes_text_frame.text = text


def slide_picture(done: Rendered, box_w: float, box_h: float) -> tuple[bytes, float, float]:
    """A chart rendered to fit a box: PNG bytes and shown width, height in inches.

    :func:`report.figures.render_charts` with ``box`` rasterises the SVG at a resolution that
    keeps at least :data:`MIN_PPI` pixels per inch at the fitted size (CSS pixels are points
    at scale 1).
    """
    css_w, css_h = svg_size(done.svg)
    scale = min(box_w * 72 / css_w, box_h * 72 / css_h)
    return done.png, css_w * scale / 72, css_h * scale / 72


def chart_text_pt(svg: bytes, shown_w: float) -> float:
    """Smallest text size, in points, of a chart's SVG shown ``shown_w`` inches wide."""
    css_w, _ = svg_size(svg)
    sizes = svg_font_sizes(svg)
    return min(sizes) * shown_w * 72 / css_w if sizes else math.inf


def _chart_slide(prs: Presentation, spec: ChartSlide) -> tuple[Slide, tuple[str, ...]]:
    """A chart's slide with its title; the picture comes with :func:`_place_chart`."""
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _set_title(slide, spec.title)
    return slide, spec.caveats


def _place_chart(slide: Slide, spec: ChartSlide, image: tuple[bytes, float, float]) -> None:
    png, width, height = image
    # centred across, under the title: a short chart (a one-study forest) no longer floats in
    # the middle of the slide with its title far above it
    left = MARGIN_IN + (CONTENT_W_IN - width) / 2
    top = CONTENT_TOP_IN
    pic = slide.shapes.add_picture(io.BytesIO(png), _in(left), _in(top), _in(width), _in(height))
    pic.name = "Chart"
    pic._element.nvPicPr.cNvPr.set("descr", spec.alt_text or spec.title)


def _text_height(text: str, size: float) -> float:
    """Height in inches of a paragraph wrapped across the content width."""
    per_line = CONTENT_W_IN * 72 / (size * CHAR_EM)
    return math.ceil(len(text) / per_line) * size * 1.25 / 72 + 0.15


def _title_slide(prs: Presentation, content: DeckContent) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
    _set_title(slide, DECK_TITLE, size=32)
    top = CONTENT_TOP_IN + 0.15
    if content.user_supplied:
        _add_text(
            slide,
            [content.what_if_text],
            left=MARGIN_IN,
            top=top,
            width=CONTENT_W_IN,
            height=0.7,
            size=BODY_PT + 2,
            name="What-if",
            colour=_WARN,
        )
        top += 0.8
    _add_text(
        slide,
        [content.question],
        left=MARGIN_IN,
        top=top,
        width=CONTENT_W_IN,
        height=_text_height(content.question, QUESTION_PT),
        size=QUESTION_PT,
        name="Question",
    )
    top += _text_height(content.question, QUESTION_PT) + 0.2
    facts = [
        f"Filters: {content.filters}",
        f"Method: {content.method}",
        f"Data version: {content.data_version}",
        f"Exported: {content.date}",
    ]
    _add_text(
        slide,
        facts,
        left=MARGIN_IN,
        top=top,
        width=CONTENT_W_IN,
        height=CONTENT_TOP_IN + CONTENT_H_IN - top,
        size=BODY_PT + 2,
        name="Facts",
        space_after=10,
    )
    return slide


def _em_chars(text: str) -> float:
    """Width of ``text`` in average characters (capitals and digits are wider, ``i`` narrower)."""
    wide = sum(ch.isupper() or ch.isdigit() or ch in "mwMW%—" for ch in text)
    return len(text) + 0.2 * wide


def _chars_in(chars: float, size: float = TABLE_PT) -> float:
    """Width in inches of ``chars`` characters at ``size`` points plus the cell margins."""
    return chars * size * CHAR_EM / 72 + 2 * CELL_MARGIN_IN


def _column_widths(df: pd.DataFrame, total: float) -> list[float]:
    """Column widths in inches: no word is broken, the rest goes to the longest texts.

    Each column first gets the width of its longest word (header included); what is left of
    ``total`` is shared in proportion to how much longer each column's longest text is.
    """
    words = [
        max(_em_chars(w) for text in [str(col), *df[col]] for w in (text.split() or [""]))
        for col in df.columns
    ]
    longest = [max(_em_chars(text) for text in [str(col), *df[col]]) for col in df.columns]
    base = [_chars_in(w) for w in words]
    spare = total - sum(base)
    extra = [_chars_in(n) - b for n, b in zip(longest, base, strict=True)]
    if spare <= 0 or sum(extra) <= 0:
        return [b * total / sum(base) for b in base]
    share = min(1.0, spare / sum(extra))
    widths = [b + e * share for b, e in zip(base, extra, strict=True)]
    rest = total - sum(widths)
    return [w + rest * w / sum(widths) for w in widths]


def _row_lines(row: Sequence[str], widths: Sequence[float]) -> int:
    """Wrapped text lines of the tallest cell of a table row."""
    fits = [max(1.0, (w - 2 * CELL_MARGIN_IN) * 72 / (TABLE_PT * CHAR_EM)) for w in widths]
    return max(math.ceil(len(text) / fit) or 1 for text, fit in zip(row, fits, strict=True))


def _row_height(lines: int) -> float:
    return 0.14 + lines * TABLE_PT * 1.2 / 72


def _table_pages(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> list[list[Sequence[str]]]:
    """Split rows into slides by the height their wrapped text needs (at most
    :data:`TABLE_ROWS_PER_SLIDE` rows each)."""
    budget = CONTENT_H_IN - _row_height(_row_lines(header, widths))
    pages: list[list[Sequence[str]]] = [[]]
    used = 0.0
    for row in rows:
        need = _row_height(_row_lines(row, widths))
        if pages[-1] and (used + need > budget or len(pages[-1]) == TABLE_ROWS_PER_SLIDE):
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += need
    return pages


def _table_slides(prs: Presentation, spec: TableSlide) -> list[tuple[Slide, tuple[str, ...]]]:
    title = spec.title
    df = spec.table.astype(object).where(spec.table.notna(), "—").astype(str)
    widths = _column_widths(df, CONTENT_W_IN)
    header = [str(col) for col in df.columns]
    # plain lists: a cell at a time out of an Arrow-backed frame costs more than the slide
    chunks = _table_pages(header, df.to_numpy(dtype=object).tolist(), widths)
    out = []
    for i, chunk in enumerate(chunks, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
        suffix = f" ({i}/{len(chunks)})" if len(chunks) > 1 else ""
        _set_title(slide, title + suffix)
        lines = [header, *chunk]
        heights = [_row_height(_row_lines(row, widths)) for row in lines]
        shape = slide.shapes.add_table(
            len(chunk) + 1,
            len(df.columns),
            _in(MARGIN_IN),
            _in(CONTENT_TOP_IN),
            _in(CONTENT_W_IN),
            _in(sum(heights)),
        )
        shape.name = spec.name
        table = shape.table
        for c, width in enumerate(widths):
            table.columns[c].width = _in(width)
        for r, height in enumerate(heights):
            table.rows[r].height = _in(height)
        _fill_cells(table, lines)
        out.append((slide, spec.caveats))
    return out


_PLAIN = re.compile(r"[^\x00-\x09\x0b-\x1f\ud800-\udfff\ufffe\uffff]*")
"""Cell text that is written as it is (no control character but line feeds)."""
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _cell_xml(text: str, header: bool) -> str:
    """One table cell as :func:`_style_cell` writes it: a paragraph per line, one run each."""
    run = (
        f'<a:rPr sz="{TABLE_PT * 100}" b="{int(header)}"><a:solidFill><a:srgbClr val="000000"/>'
        f'</a:solidFill><a:latin typeface="{FONT}"/></a:rPr>'
    )
    paragraphs = "".join(
        f"<a:p><a:r>{run}<a:t>{escape(line)}</a:t></a:r></a:p>" if line else "<a:p/>"
        for line in text.split("\n")
    )
    margin = int(_in(CELL_MARGIN_IN))
    fill = _HEADER_FILL if header else RGBColor(0xFF, 0xFF, 0xFF)
    return (
        f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</a:txBody>"
        f'<a:tcPr marT="{int(Pt(2))}" marB="{int(Pt(2))}" marL="{margin}" marR="{margin}" '
        f'anchor="ctr"><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></a:tcPr></a:tc>'
    )


def _fill_cells(table: Table, lines: Sequence[Sequence[str]]) -> None:
    """Write every cell's text and style: the cells of plain text as one parsed XML fragment
    (setting them through python-pptx, property by property, took most of a table slide's
    time), any other cell through python-pptx (:func:`_style_cell`, which escapes control
    characters)."""
    blank = "<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p/></a:txBody><a:tcPr/></a:tc>"
    rows = "".join(
        "<a:tr>"
        + "".join(_cell_xml(text, r == 0) if _PLAIN.fullmatch(text) else blank for text in row)
        + "</a:tr>"
        for r, row in enumerate(lines)
    )
    parsed = parse_xml(f'<a:tbl xmlns:a="{_A}">{rows}</a:tbl>')
    for tr, built in zip(table._tbl.tr_lst, parsed.tr_lst, strict=True):
        for old in tr.tc_lst:
            tr.remove(old)
        tr.extend(built.tc_lst)
    for r, row in enumerate(lines):
        for c, text in enumerate(row):
            if not _PLAIN.fullmatch(text):
                _style_cell(table.cell(r, c), text, r == 0)


def _style_cell(cell: _Cell, text: str, header: bool) -> None:
    cell.text = text
    cell.margin_top = cell.margin_bottom = Pt(2)
    cell.margin_left = cell.margin_right = _in(CELL_MARGIN_IN)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    for p in cell.text_frame.paragraphs:
        for run in p.runs:
            run.font.name = FONT
            run.font.size = Pt(TABLE_PT)
            run.font.bold = header
            run.font.color.rgb = RGBColor(0, 0, 0)
    cell.fill.solid()
    cell.fill.fore_color.rgb = _HEADER_FILL if header else RGBColor(0xFF, 0xFF, 0xFF)


def _paginate(lines: Sequence[str], budget: int) -> list[list[str]]:
    """Split paragraphs into pages of at most ``budget`` wrapped lines each."""
    pages: list[list[str]] = [[]]
    used = 0
    for text in lines:
        need = max(1, math.ceil(len(text) / CHARS_PER_LINE))
        if pages[-1] and used + need > budget:
            pages.append([])
            used = 0
        pages[-1].append(text)
        used += need
    return pages


def _text_slides(prs: Presentation, spec: TextSlide) -> list[tuple[Slide, tuple[str, ...]]]:
    pages = _paginate(list(spec.lines) or [""], REFERENCE_LINES_PER_SLIDE)
    out = []
    for i, page in enumerate(pages, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[_LAYOUT_TITLE_ONLY])
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        _set_title(slide, spec.title + suffix)
        _add_text(
            slide,
            page,
            left=MARGIN_IN,
            top=CONTENT_TOP_IN,
            width=CONTENT_W_IN,
            height=CONTENT_H_IN,
            size=BODY_PT,
            name=spec.name,
            space_after=6,
        )
        out.append((slide, spec.caveats))
    return out


def _reference_slides(
    prs: Presentation, content: DeckContent
) -> list[tuple[Slide, tuple[str, ...]]]:
    lines = [f"[{i}] {c.line()}" for i, c in enumerate(content.citations, start=1)]
    return _text_slides(
        prs,
        TextSlide(
            "References", tuple(lines or ["No study is cited in this view."]), name="References"
        ),
    )


def deck_bytes(content: DeckContent) -> bytes:
    """Build the tumour-board deck as PPTX bytes.

    Parameters
    ----------
    content
        Body slides, citations and the words for filters, method, data version and caveats.

    Returns
    -------
    bytes
        A 13.333 × 7.5 in (16:9) PowerPoint file: title slide, the body slides in order (tables
        split by the height of their rows, text by its length), references (split by length).
        Each slide has a footer shape named ``"Footer"`` and speaker notes; each picture has
        alt text.
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = _in(SLIDE_W_IN), _in(SLIDE_H_IN)
    charts = [spec for spec in content.slides if isinstance(spec, ChartSlide)]
    # the figures are drawn (in the render workers) while this thread lays out the other slides
    with ThreadPoolExecutor(max_workers=1) as pool:
        drawing = pool.submit(
            render_charts,
            [c.chart for c in charts],
            box=(CONTENT_W_IN, CONTENT_H_IN),
            min_ppi=MIN_PPI,
        )
        slides: list[tuple[Slide, tuple[str, ...]]] = [(_title_slide(prs, content), ())]
        chart_slides = []
        for spec in content.slides:
            if isinstance(spec, ChartSlide):
                slides.append(_chart_slide(prs, spec))
                chart_slides.append(slides[-1][0])
            elif isinstance(spec, TableSlide):
                slides += _table_slides(prs, spec)
            else:
                slides += _text_slides(prs, spec)
        slides += _reference_slides(prs, content)
        drawn = drawing.result()
    for slide, spec, done in zip(chart_slides, charts, drawn, strict=True):
        _place_chart(slide, spec, slide_picture(done, CONTENT_W_IN, CONTENT_H_IN))
    for number, (slide, caveats) in enumerate(slides, start=1):
        _footer(slide, content, number, len(slides))
        _notes(slide, caveats, content)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
