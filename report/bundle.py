""" "Download everything": one zip of a view — deck, figures, tables, data and ``reproduce.R``.

Layout of the zip (every name ASCII, safe on any file system)::

    README.txt                    filters, method, data version, date, what each file is
    reproduce.R                   recomputes every pooled number with metafor (Rscript reproduce.R)
    deck/tumour-board-deck.pptx   the deck of the view
    figures/<name>.svg, .png      every figure of the view (PNG at 200 ppi)
    tables/<name>.csv, .xlsx      every table of the view, and the Head-to-head page's tables
                                  for a patient with randomised trials (formula-neutralised)
    data/numbers.csv              the app's pooled numbers (one row per pool)
    data/pools.csv                the study rows each number was pooled from
    data/networks.csv, league.csv the randomised trial contrasts of each network and the app's
                                  league (log hazard ratios), refitted by reproduce.R

Figures are rendered once per content (:mod:`report.figures` cache), so the bundle reuses what
the deck or a download already drew.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from report import rendering
from report.deck import deck_bytes
from report.figures import PRINT_PPI, file_stem, render_charts
from report.reproduce import network_frames, pool_frames, reproduce_script, trend_frames
from report.tables import csv_bytes, mark_what_if, xlsx_bytes
from report.view import ExportView, about_lines, view_deck_content, view_figures, view_tables

ZIP_MIME = "application/zip"
DECK_NAME = "deck/tumour-board-deck.pptx"


def reproduction_data(view: ExportView) -> tuple[bytes, bytes]:
    """``data/numbers.csv`` and ``data/pools.csv`` of a view (formula-neutralised CSV)."""
    numbers, rows = pool_frames(view.results, view.ae_by_drug, evidence=view.evidence)
    return csv_bytes(numbers), csv_bytes(rows)


def _readme(view: ExportView, date: str, figures: list[str], tables: list[str]) -> str:
    lines = [
        "Sarcoma TKI evidence explorer: export bundle",
        "=" * 44,
        "",
        *about_lines(view, date=date),
        "",
        "Files",
        "-----",
        f"{DECK_NAME}: the tumour-board deck (PowerPoint 16:9).",
        "figures/: every figure of the view as SVG (vector) and PNG (200 ppi):",
        *[f"  - {name}" for name in figures],
        "tables/: every table as CSV (UTF-8) and Excel; cells that begin with =, +, - or @ "
        "carry a leading quote so no spreadsheet runs them:",
        *[f"  - {name}" for name in tables],
        "data/numbers.csv: every pooled number of the view (random-effects estimate, CI, k).",
        "data/pools.csv: the study rows each number was pooled from (events and n, or a "
        "median with its 95% CI).",
        "data/cumulative.csv: each pooled proportion's studies with the step (publication "
        "year order) at which the cumulative meta-analysis adds them and the pooled estimate "
        "after that step.",
        "data/metareg.csv: each pooled proportion's studies with their publication year and "
        "the coefficients of the meta-regression on year.",
        "data/networks.csv, data/league.csv: each network of randomised comparisons (trial "
        "contrasts, log hazard ratios with SE) and the app's league of every pair.",
        "reproduce.R: recomputes every number, the cumulative meta-analyses (metafor cumul()), "
        "the meta-regressions (rma(mods = ~ year)) and each network of randomised comparisons "
        "(rma.mv) with R metafor from data/ and prints them beside the app's; run "
        "`Rscript reproduce.R` in this folder (needs the metafor package, and lme4 for the "
        "GLMM). It exits with status 1 when any number differs.",
    ]
    return "\n".join(lines) + "\n"


def bundle_tables(view: ExportView) -> dict[str, pd.DataFrame]:
    """The view's tables (:func:`report.view.view_tables`) and, for a patient with randomised
    evidence, every non-empty table of the Head-to-head page, titled ``Head to head - ...``."""
    tables = dict(view_tables(view))
    if view.head_to_head is not None:
        tables.update(
            {
                f"Head to head - {name}": table
                for name, table in view.head_to_head.tables().items()
                if not table.empty
            }
        )
    return tables


def bundle_bytes(view: ExportView, *, date: str) -> bytes:
    """The zip of a view (see the module docstring for its layout).

    Parameters
    ----------
    view
        The exported view.
    date
        Date of the export (ISO), printed in README.txt, the deck and the Excel About sheets.

    Returns
    -------
    bytes
        A deflated zip archive.
    """
    figures = view_figures(view)
    tables = {
        name: mark_what_if(table, list(view.user_supplied))
        for name, table in bundle_tables(view).items()
    }
    rendering.warm_up()  # workers load while the tables and data are written
    about = about_lines(view, date=date)
    numbers_csv, rows_csv = reproduction_data(view)
    stems = [file_stem(title) for title in figures]
    drawn = render_charts(list(figures.values()), ppi=PRINT_PPI)  # one layout: SVG and PNG
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "README.txt", _readme(view, date, [f"{s}.svg / .png" for s in stems], list(tables))
        )
        zf.writestr(
            "reproduce.R",
            reproduce_script(view.method, header=about),
        )
        zf.writestr("data/numbers.csv", numbers_csv)
        zf.writestr("data/pools.csv", rows_csv)
        cumulative, metareg = trend_frames(view.results, view.evidence)
        zf.writestr("data/cumulative.csv", csv_bytes(cumulative))
        zf.writestr("data/metareg.csv", csv_bytes(metareg))
        if view.head_to_head is not None and view.head_to_head.indirect.components:
            networks, league = network_frames(view.head_to_head.indirect)
            zf.writestr("data/networks.csv", csv_bytes(networks))
            zf.writestr("data/league.csv", csv_bytes(league))
        zf.writestr(DECK_NAME, deck_bytes(view_deck_content(view, date=date)))
        for stem, done in zip(stems, drawn, strict=True):
            zf.writestr(f"figures/{stem}.svg", done.svg)
            zf.writestr(f"figures/{stem}.png", done.png or b"")
        for name, table in tables.items():
            zf.writestr(f"tables/{file_stem(name)}.csv", csv_bytes(table))
            zf.writestr(f"tables/{file_stem(name)}.xlsx", xlsx_bytes({name: table}, notes=about))
    return buf.getvalue()
