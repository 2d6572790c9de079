"""Export: the tumour-board deck, every figure and the tables of the view in force."""

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS, drug_label
from report.deck_inputs import DEFAULT_OUTCOMES
from report.tables import mark_what_if
from report.view_tables import pooled_results_table
from tkidata.wording import outcome_label
from ui import cache, downloads, render
from ui.frame import page_frame
from ui.params import BY_NAME

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
ev = cache.evidence()
compare = cache.compare_table(f, m)
ae = cache.adverse_events(f, m, "3plus")
results = [cache.outcome_result(d, o, f, m, t) for d in TKI_DRUGS for o, t in outcomes]
n_forests = sum(r.pool is not None for r in results if r.drug in forest_drugs)
st.caption(
    "Title slide with the question, filters, method and data version; the four-drug comparison; "
    f"the grade ≥3 adverse-event panel; {n_forests} forest plots; the evidence table; the "
    "references. Footer with filters and method on every slide; caveats in the speaker notes. "
    "Builds in a few seconds."
)
downloads.deck_download(
    downloads.deck_builder(
        studies=ev.studies,
        data_version=str(ev.version),
        filters=f,
        method=m,
        compare=compare,
        ae_by_drug=ae,
        results=results,
        forest_drugs=forest_drugs,
        outcomes=outcomes,
        histology=BY_NAME["histology"].format(f.histology),
    ),
    key="export_deck",
    disabled=not outcomes,
)
if not outcomes:
    st.info("Pick at least one outcome for the deck.", icon=":material/info:")

st.subheader("Figures (PNG 200 ppi, SVG, PDF)")
figures = {
    "Efficacy of the four TKIs": charts.comparison_chart(cache.compare_view(f, m)),
    "Grade ≥3 adverse events": charts.ae_panel_chart(ae),
}
for r in results:
    if r.drug in forest_drugs and r.pool is not None:
        title = f"{drug_label(r.drug)}: {outcome_label(r.outcome, r.timepoint)}"
        figures[title] = charts.forest_chart(
            r.pool,
            drug=r.drug,
            outcome=r.outcome,
            timepoint=r.timepoint,
            study_info=charts.study_info_from_rows(r.selection.rows),
            method_text=m.describe(),
        )
name = st.selectbox("Figure", list(figures), key="export_figure")
downloads.figure_downloads(figures[name], name, key="export_figure_files")
st.altair_chart(figures[name], theme=None, key="export_figure_preview", width="content")

st.subheader("Tables (CSV, Excel)")
user = sorted({s for r in results for s in r.user_supplied})
notes = [
    f"Filters: {f.describe()}",
    f"Method: {m.describe()} ({m.short()})",
    f"Data: {ev.version}",
    "Proportions are fractions in [0, 1]; medians are months; I² in percent.",
]
if user:
    notes.append("WHAT-IF: includes user-supplied studies: " + ", ".join(user))
downloads.table_downloads(
    {
        "Pooled results": mark_what_if(pooled_results_table(compare), user),
        "Evidence table": mark_what_if(cache.evidence_table(f), user),
    },
    "sarcoma tki",
    key="export_tables",
    notes=notes,
)
st.caption(
    "Cells that begin with =, +, - or @ are written with a leading quote so a spreadsheet "
    "cannot run them as formulas."
)
