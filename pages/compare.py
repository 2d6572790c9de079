"""Compare (home): the four TKIs side by side for the filters in force."""

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS
from ui import cache, render
from ui.frame import page_frame

f, m = page_frame()
st.title("Four TKIs side by side")
st.caption(f"{render.describe_filters(f)}  \nMethod: {m.describe()}")
st.warning(
    "Naive cross-trial comparison: the drugs were studied in different, mostly single-arm "
    "trials with different patients. Differences between columns are not treatment effects; "
    "only the within-trial hazard ratios at the bottom are anchored comparisons.",
    icon=":material/warning:",
)

table = cache.compare_view(f, m)
for drug, column in zip(TKI_DRUGS, st.columns(len(TKI_DRUGS), gap="medium"), strict=True):
    with column:
        render.drug_header(drug)
        for _, row in table[table["drug"] == drug].iterrows():
            render.pooled_number(row, f)
        st.caption(render.short_method(m))

st.subheader("Efficacy across drugs")
efficacy = cache.chart_view(
    "compare_efficacy",
    f,
    m,
    lambda: (charts.comparison_chart(table), charts.comparison_table(table)),
)
render.view_with_table(efficacy, key="compare_efficacy")

st.subheader("Grade ≥3 adverse events")
ae = cache.adverse_events(f, m, "3plus")
ae_view = cache.chart_view(
    "compare_ae", f, m, lambda: (charts.ae_panel_chart(ae), charts.ae_panel_matrix(ae))
)
matrix_tab, chart_tab = st.tabs(["Term × drug", "Chart"])
with matrix_tab:
    st.dataframe(ae_view.table, hide_index=True, key="compare_ae_matrix")
    st.caption(
        "Pooled incidence among the studies of each drug that reported the term; "
        "“not reported”: no study of that drug reported it (not zero)."
    )
with chart_tab:
    render.chart(ae_view, key="compare_ae_chart")

st.subheader("Anchored, within trial: hazard ratios vs placebo")
hr = cache.hazard_ratio_table(f)
if hr.empty:
    st.info("No placebo-controlled trial reports a hazard ratio under these filters.")
else:
    labels = cache.histology_labels()
    hr_view = cache.chart_view(
        "compare_hr",
        f,
        m,
        lambda: (charts.hazard_ratio_chart(hr, labels), charts.hazard_ratio_table(hr, labels)),
    )
    render.view_with_table(
        hr_view,
        key="compare_hr",
        caption="Randomised comparisons against placebo within one trial; "
        "they do not compare the TKIs with each other.",
    )
