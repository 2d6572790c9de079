"""Export: the tumour-board deck, everything in one zip, every figure and table of the view."""

import datetime as dt

import streamlit as st

from report.colors import TKI_DRUGS, drug_label
from report.tables import mark_what_if
from report.view import DEFAULT_OUTCOMES, about_lines, forest_results, view_figures, view_tables
from tkidata.wording import outcome_label
from ui import cache, downloads, render
from ui.frame import page_frame
from ui.params import direct_only

f, m = page_frame()
st.title("Export for the tumour board")
st.caption(f"{render.describe_filters(f)}  \nMethod: {m.describe()}")

st.subheader("Slide deck (PowerPoint, 16:9)")
pick_outcomes, pick_drugs = st.columns(2)
outcomes = pick_outcomes.multiselect(
    "Outcomes",
    cache.COMPARE_OUTCOMES,
    default=list(DEFAULT_OUTCOMES),
    format_func=lambda key: outcome_label(*key),
    key="export_outcomes",
)
forest_drugs = pick_drugs.multiselect(
    "Forest plots for",
    TKI_DRUGS,
    default=list(TKI_DRUGS),
    format_func=drug_label,
    key="export_drugs",
)
view = cache.export_view(f, m, outcomes, forest_drugs, direct_only())
st.caption(
    "The question, filters, method and data version; the patient summary (evidence tiers and "
    "certainty); the four-drug efficacy comparison; grade ≥3 "
    "toxicity for every drug; the within-trial hazard ratios; the limitations; "
    f"{len(forest_results(view))} forest plots; the evidence table; the methods; the references. "
    "Footer with filters and method on every slide; caveats in the speaker notes. Every "
    "number, figure and table is the patient's answer as on Compare: each at its most direct "
    "tier of evidence, named."
)
deck_col, bundle_col = st.columns(2)
with deck_col:
    downloads.deck_download(downloads.deck_builder(view), key="export_deck", disabled=not outcomes)
with bundle_col:
    downloads.bundle_download(view, key="export_bundle", disabled=not outcomes)
st.caption(
    "The zip holds the deck, every figure (SVG and PNG), every table (CSV and Excel), a "
    "README and reproduce.R, which recomputes every pooled number with R metafor."
)
if not outcomes:
    st.info("Pick at least one outcome for the deck.", icon=":material/info:")

st.subheader("Figures (PNG 200 ppi, SVG, PDF)")
figures = view_figures(view)
name = st.selectbox("Figure", list(figures), key="export_figure")
downloads.figure_downloads(figures[name], name, key="export_figure_files")
st.altair_chart(figures[name], theme=None, key="export_figure_preview", width="content")

st.subheader("Tables (CSV, Excel)")
downloads.table_downloads(
    {
        title: mark_what_if(table, list(view.user_supplied))
        for title, table in view_tables(view).items()
    },
    "sarcoma tki",
    key="export_tables",
    notes=about_lines(view, date=dt.date.today().isoformat()),
)
st.caption(
    "Cells that begin with =, +, - or @ are written with a leading quote so a spreadsheet "
    "cannot run them as formulas."
)
