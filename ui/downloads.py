"""Download buttons shared by pages: a chart as PNG/SVG/PDF, a table as CSV/Excel, the deck,
the whole bundle and a pooled number's R script.

Every button gets a callable, so the file is built only when a reader clicks (vl-convert and
python-pptx run then, on the server, from values captured at render time: no Streamlit call
inside), and ``on_click="ignore"`` keeps the page from rerunning. The slide-deck modules
(python-pptx) are imported only when a deck is built, so they stay off the start-up path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from report.figures import FIGURE_FORMATS, chart_bytes, figure_file_name, file_stem
from report.tables import CSV_MIME, XLSX_MIME, csv_bytes, xlsx_bytes

if TYPE_CHECKING:
    import altair as alt

    from report.view import ExportView

ZIP_MIME = "application/zip"
FIGURE_LABELS = {"png": "PNG (200 ppi)", "svg": "SVG", "pdf": "PDF"}


def chart_title(chart: alt.TopLevelMixin) -> str:
    """The title text of a chart, or an empty string when it has none."""
    title = getattr(chart, "title", None)
    text = getattr(title, "text", title)
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    return text.strip() if isinstance(text, str) else ""


def figure_downloads(chart: alt.TopLevelMixin, name: str | None = None, *, key: str) -> None:
    """A "Download figure" popover with PNG, SVG and PDF of exactly this chart object.

    Parameters
    ----------
    chart
        The chart the page shows.
    name
        Words for the file name (``"Anlotinib ORR forest"`` → ``anlotinib-orr-forest.png``);
        default: the chart's title, else ``key``.
    key
        Unique widget key prefix on the page.
    """
    name = name or chart_title(chart) or key
    with st.popover("Download figure", icon=":material/download:"):
        for fmt, mime in FIGURE_FORMATS.items():
            st.download_button(
                FIGURE_LABELS[fmt],
                data=partial(chart_bytes, chart, fmt),
                file_name=figure_file_name(name, fmt),
                mime=mime,
                key=f"{key}_{fmt}",
                on_click="ignore",
                icon=":material/image:",
            )


def table_downloads(
    tables: Mapping[str, pd.DataFrame], name: str, *, key: str, notes: Sequence[str] = ()
) -> None:
    """CSV buttons (one per table) and one Excel workbook with every table and an About sheet."""
    stem = file_stem(name)
    columns = st.columns(len(tables) + 1)
    for column, (title, table) in zip(columns, tables.items(), strict=False):
        column.download_button(
            f"{title} (CSV)",
            data=partial(csv_bytes, table),
            file_name=f"{stem}-{file_stem(title)}.csv",
            mime=CSV_MIME,
            key=f"{key}_csv_{title}",
            on_click="ignore",
            icon=":material/table:",
        )
    columns[-1].download_button(
        "All tables (Excel)",
        data=partial(xlsx_bytes, dict(tables), notes=list(notes)),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/grid_on:",
    )


def deck_builder(view: ExportView) -> Callable[[], bytes]:
    """A no-argument function that builds the deck of a view (for a deferred download)."""

    def build() -> bytes:
        from report.deck import deck_bytes
        from report.view import view_deck_content

        return deck_bytes(view_deck_content(view, date=dt.date.today().isoformat()))

    return build


def deck_download(build: Callable[[], bytes], *, key: str, disabled: bool = False) -> None:
    """The one-click deck button: builds the PPTX on click and downloads it."""
    from report.deck import PPTX_MIME

    st.download_button(
        "Build and download the deck (PPTX)",
        data=build,
        file_name=f"sarcoma-tki-tumour-board-{dt.date.today().isoformat()}.pptx",
        mime=PPTX_MIME,
        key=key,
        on_click="ignore",
        type="primary",
        icon=":material/slideshow:",
        disabled=disabled,
    )


def _bundle(view: ExportView) -> bytes:
    from report.bundle import bundle_bytes

    return bundle_bytes(view, date=dt.date.today().isoformat())


def bundle_download(view: ExportView, *, key: str, disabled: bool = False) -> None:
    """ "Download everything": the view's zip (deck, figures, tables, data, reproduce.R)."""
    st.download_button(
        "Download everything (zip)",
        data=partial(_bundle, view),
        file_name=f"sarcoma-tki-export-{dt.date.today().isoformat()}.zip",
        mime=ZIP_MIME,
        key=key,
        on_click="ignore",
        icon=":material/folder_zip:",
        disabled=disabled,
    )


def _reproduce_one(result: Any, about: Sequence[str]) -> bytes:
    from report.reproduce import pool_frames, reproduce_script

    numbers, rows = pool_frames([result])
    script = reproduce_script(
        result.method,
        header=about,
        numbers_csv=numbers.to_csv(index=False),
        rows_csv=rows.to_csv(index=False),
    )
    return script.encode("utf-8")


def reproduce_download(result: Any, name: str, *, key: str, about: Sequence[str] = ()) -> None:
    """ "Reproduce in R": one self-contained R script that refits this pooled number with
    metafor from its study data and prints it beside the app's."""
    st.download_button(
        "Reproduce in R",
        data=partial(_reproduce_one, result, list(about)),
        file_name=f"reproduce-{file_stem(name)}.R",
        mime="text/plain",
        key=key,
        on_click="ignore",
        icon=":material/code:",
        help="An R script with this number's study data: Rscript reproduce-….R refits it "
        "with metafor and prints both numbers (exit status 1 if they differ).",
    )
